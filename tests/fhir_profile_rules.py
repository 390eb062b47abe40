"""The Da Vinci PDex Plan-Net 1.2.0 profiles the directory claims, as data, and a checker for any resource.

Each profile is a table of element rules (path -> cardinality, fixed value, required binding, reference
targets), a list of invariants and a must-support list. The rules are transcribed from the guide's FHIR
Shorthand source (tests/data/plannet-1.2.0-fsh/, cited as file:line) and from the US Core 7.0.0 profiles the
guide builds on (tests/data/us-core-7.0.0/, cited by element id); tests/test_fhir_profiles.py checks the
tables against those files. Required bindings name a value set of the guide, read from its ValueSets.fsh and
CodeSystems.fsh, or one of the FHIR R4 value sets in CORE_VALUE_SETS.

Paths are dotted element names relative to the resource. `extension[name]` selects extensions by url (a
name of EXTENSIONS, or a sub-extension's literal url); `value[x]` selects any value element. Cardinality is
checked on every instance of the parent path, as in FHIR.

`profile_problems(resource)` picks the profile from meta.profile and returns every violation (empty when the
resource conforms); `unfilled_must_support(resource)` lists must-support paths the resource leaves empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
FSH = DATA / "plannet-1.2.0-fsh"
US_CORE = DATA / "us-core-7.0.0"

PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
SD = f"{PLAN_NET}/StructureDefinition"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"

EXTENSIONS = {
    "newpatients": f"{SD}/newpatients",
    "deliverymethod": f"{SD}/delivery-method",
    "network-reference": f"{SD}/network-reference",
    "practitioner-qualification": f"{SD}/practitioner-qualification",
    "communication-proficiency": f"{SD}/communication-proficiency",
    "qualification": f"{SD}/qualification",
    "accessibility": f"{SD}/accessibility",
    "region": "http://hl7.org/fhir/StructureDefinition/location-boundary-geojson",
    "endpoint-usecase": f"{SD}/endpoint-usecase",
    "location-reference": f"{SD}/location-reference",
    "org-description": f"{SD}/org-description",
    "org-period": f"{SD}/org-period",
    "geolocation": "http://hl7.org/fhir/StructureDefinition/geolocation",
}

# FHIR R4 (4.0.1) required bindings of the datatypes and elements the profiles use
# (hl7.org/fhir/R4/datatypes.html, location.html, endpoint.html).
CORE_VALUE_SETS = {
    "ContactPointSystem": ("http://hl7.org/fhir/contact-point-system", {"phone", "fax", "email", "pager", "url", "sms", "other"}),
    "ContactPointUse": ("http://hl7.org/fhir/contact-point-use", {"home", "work", "temp", "old", "mobile"}),
    "AddressUse": ("http://hl7.org/fhir/address-use", {"home", "work", "temp", "old", "billing"}),
    "AddressType": ("http://hl7.org/fhir/address-type", {"postal", "physical", "both"}),
    "IdentifierUse": ("http://hl7.org/fhir/identifier-use", {"usual", "official", "temp", "secondary", "old"}),
    "NameUse": ("http://hl7.org/fhir/name-use", {"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"}),
    "DaysOfWeek": ("http://hl7.org/fhir/days-of-week", {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
    "EndpointStatus": ("http://hl7.org/fhir/endpoint-status", {"active", "suspended", "error", "off", "entered-in-error", "test"}),
    "LocationStatus": ("http://hl7.org/fhir/location-status", {"active", "suspended", "inactive"}),
    "DataAbsentReason": ("http://terminology.hl7.org/CodeSystem/data-absent-reason", {
        "unknown", "asked-unknown", "temp-unknown", "not-asked", "asked-declined", "masked", "not-applicable",
        "unsupported", "as-text", "error", "not-a-number", "negative-infinity", "positive-infinity",
        "not-performed", "not-permitted"}),
    # US Core 7.0.0 ValueSet-us-core-usps-state: compose.include = the whole system https://www.usps.com/.
    "USPSState": ("https://www.usps.com/", None),
}


@dataclass(frozen=True)
class Rule:
    """What one element must satisfy; `source` says where the rule is written."""

    min: int = 0
    max: int | None = None  # None: unbounded
    fixed: object = None
    binding: str | None = None  # required binding: a Plan-Net value set name or a CORE_VALUE_SETS key
    targets: tuple[str, ...] = ()  # resource types a Reference may point to
    source: str = ""


@dataclass(frozen=True)
class Profile:
    """A profile: its resource type, element rules, invariants and must-support elements."""

    url: str
    resource_type: str
    rules: dict[str, Rule]
    invariants: tuple[str, ...] = ()
    must_support: tuple[str, ...] = ()
    # Slices of one value set on a repeating element: (path, value set, max members).
    value_slices: tuple[tuple[str, str, int], ...] = field(default=())


def _r(cardinality: str = "", source: str = "", **kw) -> Rule:
    if cardinality:
        low, high = cardinality.split("..")
        kw.update(min=int(low), max=None if high == "*" else int(high))
    return Rule(source=source, **kw)


# --- element rules shared by several profiles ------------------------------------------------------------

def _contact_points(path: str) -> dict[str, Rule]:
    return {
        f"{path}.system": _r(binding="ContactPointSystem", source="R4 ContactPoint.system"),
        f"{path}.use": _r(binding="ContactPointUse", source="R4 ContactPoint.use"),
    }


def _addresses(path: str, us_core: str | None = None) -> dict[str, Rule]:
    rules = {
        f"{path}.use": _r(binding="AddressUse", source="R4 Address.use"),
        f"{path}.type": _r(binding="AddressType", source="R4 Address.type"),
        f"{path}.city": _r("0..1", "R4 Address.city"),
        f"{path}.state": _r("0..1", "R4 Address.state"),
        f"{path}.postalCode": _r("0..1", "R4 Address.postalCode"),
        f"{path}.country": _r("0..1", "R4 Address.country"),
    }
    if us_core:
        rules[f"{path}.line"] = _r("0..4", f"US Core 7.0.0 {us_core}.address.line")
    return rules


def _identifiers() -> dict[str, Rule]:
    return {"identifier.use": _r(binding="IdentifierUse", source="R4 Identifier.use")}


def _absent_reasons(paths: tuple[str, ...]) -> dict[str, Rule]:
    return {
        f"{path}.extension[http://hl7.org/fhir/StructureDefinition/data-absent-reason].valueCode":
            _r("1..1", "R4 extension data-absent-reason", binding="DataAbsentReason")
        for path in paths
    }


def _newpatients() -> dict[str, Rule]:
    ext = "extension[newpatients]"
    return {
        ext: _r("0..*", "PlanNet.fsh:109/219/488 (NewPatients named newpatients 0..*)"),
        f"{ext}.value[x]": _r("0..0", "Extensions.fsh:112"),
        f"{ext}.extension[acceptingPatients]": _r("1..1", "Extensions.fsh:114"),
        f"{ext}.extension[acceptingPatients].valueCodeableConcept":
            _r("1..1", "Extensions.fsh:117-120", binding="AcceptingPatientsVS"),
        f"{ext}.extension[fromNetwork]": _r("0..1", "Extensions.fsh:115"),
        f"{ext}.extension[fromNetwork].valueReference": _r("1..1", "Extensions.fsh:121-122", targets=("Organization",)),
        f"{ext}.extension[characteristics].valueString": _r("1..1", "Extensions.fsh:124-125"),
    }


def _reference(path: str, cardinality: str, source: str, *targets: str) -> dict[str, Rule]:
    return {path: _r(cardinality, source, targets=targets)}


# --- the profiles -----------------------------------------------------------------------------------------

PRACTITIONER = Profile(
    url=f"{SD}/plannet-Practitioner",
    resource_type="Practitioner",
    rules={
        "identifier": _r("1..*", "US Core 7.0.0 Practitioner.identifier"),
        "identifier.system": _r("1..1", "US Core 7.0.0 Practitioner.identifier.system"),
        "identifier.value": _r("1..1", "US Core 7.0.0 Practitioner.identifier.value"),
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:443-444", fixed=True),
        "name": _r("1..*", "US Core 7.0.0 Practitioner.name"),
        "name.family": _r("1..1", "US Core 7.0.0 Practitioner.name.family"),
        "name.use": _r(binding="NameUse", source="R4 HumanName.use"),
        **_contact_points("telecom"),
        **_addresses("address", "Practitioner"),
        "address.extension[geolocation]": _r("0..1", "PlanNet.fsh:449"),
        "qualification.code": _r("1..1", "PlanNet.fsh:460"),
        "qualification.extension[practitioner-qualification]": _r("0..1", "PlanNet.fsh:457-458"),
        "qualification.extension[practitioner-qualification].value[x]": _r("0..0", "Extensions.fsh:161"),
        "qualification.extension[practitioner-qualification].extension[status]": _r("1..1", "Extensions.fsh:163"),
        "qualification.extension[practitioner-qualification].extension[status].valueCode":
            _r("1..1", "Extensions.fsh:166-169", fixed="active"),
        "qualification.extension[practitioner-qualification].extension[whereValid].value[x]":
            _r("1..1", "Extensions.fsh:171,173"),
        "qualification.extension[practitioner-qualification].extension[whereValid].valueCodeableConcept":
            _r(binding="USPSState", source="Extensions.fsh:172"),
        "communication.extension[communication-proficiency]": _r("0..1", "PlanNet.fsh:465-466"),
        "communication.extension[communication-proficiency].valueCodeableConcept":
            _r("1..1", "Extensions.fsh:18-20", binding="LanguageProficiencyVS"),
    },
    invariants=("us-core-16", "us-core-17"),
    must_support=(
        "identifier", "identifier.system", "identifier.value", "identifier.type", "active", "name", "name.text",
        "name.family", "name.given", "telecom", "telecom.system", "telecom.value", "address", "address.line",
        "address.city", "address.state", "address.postalCode", "address.country", "qualification",
        "qualification.extension[practitioner-qualification]", "qualification.identifier", "qualification.code",
        "qualification.issuer", "qualification.period", "communication",
        "communication.extension[communication-proficiency]", "address.extension[geolocation]",
    ),
)

PRACTITIONER_ROLE = Profile(
    url=f"{SD}/plannet-PractitionerRole",
    resource_type="PractitionerRole",
    rules={
        **_newpatients(),
        "extension[network-reference]": _r("0..1", "PlanNet.fsh:489"),
        "extension[network-reference].valueReference": _r("1..1", "Extensions.fsh:95-96", targets=("Organization",)),
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:497-498", fixed=True),
        **_reference("practitioner", "0..1", "PlanNet.fsh:500,502", "Practitioner"),
        **_reference("organization", "0..1", "PlanNet.fsh:501,503", "Organization"),
        "code": _r(binding="PractitionerRoleVS", source="PlanNet.fsh:505 (no strength given: required)"),
        "specialty": _r(binding="IndividualAndGroupSpecialtiesVS", source="PlanNet.fsh:507"),
        **_reference("location", "0..*", "PlanNet.fsh:508", "Location"),
        **_reference("healthcareService", "0..*", "PlanNet.fsh:510", "HealthcareService"),
        "telecom.system": _r("1..1", "PlanNet.fsh:517", binding="ContactPointSystem"),
        "telecom.value": _r("1..1", "PlanNet.fsh:518"),
        "telecom.use": _r(binding="ContactPointUse", source="R4 ContactPoint.use"),
        "availableTime.daysOfWeek": _r(binding="DaysOfWeek", source="R4 PractitionerRole.availableTime.daysOfWeek"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:528-529", "Endpoint"),
    },
    invariants=("pd-1", "practitioner-or-organization-or-healthcareservice-or-location"),
    must_support=(
        "extension[newpatients]", "extension[network-reference]", "extension[qualification]", "identifier.type",
        "identifier.value", "active", "period", "practitioner", "organization", "code", "specialty", "location",
        "healthcareService", "telecom", "telecom.system", "telecom.value", "telecom.rank", "availableTime",
        "availableTime.daysOfWeek", "availableTime.allDay", "availableTime.availableStartTime",
        "availableTime.availableEndTime", "notAvailable", "notAvailable.description", "notAvailable.during", "endpoint",
    ),
)

HEALTHCARE_SERVICE = Profile(
    url=f"{SD}/plannet-HealthcareService",
    resource_type="HealthcareService",
    rules={
        **_newpatients(),
        "extension[deliverymethod]": _r("0..*", "PlanNet.fsh:110"),
        "extension[deliverymethod].value[x]": _r("0..0", "Extensions.fsh:46"),
        "extension[deliverymethod].extension[type]": _r("1..1", "Extensions.fsh:48"),
        "extension[deliverymethod].extension[type].valueCodeableConcept":
            _r("1..1", "Extensions.fsh:50-53", binding="DeliveryMethodVS"),
        "extension[deliverymethod].extension[virtualModalities].valueCodeableConcept": _r("1..1", "Extensions.fsh:54-56"),
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:115-116", fixed=True),
        **_reference("providedBy", "0..1", "PlanNet.fsh:117-118", "Organization"),
        "category": _r("1..*", "PlanNet.fsh:124"),
        "specialty": _r(binding="SpecialtiesVS", source="PlanNet.fsh:131"),
        **_reference("location", "0..*", "PlanNet.fsh:132", "Location"),
        **_reference("coverageArea", "0..*", "PlanNet.fsh:143", "Location"),
        **_contact_points("telecom"),
        "availableTime.daysOfWeek": _r(binding="DaysOfWeek", source="R4 HealthcareService.availableTime.daysOfWeek"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:160", "Endpoint"),
    },
    value_slices=(("category", "HealthcareServiceCategoryVS", 1),),  # PlanNet.fsh:119-127, plan-net-category 0..1
    must_support=(
        "extension[newpatients]", "extension[deliverymethod]", "identifier.type", "identifier.value", "active",
        "providedBy", "category", "type", "specialty", "location", "name", "comment", "telecom", "telecom.system",
        "telecom.value", "coverageArea", "appointmentRequired", "availableTime", "availableTime.daysOfWeek",
        "availableTime.allDay", "availableTime.availableStartTime", "availableTime.availableEndTime", "notAvailable",
        "notAvailable.description", "notAvailable.during", "availabilityExceptions", "endpoint",
    ),
)

ENDPOINT = Profile(
    url=f"{SD}/plannet-Endpoint",
    resource_type="Endpoint",
    rules={
        "status": _r("1..1", "PlanNet.fsh:12-13", fixed="active", binding="EndpointStatus"),
        "connectionType": _r("1..1", "R4 Endpoint.connectionType"),
        **_reference("managingOrganization", "0..1", "PlanNet.fsh:19-20", "Organization"),
        **_contact_points("contact"),
        "payloadType": _r("1..1", "PlanNet.fsh:24"),
        "address": _r("1..1", "R4 Endpoint.address"),
        "extension[endpoint-usecase].extension[type]": _r("1..1", "Extensions.fsh:68"),
        "extension[endpoint-usecase].extension[standard]": _r("0..1", "Extensions.fsh:69"),
    },
    must_support=("extension[endpoint-usecase]", "status", "connectionType", "name", "managingOrganization", "contact",
                  "contact.value", "contact.system", "payloadType", "payloadMimeType", "address"),
)

LOCATION = Profile(
    url=f"{SD}/plannet-Location",
    resource_type="Location",
    rules={
        **_newpatients(),
        "extension[region]": _r("0..1", "PlanNet.fsh:221"),
        "extension[accessibility].valueCodeableConcept": _r("1..1", "Extensions.fsh:7-9"),
        **_identifiers(),
        "status": _r("1..1", "PlanNet.fsh:227-228", fixed="active", binding="LocationStatus"),
        "name": _r("1..1", "US Core 7.0.0 Location.name"),
        "mode": _r("0..0", "PlanNet.fsh:231"),
        **_contact_points("telecom"),
        **_addresses("address"),
        **_reference("managingOrganization", "0..1", "PlanNet.fsh:241-242", "Organization"),
        **_reference("partOf", "0..1", "PlanNet.fsh:243-244", "Location"),
        "hoursOfOperation.daysOfWeek": _r(binding="DaysOfWeek", source="R4 Location.hoursOfOperation.daysOfWeek"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:251-252", "Endpoint"),
    },
    must_support=(
        "extension[newpatients]", "extension[accessibility]", "extension[region]", "identifier", "identifier.type",
        "identifier.value", "status", "name", "alias", "description", "type", "telecom", "telecom.system",
        "telecom.value", "address", "address.line", "address.city", "address.state", "address.postalCode",
        "position", "managingOrganization", "partOf", "hoursOfOperation", "hoursOfOperation.daysOfWeek",
        "hoursOfOperation.allDay", "hoursOfOperation.openingTime", "hoursOfOperation.closingTime",
        "availabilityExceptions", "endpoint",
    ),
)

ORGANIZATION = Profile(
    url=f"{SD}/plannet-Organization",
    resource_type="Organization",
    rules={
        "extension[org-description]": _r("0..1", "PlanNet.fsh:330"),
        "extension[org-period]": _r("0..1", "PlanNet.fsh:331"),
        "identifier.system": _r("0..1", "US Core 7.0.0 Organization.identifier.system"),
        "identifier.value": _r("0..1", "US Core 7.0.0 Organization.identifier.value"),
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:337-338; US Core 7.0.0 Organization.active", fixed=True),
        "type": _r("1..*", "PlanNet.fsh:368"),
        "name": _r("1..1", "US Core 7.0.0 Organization.name"),
        **_contact_points("telecom"),
        "address": _r("1..*", "PlanNet.fsh:342"),
        "address.extension[geolocation]": _r("0..1", "PlanNet.fsh:343"),
        **_addresses("address", "Organization"),
        **_absent_reasons(("address",)),
        **_reference("partOf", "0..1", "PlanNet.fsh:340-341", "Organization"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:370", "Endpoint"),
    },
    invariants=("us-core-16", "us-core-17"),
    must_support=(
        "extension[qualification]", "extension[org-description]", "extension[org-period]", "identifier",
        "identifier.type", "identifier.system", "identifier.value", "active", "name", "partOf", "address",
        "address.type", "address.text", "address.line", "address.city", "address.state", "address.postalCode",
        "address.country", "contact", "contact.telecom", "telecom", "telecom.system", "telecom.value", "type",
        "endpoint",
    ),
)

NETWORK = Profile(
    url=f"{SD}/plannet-Network",
    resource_type="Organization",
    rules={
        "extension[location-reference].valueReference": _r("1..1", "Extensions.fsh:85-86", targets=("Location",)),
        "identifier.system": _r("0..1", "US Core 7.0.0 Organization.identifier.system"),
        "identifier.value": _r("0..1", "US Core 7.0.0 Organization.identifier.value"),
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:286-287", fixed=True),
        "type": _r("1..1", "PlanNet.fsh:288-289", binding="NetworkTypeVS"),
        "name": _r("1..1", "US Core 7.0.0 Organization.name"),
        "telecom": _r("0..0", "PlanNet.fsh:291"),
        "address": _r("0..*", "PlanNet.fsh:292"),
        **_addresses("address", "Organization"),
        **_reference("partOf", "1..1", "PlanNet.fsh:293-294", "Organization"),
        **_contact_points("contact.telecom"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:305", "Endpoint"),
    },
    invariants=("us-core-16", "us-core-17"),
    must_support=("extension[location-reference]", "identifier.type", "identifier.value", "active", "type", "name",
                  "address", "partOf", "contact", "contact.name", "contact.telecom", "endpoint"),
)

ORGANIZATION_AFFILIATION = Profile(
    url=f"{SD}/plannet-OrganizationAffiliation",
    resource_type="OrganizationAffiliation",
    rules={
        **_identifiers(),
        "active": _r("1..1", "PlanNet.fsh:395-396", fixed=True),
        **_reference("organization", "0..1", "PlanNet.fsh:398-399", "Organization"),
        **_reference("participatingOrganization", "0..1", "PlanNet.fsh:400-401", "Organization"),
        **_reference("network", "0..*", "PlanNet.fsh:402-403", "Organization"),
        "specialty": _r(binding="SpecialtiesVS", source="PlanNet.fsh:407"),
        **_reference("location", "0..*", "PlanNet.fsh:408-409", "Location"),
        **_reference("healthcareService", "0..*", "PlanNet.fsh:410-411", "HealthcareService"),
        **_contact_points("telecom"),
        **_reference("endpoint", "0..*", "PlanNet.fsh:416-417", "Endpoint"),
    },
    invariants=("organization-or-participatingOrganization",),
    must_support=("identifier.type", "identifier.value", "active", "period", "organization", "participatingOrganization",
                  "network", "code", "specialty", "location", "healthcareService", "telecom", "telecom.system",
                  "telecom.value", "telecom.rank", "endpoint"),
)

PROFILES = {p.url: p for p in (PRACTITIONER, PRACTITIONER_ROLE, HEALTHCARE_SERVICE, ENDPOINT, LOCATION, ORGANIZATION,
                               NETWORK, ORGANIZATION_AFFILIATION)}


# --- invariants --------------------------------------------------------------------------------------------

def _npi_check_digit_ok(value: str) -> bool:
    """us-core-17: Luhn over the NPI with the 80840 prefix, whose doubled-and-summed digits add 24."""
    digits = [int(d) for d in value]
    total = 24
    for index, digit in enumerate(digits):
        if index % 2 == 0 and index < 9:
            doubled = digit * 2
            total += doubled if doubled < 10 else doubled - 9
        else:
            total += digit
    return total % 10 == 0


def _npis(resource: dict) -> list[str]:
    return [i.get("value", "") for i in resource.get("identifier", []) if i.get("system") == NPI_SYSTEM]


INVARIANTS = {
    # US Core 7.0.0 identifier:NPI: value.matches('^[0-9]{10}$')
    "us-core-16": lambda r: all(re.fullmatch(r"[0-9]{10}", v) for v in _npis(r)),
    "us-core-17": lambda r: all(re.fullmatch(r"[0-9]{10}", v) is None or _npi_check_digit_ok(v) for v in _npis(r)),
    # US Core 7.0.0 PractitionerRole: telecom.exists() or endpoint.exists()
    "pd-1": lambda r: bool(r.get("telecom") or r.get("endpoint")),
    # PlanNet.fsh:532-535 (and US Core us-core-13)
    "practitioner-or-organization-or-healthcareservice-or-location": lambda r: bool(
        r.get("practitioner") or r.get("organization") or r.get("healthcareService") or r.get("location")),
    # PlanNet.fsh:538-541
    "organization-or-participatingOrganization": lambda r: bool(r.get("organization") or r.get("participatingOrganization")),
}


def _newpatients_characteristics_ok(extension: dict) -> bool:
    """Extensions.fsh:130-133 new-patients-characteristics, as its expression is written."""
    accepting = [e for e in extension.get("extension", []) if e.get("url") == "acceptingPatients"]
    codes = [c.get("code") for e in accepting for c in e.get("valueCodeableConcept", {}).get("coding", [])]
    has_characteristics = any(e.get("url") == "characteristics" for e in extension.get("extension", []))
    return not ("no" in codes and has_characteristics)


# --- value sets from the guide's source ------------------------------------------------------------------

@dataclass
class ValueSetContents:
    """The (system, code) pairs a value set holds; `systems` are included whole (codes not enumerated here)."""

    codes: set[tuple[str, str]] = field(default_factory=set)
    systems: set[str] = field(default_factory=set)
    excluded: set[tuple[str, str]] = field(default_factory=set)

    def holds(self, system: str | None, code: str | None) -> bool:
        """Whether the value set holds this code (any of its systems when system is None)."""
        if (system, code) in self.excluded:
            return False
        if system is None:
            return any(c == code for _, c in self.codes) or bool(self.systems)
        return (system, code) in self.codes or system in self.systems


def _strip_comment(line: str) -> str:
    return re.sub(r"\s//.*$", "", line).strip()


@cache
def _aliases() -> dict[str, str]:
    aliases = {}
    for line in (FSH / "Aliases.fsh").read_text().splitlines():
        match = re.match(r"^Alias:\s*(\$?[\w-]+)\s*=\s*(\S+)", line)
        if match:
            aliases[match.group(1)] = match.group(2)
    return aliases


@cache
def _code_systems() -> dict[str, set[str]]:
    """Plan-Net's own code systems: name -> codes (CodeSystems.fsh)."""
    systems: dict[str, set[str]] = {}
    current = None
    for raw in (FSH / "CodeSystems.fsh").read_text().splitlines():
        line = _strip_comment(raw)
        match = re.match(r"^CodeSystem:\s*(\w+)", line)
        if match:
            current = systems.setdefault(match.group(1), set())
        elif current is not None and line.startswith("* #"):
            current.add(line[3:].split()[0])
    return systems


