"""Listings, offices and insurance carriers as FHIR R4 resources conforming to the Da Vinci PDex Plan-Net 1.2.0
profiles (the resource names are fixed in ids.py).

What the directory does not know is left out, never guessed: a listing whose availability was never confirmed,
or not within the stale window, carries no new-patients statement at all. Where a profile makes an element
mandatory that the directory cannot know (a carrier's or a telehealth-only practice's address), the element
carries the standard data-absent-reason extension instead of a value.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import InsurancePlan, Office, Provider, utcnow
from ..services.availability import availability_of
from ..services.interop import DEFAULT_TAXONOMY, offers_psychiatry, specialty_code
from ..services.listing_rules import can_be_contacted
from ..services.npi import npi_is_valid
from ..services.search import AvailabilityRules
from . import codes
from .codes import PROFILE
from .ids import NETWORK, NOT_A_CARRIER, PAYER, PRACTICE, affiliation_id, organization_id, reference

# A carrier's network is named after it (catalog.py matches Organization names the same way in SQL).
NETWORK_NAME_SUFFIX = " network"


@dataclass(frozen=True)
class BuildContext:
    """What the builders need beyond the records themselves."""

    names: dict[str, str]  # NUCC display names by taxonomy code
    rules: AvailabilityRules
    listing_url: Callable[[int], str]  # absolute URL of a listing's public profile page
    contact_url: Callable[[int], str]  # absolute URL of a listing's contact page


# --- small pieces -------------------------------------------------------------------------------------------

def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _meta(profile_key: str, provider: Provider | None = None) -> dict:
    meta = {"profile": [PROFILE[profile_key]]}
    if provider is not None:
        meta["versionId"] = str(provider.version_id)
        if provider.updated_at:
            meta["lastUpdated"] = _instant(provider.updated_at)
    return meta


def _ref(resource_type: str, resource_id: int | str, display: str | None = None) -> dict:
    found = {"reference": reference(resource_type, resource_id)}
    if display:
        found["display"] = display
    return found


def _concept(coding: dict, text: str | None = None) -> dict:
    return {"coding": [coding], "text": text or coding["display"]}


def _unknown() -> dict:
    """An element the profile requires whose value the directory does not know."""
    return {"extension": [{"url": codes.DATA_ABSENT_REASON, "valueCode": "unknown"}]}


def _unknown_contact() -> dict:
    """A contact point whose required system and value are not known (primitives carried by extension only)."""
    return {"_system": _unknown(), "_value": _unknown()}


def _telecom(provider: Provider, *, website: bool = True) -> list[dict]:
    points = []
    if provider.phone:
        points.append({"system": "phone", "value": provider.phone, "use": "work"})
    if website and provider.website:
        points.append({"system": "url", "value": provider.website, "use": "work"})
    return points


def _address(office: Office) -> dict:
    address = {"use": "work", "type": "physical", "text": office.one_line}
    lines = [line for line in (office.address1, office.address2) if line]
    if lines:
        address["line"] = lines
    address.update(city=office.city, state=office.state, postalCode=office.zip, country="US")
    return address


def _distinct_addresses(offices: Iterable[Office]) -> list[dict]:
    seen, addresses = set(), []
    for office in offices:
        address = _address(office)
        if address["text"] not in seen:
            seen.add(address["text"])
            addresses.append(address)
    return addresses


def _clock(minutes: int) -> str:
    if minutes >= 24 * 60:
        return "23:59:59"  # FHIR time has no 24:00: a window that runs to midnight closes at the day's last second
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _weekly_windows(offices: Iterable[Office], opening: str, closing: str) -> list[dict]:
    """Opening hours as FHIR availableTime/hoursOfOperation entries: one entry per distinct window, with its days."""
    days_by_window: dict[tuple[int, int], set[int]] = {}
    for office in offices:
        for window in office.hours:
            days_by_window.setdefault((window.opens, window.closes), set()).add(window.day)
    entries = []
    for (opens, closes), days in sorted(days_by_window.items()):
        entry = {"daysOfWeek": [codes.DAYS_OF_WEEK[day] for day in sorted(days)]}
        if opens == 0 and closes >= 24 * 60:
            entry["allDay"] = True
        else:
            entry[opening] = _clock(opens)
            entry[closing] = _clock(closes)
        entries.append(entry)
    return entries


def _accepting_coding(provider: Provider, rules: AvailabilityRules, now: datetime | None = None) -> dict | None:
    """newpt when accepting, nopt when confirmed not accepting within the stale window, None when not known."""
    now = now or utcnow()
    if availability_of(provider, rules, now).accepting:
        return codes.ACCEPTING
    confirmed = provider.availability_confirmed_at
    if confirmed is not None and confirmed >= now - timedelta(days=rules.stale_days):
        return codes.NOT_ACCEPTING
    return None


def _newpatients(provider: Provider, rules: AvailabilityRules) -> list[dict]:
    coding = _accepting_coding(provider, rules)
    if coding is None:
        return []
    return [{
        "url": codes.NEWPATIENTS,
        "extension": [{"url": "acceptingPatients", "valueCodeableConcept": _concept(coding)}],
    }]


def _specialty(provider: Provider, names: dict[str, str]) -> dict | None:
    """The listing's NUCC code when the Plan-Net specialty value sets hold it, else its provider type's code."""
    code = specialty_code(provider)
    if code not in codes.INDIVIDUAL_SPECIALTIES:
        code = DEFAULT_TAXONOMY.get(provider.provider_type.slug, "")
    if not code:
        return None
    display = names.get(code) or provider.provider_type.name
    return _concept({"system": codes.NUCC_SYSTEM, "code": code, "display": display})


def carriers(provider: Provider) -> list[InsurancePlan]:
    """The insurance carriers whose networks a listing takes (not self-pay)."""
    return [plan for plan in provider.insurance_plans if plan.slug not in NOT_A_CARRIER]


def _practice_name(provider: Provider) -> str:
    # The clinician as they sign: the name Organization searches match (catalog.py builds the same in SQL).
    return f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name


def _network_name(plan: InsurancePlan) -> str:
    return plan.name + NETWORK_NAME_SUFFIX


def _office_refs(provider: Provider) -> list[dict]:
    return [_ref("Location", office.id, f"{office.city}, {office.state}") for office in provider.offices]


def _contacts_and_offices(resource: dict, provider: Provider, *, website: bool) -> None:
    """The telephone (and website) and offices a role, a service and an affiliation carry."""
    telecom = _telecom(provider, website=website)
    if telecom:
        resource["telecom"] = telecom
    if provider.offices:
        resource["location"] = _office_refs(provider)


def _link_endpoint(resource: dict, provider: Provider) -> bool:
    """Point to the listing's contact page, which only listings that take messages have; whether it has one."""
    if not can_be_contacted(provider):
        return False
    resource["endpoint"] = [_ref("Endpoint", provider.id)]
    return True


