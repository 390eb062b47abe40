"""Converting providers and search pages to JSON-ready dicts."""
from flask import url_for

from ..models import Office, Provider
from ..services.attribute_values import published_value
from ..services.attributes import API, ATTRIBUTES
from ..services.availability import availability_of
from ..services.responsiveness import listing_responsiveness
from ..services.search import AvailabilityRules, ProviderHit, SearchPage


_API_ATTRIBUTES = {summary: tuple((a.output_key, a) for a in ATTRIBUTES if API in a.outputs and (a.in_summary or not summary))
                   for summary in (True, False)}


def attribute_fields(provider: Provider, rules: AvailabilityRules, *, summary: bool) -> dict:
    """Every listing attribute the JSON API carries, under its output key (a result carries the summary ones)."""
    return {key: published_value(provider, attribute, rules) for key, attribute in _API_ATTRIBUTES[summary]}


def office_dict(office: Office, distance: float | None = None) -> dict:
    """One office, with its weekly hours in its local time (day 0 is Monday; minutes after midnight)."""
    data = {
        "id": office.id,
        "address1": office.address1,
        "address2": office.address2,
        "city": office.city,
        "state": office.state,
        "zip": office.zip,
        "lat": office.lat,
        "lng": office.lng,
        "hours": [{"day": w.day, "opens": w.opens, "closes": w.closes} for w in office.hours],
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
        "distance_miles": round(hit.distance_miles, 1) if hit.distance_miles is not None else None,
        "matched_by_telehealth": hit.via_telehealth,
        **attribute_fields(provider, rules, summary=True),
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "responsiveness": listing_responsiveness(provider).as_api(),
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
        "taxonomy_code": provider.taxonomy_code,
        "statement": provider.statement,
        "statement_es": provider.statement_es,
        "licenses": [{"state": lic.state, "number": lic.number} for lic in provider.licenses],
        **attribute_fields(provider, rules, summary=False),
        "listing_says_accepting": availability.claimed_accepting,
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "responsiveness": listing_responsiveness(provider).as_api(),
        "telehealth_states": provider.licensed_states if provider.telehealth else [],
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