def _system_url(name: str) -> str:
    if name in _code_systems():
        return f"{PLAN_NET}/CodeSystem/{name}"
    return _aliases().get(name, name)


@cache
def _value_set_sources() -> dict[str, list[str]]:
    sources: dict[str, list[str]] = {}
    current = None
    for raw in (FSH / "ValueSets.fsh").read_text().splitlines():
        line = _strip_comment(raw)
        match = re.match(r"^ValueSet:\s*(\w+)", line)
        if match:
            current = sources.setdefault(match.group(1), [])
        elif current is not None and line.startswith("* ") and not line.startswith("* ^"):
            current.append(line[2:])
    return sources


@cache
def value_set(name: str) -> ValueSetContents:
    """A value set by its Plan-Net name (ValueSets.fsh) or CORE_VALUE_SETS key."""
    if name in CORE_VALUE_SETS:
        system, members = CORE_VALUE_SETS[name]
        return ValueSetContents({(system, c) for c in members}) if members else ValueSetContents(systems={system})
    contents = ValueSetContents()
    for line in _value_set_sources()[name]:
        if line.startswith("codes from valueset "):
            inner = value_set(line.split()[3])
            contents.codes |= inner.codes
            contents.systems |= inner.systems
            contents.excluded |= inner.excluded
        elif line.startswith("codes from system "):
            system_name = line.split()[3]
            if system_name in _code_systems():
                contents.codes |= {(_system_url(system_name), c) for c in _code_systems()[system_name]}
            else:
                contents.systems.add(_system_url(system_name))
        elif line.startswith("exclude "):
            system_name, code = line.split()[1].split("#", 1)
            contents.excluded.add((_system_url(system_name), code))
        elif "#" in line:
            system_name, code = line.split()[0].split("#", 1)
            contents.codes.add((_system_url(system_name), code))
    return contents