# --- the listing --------------------------------------------------------------------------------------------

def _license(provider: Provider, license_, names: dict[str, str]) -> dict:
    specialty = _specialty(provider, names) or {}
    qualification = {
        "extension": [{
            "url": codes.PRACTITIONER_QUALIFICATION,
            "extension": [
                {"url": "status", "valueCode": "active"},
                {"url": "whereValid",
                 "valueCodeableConcept": {"coding": [{"system": codes.USPS_SYSTEM, "code": license_.state}]}},
            ],
        }],
        "code": {**specialty, "text": f"{provider.provider_type.name} license, {license_.state}"},
        "issuer": {"display": f"{license_.state} state licensing board"},
    }
    if license_.number:
        qualification["identifier"] = [{"type": {"text": "State license number"}, "value": license_.number}]
    return qualification


def practitioner(provider: Provider, ctx: BuildContext) -> dict:
    """A plannet-Practitioner: NPI and the listing's page as identifiers, name, contacts, offices, licenses, languages."""
    name = {"use": "official", "text": provider.name, "family": provider.last_name}
    if provider.first_name:
        name["given"] = [provider.first_name]
    suffixes = [part.strip() for part in (provider.credentials or "").split(",") if part.strip()]
    if suffixes:
        name["suffix"] = suffixes
    identifiers = []
    if npi_is_valid(provider.npi):
        identifiers.append({"use": "official", "type": _concept(codes.NPI_TYPE, "NPI"), "system": codes.NPI_SYSTEM,
                            "value": provider.npi})
    identifiers.append({"use": "secondary", "system": codes.URI_SYSTEM, "value": ctx.listing_url(provider.id)})
    resource = {
        "resourceType": "Practitioner",
        "id": str(provider.id),
        "meta": _meta("Practitioner", provider),
        "identifier": identifiers,
        "active": True,
        "name": [name],
    }
    telecom = _telecom(provider)
    if telecom:
        resource["telecom"] = telecom
    addresses = _distinct_addresses(provider.offices)
    if addresses:
        resource["address"] = addresses
    qualifications = [_license(provider, lic, ctx.names) for lic in provider.licenses]
    if qualifications:
        resource["qualification"] = qualifications
    if provider.languages:
        resource["communication"] = [
            _concept({"system": codes.BCP47_SYSTEM, "code": language.slug, "display": language.name})
            for language in provider.languages
        ]
    return resource


