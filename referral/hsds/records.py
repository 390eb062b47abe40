"""Providers as Open Referral HSDS 3.0 records: the practice (organization) offers a service at its offices."""
from __future__ import annotations

from ..models import Office, Provider
from ..services.availability import availability_of
from ..services.interop import offers_psychiatry
from ..services.search import AvailabilityRules
from .ids import hsds_id
from .params import METERS_PER_MILE
from .taxonomies import service_attributes


def _practice_name(provider: Provider) -> str:
    suffix = f", {provider.credentials}" if provider.credentials else ""
    return f"{provider.name}{suffix}"


def _website(provider: Provider) -> str | None:
    site = (provider.website or "").strip()
    return site if site.startswith(("http://", "https://")) else None


def _phones(provider: Provider, **links) -> list[dict]:
    if not provider.phone:
        return []
    return [{"id": hsds_id("phone", provider.id), "number": provider.phone, "type": "voice", **links}]


def address(office: Office) -> dict:
    """An office's street address."""
    return {
        "id": hsds_id("address", office.id),
        "location_id": hsds_id("location", office.id),
        "address_1": office.address1 or office.city,
        "address_2": office.address2 or "",
        "city": office.city,
        "state_province": office.state,
        "postal_code": office.zip,
        "country": "US",
        "address_type": "physical",
    }


def location(office: Office) -> dict:
    """A location: one office, with its address and position."""
    record = {
        "id": hsds_id("location", office.id),
        "location_type": "physical",
        "organization_id": hsds_id("organization", office.provider_id),
        "name": f"{office.provider.name}, {office.city} office",
        "description": office.one_line,
        "addresses": [address(office)],
        "phones": _phones(office.provider, location_id=hsds_id("location", office.id)),
    }
    if office.lat is not None and office.lng is not None:
        record["latitude"] = office.lat
        record["longitude"] = office.lng
    return record


def organization_summary(provider: Provider) -> dict:
    """An organization's one-to-one fields: the clinician's practice."""
    record = {
        "id": hsds_id("organization", provider.id),
        "name": _practice_name(provider),
        "description": f"The practice of {provider.name}, {provider.provider_type.name.lower()}.",
    }
    website = _website(provider)
    if website:
        record["website"] = website
    return record


def organization(provider: Provider, services: list[dict]) -> dict:
    """An organization in full: phones, locations, NPI, and the services it offers (records without their organization)."""
    record = organization_summary(provider)
    record["phones"] = _phones(provider, organization_id=record["id"])
    record["locations"] = [location(office) for office in provider.offices]
    if provider.npi:
        record["organization_identifiers"] = [{
            "id": hsds_id("identifier", provider.id), "organization_id": record["id"],
            "identifier_scheme": "US-NPI", "identifier_type": "National Provider Identifier", "identifier": provider.npi,
        }]
    record["services"] = [{key: value for key, value in service.items() if key != "organization"} for service in services]
    return record


def service_name(provider: Provider) -> str:
    """Psychiatry or psychotherapy, with whom."""
    kind = "Psychiatry" if offers_psychiatry(provider) else "Psychotherapy"
    return f"{kind} with {provider.name}"


def _timestamp(provider: Provider) -> str:
    return provider.updated_at.isoformat(timespec="milliseconds")


def _fees(provider: Provider) -> str:
    parts = []
    if provider.fee_min is not None and provider.fee_max is not None and provider.fee_max != provider.fee_min:
        parts.append(f"${provider.fee_min}–${provider.fee_max} per session.")
    elif provider.fee_min is not None:
        parts.append(f"${provider.fee_min} per session.")
    if provider.sliding_scale:
        parts.append("Sliding scale available.")
    plans = [plan.name for plan in provider.insurance_plans]
    if plans:
        parts.append("Accepts: " + ", ".join(plans) + ".")
    return " ".join(parts) or "Ask the clinician about fees."


def service_summary(provider: Provider, url: str, rules: AvailabilityRules) -> dict:
    """A service's one-to-one fields, with its organization."""
    accepting = availability_of(provider, rules).accepting
    ways = [w for w, offered in (("in person", provider.in_person), ("by telehealth", provider.telehealth)) if offered]
    record = {
        "id": hsds_id("service", provider.id),
        "organization_id": hsds_id("organization", provider.id),
        "name": service_name(provider),
        "description": provider.statement or f"{provider.provider_type.name} seeing patients {' and '.join(ways) or 'by arrangement'}.",
        "url": url,
        "status": "active",
        "application_process": ("Accepting new patients. " if accepting else "Not accepting new patients at present. ")
        + (f"Call {provider.phone}." if provider.phone else "See the listing for how to get in touch."),
        "fees_description": _fees(provider),
        "last_modified": _timestamp(provider) if provider.updated_at else None,
        "organization": organization_summary(provider),
    }
    groups = [group.name.lower() for group in provider.age_groups]
    if groups:
        record["eligibility_description"] = "Sees " + ", ".join(groups) + "."
    if record["last_modified"] is None:
        del record["last_modified"]
    return record


def service(provider: Provider, url: str, rules: AvailabilityRules) -> dict:
    """A service in full: its organization, where it is offered, languages, cost, phones and taxonomy terms."""
    record = service_summary(provider, url, rules)
    record["organization"] = organization(provider, [service_summary(provider, url, rules)])
    record["phones"] = _phones(provider, service_id=record["id"])
    record["service_at_locations"] = [service_at_location(office) for office in provider.offices]
    record["languages"] = [
        {"id": hsds_id("language", provider.id, language.id), "service_id": record["id"], "name": language.name,
         "code": language.slug}
        for language in provider.languages
    ]
    if provider.fee_min is not None:
        record["cost_options"] = [{
            "id": hsds_id("cost_option", provider.id), "service_id": record["id"], "option": "Per session",
            "currency": "USD", "amount": provider.fee_min,
            "amount_description": _fees(provider),
        }]
    record["attributes"] = service_attributes(provider)
    return record


def minimal_service(provider: Provider) -> dict:
    """A service reduced to what tells a copy whether it is current: id, name, status and last_modified."""
    record = {"id": hsds_id("service", provider.id), "name": service_name(provider), "status": "active"}
    if provider.updated_at:
        record["last_modified"] = _timestamp(provider)
    return record


def service_at_location(office: Office) -> dict:
    """The service offered at one office, with the location."""
    return {
        "id": hsds_id("service_at_location", office.id),
        "service_id": hsds_id("service", office.provider_id),
        "location_id": hsds_id("location", office.id),
        "description": f"{service_name(office.provider)} at {office.one_line}",
        "location": location(office),
    }


def service_at_location_summary(office: Office, url: str, rules: AvailabilityRules, distance_miles: float | None) -> dict:
    """A service_at_location list item: the location and the service's one-to-one fields."""
    record = service_at_location(office)
    record["service"] = service_summary(office.provider, url, rules)
    if distance_miles is not None:
        record["distance_meters"] = round(distance_miles * METERS_PER_MILE)
    return record


def full_service_at_location(office: Office, url: str, rules: AvailabilityRules, distance_miles: float | None = None) -> dict:
    """A service_at_location fully nested: the list item with the phones to call there."""
    record = service_at_location_summary(office, url, rules, distance_miles)
    record["phones"] = _phones(office.provider, service_at_location_id=record["id"])
    return record


def page(items: list[dict], total: int, page_number: int, per_page: int) -> dict:
    """The HSDS page envelope."""
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page_number,
        "size": len(items),
        "first_page": page_number == 1,
        "last_page": page_number >= pages,
        "empty": len(items) == 0,
        "contents": items,
    }