# --- the checker -------------------------------------------------------------------------------------------

_STEP = re.compile(r"^([A-Za-z]+(?:\[x\])?)(?:\[([^\]]+)\])?$")


def _steps(path: str) -> list[tuple[str, str | None]]:
    # A dot inside brackets belongs to a url, not to the path.
    parts = re.findall(r"[^.\[]+(?:\[[^\]]*\])?", path)
    steps = []
    for part in parts:
        match = _STEP.match(part)
        if not match:
            raise ValueError(f"bad rule path {path!r}")
        name, selector = match.groups()
        steps.append((name, EXTENSIONS.get(selector, selector) if selector else None))
    return steps


def _children(node, name: str, url: str | None) -> list:
    if not isinstance(node, dict):
        return []
    if name == "value[x]":
        values = [v for k, v in node.items() if k.startswith("value") and k[5:6].isupper()]
    else:
        # A primitive known only by its extensions is written `_name` in JSON: the element is still there.
        value = node.get(name, node.get(f"_{name}"))
        values = value if isinstance(value, list) else [] if value is None else [value]
    if url is not None:
        values = [v for v in values if isinstance(v, dict) and v.get("url") == url]
    return values


def select(resource: dict, path: str) -> list:
    """Every instance of the element at `path`."""
    nodes = [resource]
    for name, url in _steps(path):
        nodes = [child for node in nodes for child in _children(node, name, url)]
    return nodes


