"""Converting providers and search pages to JSON-ready dicts."""
from flask import url_for

from ..models import Office, Provider
from ..services.availability import availability_of
from ..services.search import AvailabilityRules, ProviderHit, SearchPage


def _slugs(items) -> list[str]:
    return [item.slug for item in items]


def office_dict(office: Office, distance: float | None = None) -> dict:
    """One office."""
    data = {
        "id": office.id,
        "address1": office.address1,
        "address2": office.address2,
        "city": office.city,
        "state": office.state,
        "zip": office.zip,
        "lat": office.lat,
        "lng": office.lng,
    }
    if distance is not None:
        data["distance_miles"] = round(distance, 1)
    return data


def provider_summary(hit: ProviderHit, rules: AvailabilityRules) -> dict:
    """A search result."""
    provider = hit.provider
    availability = availability_of(provider, rules)
    return {
        "id": provider.id,
        "name": provider.name,
        "credentials": provider.credentials,
        "type": provider.provider_type.slug,
        "distance_miles": round(hit.distance_miles, 1) if hit.distance_miles is not None else None,
        "matched_by_telehealth": hit.via_telehealth,
        "modalities": _slugs(provider.modalities),
        "frequencies": _slugs(provider.frequencies),
        "insurance": _slugs(provider.insurance_plans),
        "languages": _slugs(provider.languages),
        "age_groups": _slugs(provider.age_groups),
        "accepting_new_patients": availability.accepting,
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "telehealth": provider.telehealth,
        "in_person": provider.in_person,
        "fee_min": provider.fee_min,
        "fee_max": provider.fee_max,
        "sliding_scale": provider.sliding_scale,
        "offices": [office_dict(o) for o in provider.offices],
        "url": url_for("providers.profile", provider_id=provider.id, _external=True),
    }


def provider_detail(provider: Provider, rules: AvailabilityRules) -> dict:
    """One provider in full."""
    availability = availability_of(provider, rules)
    return {
        "id": provider.id,
        "npi": provider.npi,
        "name": provider.name,
        "first_name": provider.first_name,
        "last_name": provider.last_name,
        "credentials": provider.credentials,
        "type": provider.provider_type.slug,
        "taxonomy_code": provider.taxonomy_code,
        "statement": provider.statement,
        "licenses": [{"state": lic.state, "number": lic.number} for lic in provider.licenses],
        "accepting_new_patients": availability.accepting,
        "listing_says_accepting": availability.claimed_accepting,
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "telehealth": provider.telehealth,
        "telehealth_states": provider.licensed_states if provider.telehealth else [],
        "in_person": provider.in_person,
        "fee_min": provider.fee_min,
        "fee_max": provider.fee_max,
        "sliding_scale": provider.sliding_scale,
        "modalities": _slugs(provider.modalities),
        "frequencies": _slugs(provider.frequencies),
        "conditions": _slugs(provider.concerns),
        "insurance": _slugs(provider.insurance_plans),
        "languages": _slugs(provider.languages),
        "age_groups": _slugs(provider.age_groups),
        "treatment_lengths": _slugs(provider.treatment_lengths),
        "phone": provider.phone,
        "website": provider.website,
        "listing_status": provider.listing_status,
        "source": provider.source,
        "offices": [office_dict(o) for o in provider.offices],
        "url": url_for("providers.profile", provider_id=provider.id, _external=True),
    }


def search_page_dict(page: SearchPage, rules: AvailabilityRules) -> dict:
    """A page of search results."""
    return {
        "results": [provider_summary(hit, rules) for hit in page.hits],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_exact": page.total_exact,
    }
