"""Providers and offices as FHIR R4 resources shaped after the Da Vinci PDex Plan-Net profiles."""
from __future__ import annotations

from datetime import datetime

from ..models import Office, Provider
from ..services.availability import availability_of
from ..services.interop import specialty_code
from ..services.search import AvailabilityRules

FHIR_VERSION = "4.0.1"
PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
PROFILE = {
    "Practitioner": f"{PLAN_NET}/StructureDefinition/plannet-Practitioner",
    "PractitionerRole": f"{PLAN_NET}/StructureDefinition/plannet-PractitionerRole",
    "Location": f"{PLAN_NET}/StructureDefinition/plannet-Location",
}
NEWPATIENTS_URL = f"{PLAN_NET}/StructureDefinition/newpatients"
QUALIFICATION_URL = f"{PLAN_NET}/StructureDefinition/practitioner-qualification"
ACCEPTING_SYSTEM = f"{PLAN_NET}/CodeSystem/AcceptingPatientsCS"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
USPS_SYSTEM = "https://www.usps.com/"


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _meta(resource_type: str, updated: datetime | None) -> dict:
    meta = {"profile": [PROFILE[resource_type]]}
    if updated:
        meta["lastUpdated"] = _instant(updated)
    return meta


def _phone(provider: Provider) -> list[dict]:
    return [{"system": "phone", "value": provider.phone, "use": "work"}] if provider.phone else []


def _specialty(provider: Provider, names: dict[str, str]) -> dict | None:
    code = specialty_code(provider)
    if not code:
        return None
    display = names.get(code) or provider.provider_type.name
    return {"coding": [{"system": NUCC_SYSTEM, "code": code, "display": display}], "text": display}


def _license(provider: Provider, license_, names: dict[str, str]) -> dict:
    specialty = _specialty(provider, names) or {"text": provider.provider_type.name}
    qualification = {
        "extension": [{
            "url": QUALIFICATION_URL,
            "extension": [
                {"url": "status", "valueCode": "active"},
                {"url": "whereValid", "valueCodeableConcept": {"coding": [{"system": USPS_SYSTEM, "code": license_.state}]}},
            ],
        }],
        "code": {**specialty, "text": f"{provider.provider_type.name} license, {license_.state}"},
        "issuer": {"display": f"{license_.state} state licensing board"},
    }
    if license_.number:
        qualification["identifier"] = [{"type": {"text": "State license number"}, "value": license_.number}]
    return qualification


def practitioner(provider: Provider, names: dict[str, str]) -> dict:
    """A Practitioner: name, NPI, phone, and one qualification per state license."""
    name = {"use": "official", "text": provider.name, "family": provider.last_name}
    if provider.first_name:
        name["given"] = [provider.first_name]
    suffixes = [part.strip() for part in (provider.credentials or "").split(",") if part.strip()]
    if suffixes:
        name["suffix"] = suffixes
    resource = {
        "resourceType": "Practitioner",
        "id": str(provider.id),
        "meta": _meta("Practitioner", provider.updated_at),
        "active": True,
        "name": [name],
    }
    if provider.npi:
        resource["identifier"] = [{"use": "official", "system": NPI_SYSTEM, "value": provider.npi}]
    if provider.phone:
        resource["telecom"] = _phone(provider)
    qualifications = [_license(provider, lic, names) for lic in provider.licenses]
    if qualifications:
        resource["qualification"] = qualifications
    return resource


def _newpatients(accepting: bool) -> dict:
    code, display = ("newpt", "Accepting") if accepting else ("nopt", "Not Accepting")
    return {
        "url": NEWPATIENTS_URL,
        "extension": [{
            "url": "acceptingPatients",
            "valueCodeableConcept": {"coding": [{"system": ACCEPTING_SYSTEM, "code": code, "display": display}]},
        }],
    }


def office_label(office: Office) -> str:
    """How an office is named: the clinician's office in a city."""
    return f"{office.provider.name}, {office.city} office" if office.provider else f"Office in {office.city}"


def practitioner_role(provider: Provider, names: dict[str, str], rules: AvailabilityRules) -> dict:
    """A PractitionerRole: the practitioner at their offices, NUCC specialty, accepting new patients."""
    resource = {
        "resourceType": "PractitionerRole",
        "id": str(provider.id),
        "meta": _meta("PractitionerRole", provider.updated_at),
        "extension": [_newpatients(availability_of(provider, rules).accepting)],
        "active": True,
        "practitioner": {"reference": f"Practitioner/{provider.id}", "display": provider.name},
    }
    if provider.offices:
        resource["location"] = [
            {"reference": f"Location/{office.id}", "display": f"{office.city}, {office.state}"} for office in provider.offices
        ]
    specialty = _specialty(provider, names)
    if specialty:
        resource["specialty"] = [specialty]
    if provider.phone:
        resource["telecom"] = _phone(provider)
    return resource


def location(office: Office) -> dict:
    """A Location: an office's address and position."""
    address = {"use": "work", "type": "physical", "text": office.one_line}
    lines = [line for line in (office.address1, office.address2) if line]
    if lines:
        address["line"] = lines
    address.update(city=office.city, state=office.state, postalCode=office.zip, country="US")
    resource = {
        "resourceType": "Location",
        "id": str(office.id),
        "meta": _meta("Location", office.provider.updated_at if office.provider else None),
        "status": "active",
        "name": office_label(office),
        "mode": "instance",
        "address": address,
    }
    if office.provider and office.provider.phone:
        resource["telecom"] = _phone(office.provider)
    if office.lat is not None and office.lng is not None:
        resource["position"] = {"latitude": office.lat, "longitude": office.lng}
    return resource