def _parent_and_last(path: str) -> tuple[str, str]:
    steps = re.findall(r"[^.\[]+(?:\[[^\]]*\])?", path)
    return ".".join(steps[:-1]), steps[-1]


def _binding_problems(path: str, nodes: list, binding: str) -> list[str]:
    contents = value_set(binding)
    problems = []
    for node in nodes:
        if isinstance(node, dict) and set(node) <= {"id", "extension"}:
            continue  # no value, only extensions (a primitive whose value is absent): nothing to bind
        if isinstance(node, str):
            pairs = [(None, node)]
        elif isinstance(node, dict) and "coding" in node:
            pairs = [(c.get("system"), c.get("code")) for c in node["coding"]]
        elif isinstance(node, dict) and "code" in node:
            pairs = [(node.get("system"), node.get("code"))]
        else:
            pairs = []
        if not any(contents.holds(system, code) for system, code in pairs):
            problems.append(f"{path}: {node!r} is not in the required value set {binding}")
    return problems


def _reference_problems(path: str, nodes: list, targets: tuple[str, ...]) -> list[str]:
    problems = []
    for node in nodes:
        literal = node.get("reference") if isinstance(node, dict) else None
        if literal is None:
            continue
        match = re.fullmatch(r"([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}", literal)
        if not match:
            problems.append(f"{path}: reference {literal!r} is not a relative literal reference")
        elif match.group(1) not in targets:
            problems.append(f"{path}: reference {literal!r} must point to {' or '.join(targets)}")
    return problems