def practitioner_role(provider: Provider, ctx: BuildContext) -> dict:
    """A plannet-PractitionerRole: the clinician at their practice and offices, specialty, hours, new patients."""
    extensions = _newpatients(provider, ctx.rules)
    networks = carriers(provider)
    # The profile allows one network-reference (0..1); several carriers' networks are told by the practice's
    # OrganizationAffiliations instead.
    if len(networks) == 1:
        extensions.append({"url": codes.NETWORK_REFERENCE,
                           "valueReference": _ref("Organization", organization_id(NETWORK, networks[0].slug),
                                                  _network_name(networks[0]))})
    resource = {"resourceType": "PractitionerRole", "id": str(provider.id), "meta": _meta("PractitionerRole", provider)}
    if extensions:
        resource["extension"] = extensions
    resource.update(
        active=True,
        practitioner=_ref("Practitioner", provider.id, provider.name),
        organization=_ref("Organization", organization_id(PRACTICE, provider.id), _practice_name(provider)),
    )
    role = codes.PROVIDER_ROLE.get(provider.provider_type.slug)
    if role:
        resource["code"] = [_concept({"system": codes.PROVIDER_ROLE_SYSTEM, "code": role[0], "display": role[1]})]
    specialty = _specialty(provider, ctx.names)
    if specialty:
        resource["specialty"] = [specialty]
    _contacts_and_offices(resource, provider, website=True)
    resource["healthcareService"] = [_ref("HealthcareService", provider.id)]
    hours = _weekly_windows(provider.offices, "availableStartTime", "availableEndTime")
    if hours:
        resource["availableTime"] = hours
    if not _link_endpoint(resource, provider) and "telecom" not in resource:
        # US Core's pd-1 asks a role for a contact point or an endpoint; this clinician has neither on record.
        resource["telecom"] = [_unknown_contact()]
    return resource


def _service_kind(provider: Provider) -> str:
    return "Psychiatry (medication management)" if offers_psychiatry(provider) else "Psychotherapy"


def healthcare_service(provider: Provider, ctx: BuildContext) -> dict:
    """A plannet-HealthcareService: what the clinician offers, in person and/or by telehealth, where and how to ask."""
    extensions = _newpatients(provider, ctx.rules)
    for offered, method in ((provider.in_person, codes.IN_PERSON), (provider.telehealth, codes.VIRTUAL)):
        if offered:
            extensions.append({"url": codes.DELIVERY_METHOD,
                               "extension": [{"url": "type", "valueCodeableConcept": _concept(method)}]})
    resource = {"resourceType": "HealthcareService", "id": str(provider.id), "meta": _meta("HealthcareService", provider)}
    if extensions:
        resource["extension"] = extensions
    kind = _service_kind(provider)
    types = [{"text": kind}]
    for code, display in dict.fromkeys(
        codes.SERVICE_TYPE_OF_MODALITY[m.slug] for m in provider.modalities if m.slug in codes.SERVICE_TYPE_OF_MODALITY
    ):
        types.append(_concept({"system": codes.SERVICE_TYPE_SYSTEM, "code": code, "display": display}))
    resource.update(
        active=True,
        providedBy=_ref("Organization", organization_id(PRACTICE, provider.id), _practice_name(provider)),
        category=[_concept(codes.BEHAVIORAL_HEALTH)],
        type=types,
    )
    specialty = _specialty(provider, ctx.names)
    if specialty:
        resource["specialty"] = [specialty]
    resource["name"] = f"{kind} with {provider.name}"
    if provider.statement:
        resource["comment"] = provider.statement
    _contacts_and_offices(resource, provider, website=True)
    hours = _weekly_windows(provider.offices, "availableStartTime", "availableEndTime")
    if hours:
        resource["availableTime"] = hours
    _link_endpoint(resource, provider)
    return resource


def endpoint(provider: Provider, ctx: BuildContext) -> dict:
    """A plannet-Endpoint: the listing's contact page on this site, where people ask the clinician for an appointment."""
    return {
        "resourceType": "Endpoint",
        "id": str(provider.id),
        "meta": _meta("Endpoint", provider),
        "status": "active",
        "connectionType": codes.WEB_PAGE,
        "name": f"Contact page of {provider.name}",
        "managingOrganization": _ref("Organization", organization_id(PRACTICE, provider.id), _practice_name(provider)),
        "payloadType": [_concept(codes.NOT_APPLICABLE_PAYLOAD)],
        "payloadMimeType": ["text/html"],
        "address": ctx.contact_url(provider.id),
    }


def _office_label(office: Office) -> str:
    return f"{office.provider.name}, {office.city} office"


def location(office: Office, ctx: BuildContext) -> dict:
    """A plannet-Location: an office's address, position, hours, telephone, and whether its clinician takes new patients."""
    provider = office.provider
    resource = {"resourceType": "Location", "id": str(office.id), "meta": _meta("Location", provider)}
    extensions = _newpatients(provider, ctx.rules)
    if extensions:
        resource["extension"] = extensions
    resource.update(
        status="active",
        name=_office_label(office),
        type=[_concept(codes.PROVIDERS_OFFICE)],
    )
    telecom = _telecom(provider, website=False)
    if telecom:
        resource["telecom"] = telecom
    resource["address"] = _address(office)
    if office.lat is not None and office.lng is not None:
        resource["position"] = {"latitude": office.lat, "longitude": office.lng}
    resource["managingOrganization"] = _ref("Organization", organization_id(PRACTICE, provider.id), _practice_name(provider))
    hours = _weekly_windows([office], "openingTime", "closingTime")
    if hours:
        resource["hoursOfOperation"] = hours
    _link_endpoint(resource, provider)
    return resource


# --- organizations ------------------------------------------------------------------------------------------

def practice_organization(provider: Provider, ctx: BuildContext) -> dict:
    """A plannet-Organization: the clinician's practice, at their offices."""
    resource = {
        "resourceType": "Organization",
        "id": organization_id(PRACTICE, provider.id),
        "meta": _meta("Organization", provider),
        "active": True,
        "type": [_concept(codes.PROVIDER_GROUP)],
        "name": _practice_name(provider),
    }
    telecom = _telecom(provider)
    if telecom:
        resource["telecom"] = telecom
    resource["address"] = _distinct_addresses(provider.offices) or [_unknown()]
    _link_endpoint(resource, provider)
    return resource


def payer_organization(plan: InsurancePlan, ctx: BuildContext) -> dict:
    """A plannet-Organization: an insurance carrier listings take, known by name only."""
    return {
        "resourceType": "Organization",
        "id": organization_id(PAYER, plan.slug),
        "meta": _meta("Organization"),
        "active": True,
        "type": [_concept(codes.PAYER)],
        "name": plan.name,
        "address": [_unknown()],
    }


def network_organization(plan: InsurancePlan, ctx: BuildContext) -> dict:
    """A plannet-Network: the carrier's provider network, managed by the carrier."""
    return {
        "resourceType": "Organization",
        "id": organization_id(NETWORK, plan.slug),
        "meta": _meta("Network"),
        "active": True,
        "type": [_concept(codes.NETWORK)],
        "name": _network_name(plan),
        "partOf": _ref("Organization", organization_id(PAYER, plan.slug), plan.name),
    }


def organization_affiliation(provider: Provider, plan: InsurancePlan, ctx: BuildContext) -> dict:
    """A plannet-OrganizationAffiliation: the clinician's practice takes part in a carrier's network."""
    resource = {
        "resourceType": "OrganizationAffiliation",
        "id": affiliation_id(provider.id, plan.slug),
        "meta": _meta("OrganizationAffiliation", provider),
        "active": True,
        "organization": _ref("Organization", organization_id(PAYER, plan.slug), plan.name),
        "participatingOrganization": _ref("Organization", organization_id(PRACTICE, provider.id), _practice_name(provider)),
        "network": [_ref("Organization", organization_id(NETWORK, plan.slug), _network_name(plan))],
        "code": [_concept(codes.OUTPATIENT_BEHAVIORAL)],
    }
    specialty = _specialty(provider, ctx.names)
    if specialty:
        resource["specialty"] = [specialty]
    _contacts_and_offices(resource, provider, website=False)
    resource["healthcareService"] = [_ref("HealthcareService", provider.id)]
    _link_endpoint(resource, provider)
    return resource