def _rule_problems(resource: dict, path: str, rule: Rule) -> list[str]:
    problems = []
    parent_path, last = _parent_and_last(path)
    parents = select(resource, parent_path) if parent_path else [resource]
    for parent in parents:
        count = len(select(parent, last))
        if count < rule.min:
            problems.append(f"{path}: {count} present, at least {rule.min} required ({rule.source})")
        if rule.max is not None and count > rule.max:
            problems.append(f"{path}: {count} present, at most {rule.max} allowed ({rule.source})")
    nodes = select(resource, path)
    if rule.fixed is not None:
        problems += [f"{path}: {n!r} is not the fixed value {rule.fixed!r} ({rule.source})" for n in nodes if n != rule.fixed]
    if rule.binding:
        problems += _binding_problems(path, nodes, rule.binding)
    if rule.targets:
        problems += _reference_problems(path, nodes, rule.targets)
    return problems


def profile_of(resource: dict) -> Profile | None:
    """The Plan-Net profile the resource claims in meta.profile, if it claims exactly one we know."""
    claimed = [PROFILES[url] for url in (resource.get("meta") or {}).get("profile", []) if url in PROFILES]
    return claimed[0] if len(claimed) == 1 else None


def profile_problems(resource: dict) -> list[str]:
    """Every way the resource breaks the Plan-Net profile it claims (empty when it conforms)."""
    if not isinstance(resource, dict):
        return ["not a JSON object"]
    profile = profile_of(resource)
    if profile is None:
        return [f"meta.profile {((resource.get('meta') or {}).get('profile'))!r} names no single Plan-Net profile"]
    problems = []
    if resource.get("resourceType") != profile.resource_type:
        problems.append(f"resourceType {resource.get('resourceType')!r} is not {profile.resource_type} ({profile.url})")
    if not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", str(resource.get("id", ""))):
        problems.append(f"id {resource.get('id')!r} is not a FHIR id")
    for path, rule in profile.rules.items():
        problems += _rule_problems(resource, path, rule)
    for name in profile.invariants:
        if not INVARIANTS[name](resource):
            problems.append(f"invariant {name} fails")
    for path, binding, most in profile.value_slices:
        members = [n for n in select(resource, path) if not _binding_problems(path, [n], binding)]
        if len(members) > most:
            problems.append(f"{path}: {len(members)} values from {binding}, at most {most} allowed")
    for extension in select(resource, "extension[newpatients]"):
        if not _newpatients_characteristics_ok(extension):
            problems.append("extension[newpatients]: invariant new-patients-characteristics fails")
    problems += _reference_problems("(any)", _all_references(resource), ("Practitioner", "PractitionerRole",
                                    "HealthcareService", "Endpoint", "Location", "Organization", "OrganizationAffiliation"))
    return problems


def _all_references(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        if "reference" in node and isinstance(node["reference"], str):
            found.append(node)
        for value in node.values():
            found += _all_references(value)
    elif isinstance(node, list):
        for value in node:
            found += _all_references(value)
    return found


def unfilled_must_support(resource: dict) -> list[str]:
    """The must-support paths of the resource's profile that it leaves empty."""
    profile = profile_of(resource)
    return [path for path in profile.must_support if not select(resource, path)] if profile else []
