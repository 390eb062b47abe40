"""Every resource the directory builds conforms to its Plan-Net 1.2.0 profile, for full and for sparse listings.

The rules live in tests/fhir_profile_rules.py; the tests at the end check those rules, and the codes the
builders use, against the guide's own source (tests/data/plannet-1.2.0-fsh/) and US Core 7.0.0's profiles
(tests/data/us-core-7.0.0/).
"""
from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_profile_rules import (
    FSH,
    PROFILES,
    US_CORE,
    profile_problems,
    select,
    unfilled_must_support,
    value_set,
)
from referral.fhir import codes
from referral.fhir.resources import (
    BuildContext,
    carriers,
    endpoint,
    healthcare_service,
    location,
    network_organization,
    organization_affiliation,
    payer_organization,
    practice_organization,
    practitioner,
    practitioner_role,
)
from referral.models import LISTING_VERIFIED, utcnow
from referral.services.interop import DEFAULT_TAXONOMY, get_public_record, taxonomy_names
from referral.services.listing_rules import can_be_contacted
from referral.services.search import AvailabilityRules

SITE = "https://directory.example"
NUCC_CSV = Path(__file__).parent.parent / "seed_data" / "reference" / "nucc_behavioral_health_v25.1.csv"

NYC = {"address1": "10 West Street", "address2": "Suite 4", "city": "New York", "state": "NY", "zip": "10025",
       "lat": 40.7975, "lng": -73.9683,
       "hours": [{"day": 0, "opens": 540, "closes": 1020}, {"day": 2, "opens": 540, "closes": 1020},
                 {"day": 5, "opens": 0, "closes": 1440}]}
HOBOKEN = {"address1": "2 River Road", "city": "Hoboken", "state": "NJ", "zip": "07030", "lat": 40.744, "lng": -74.032,
           "hours": [{"day": 0, "opens": 540, "closes": 1020}, {"day": 4, "opens": 1080, "closes": 1440}]}


@pytest.fixture
def ctx(app_ctx):
    """A build context as the app's views make one."""
    return BuildContext(
        names=taxonomy_names(list(DEFAULT_TAXONOMY.values()) + ["103TC0700X"]),
        rules=AvailabilityRules(stale_days=45),
        listing_url=lambda listing_id: f"{SITE}/providers/{listing_id}",
        contact_url=lambda listing_id: f"{SITE}/providers/{listing_id}/contact",
    )


LISTINGS = {
    "full": dict(
        owned=True, first_name="Ada", last_name="Quarrington", credentials="PhD, ABPP", npi="1234567893", taxonomy_code="103TC0700X",
        licenses=["NY", "NJ"], offices=[NYC, HOBOKEN], languages=["en", "es"], insurance=["aetna", "cigna", "self-pay"],
        modalities=["couples", "cbt"], telehealth=True, in_person=True, website="https://ada.example",
    ),
    "one carrier": dict(owned=True, insurance=["medicaid"], offices=[NYC]),
    "no phone, offices or hours": dict(phone="", offices=[], licenses=["NY"], telehealth=True, in_person=False),
    "unknown availability": dict(accepting_new_patients=False, availability_confirmed_at=None),
    "registry only": dict(source="nppes", npi="1234567901", credentials="", statement="", phone="", offices=[],
                          licenses=[], accepting_new_patients=False, availability_confirmed_at=None, in_person=False),
    "psychiatrist, retired code, bad NPI": dict(type="psychiatrist", taxonomy_code="103TP2700X", npi="1234567890",
                                                insurance=["self-pay"]),
}


def build_all(provider, ctx) -> list[dict]:
    """Every resource a listing yields: its own (the Endpoint when it takes messages), its practice, its offices, and
    three per carrier."""
    resources = [practitioner(provider, ctx), practitioner_role(provider, ctx), healthcare_service(provider, ctx),
                 practice_organization(provider, ctx)]
    if can_be_contacted(provider):
        resources.append(endpoint(provider, ctx))
    resources += [location(office, ctx) for office in provider.offices]
    for plan in carriers(provider):
        resources += [payer_organization(plan, ctx), network_organization(plan, ctx),
                      organization_affiliation(provider, plan, ctx)]
    return resources


@pytest.fixture
def listing(make_provider, make_user):
    """Factory: a listing as the FHIR reads load it; `owned` makes it a verified listing that takes messages."""
    def make(owned: bool = False, **fields):
        if owned:
            fields.update(owner_id=make_user().id, listing_status=LISTING_VERIFIED)
        return get_public_record(make_provider(**fields).id)
    return make


def by_type(resources: list[dict], resource_type: str) -> list[dict]:
    return [r for r in resources if r["resourceType"] == resource_type]


def extension(resource: dict, url: str) -> list[dict]:
    return [e for e in resource.get("extension", []) if e["url"] == url]


def accepting(resource: dict) -> str | None:
    found = extension(resource, codes.NEWPATIENTS)
    assert len(found) <= 1
    return found[0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] if found else None


@pytest.mark.parametrize("kind", LISTINGS)
def test_every_resource_conforms_to_its_profile(listing, ctx, kind):
    provider = listing(**LISTINGS[kind])
    resources = build_all(provider, ctx)
    assert {r["resourceType"] for r in resources} >= {"Practitioner", "PractitionerRole", "HealthcareService", "Organization"}
    for resource in resources:
        assert profile_problems(resource) == [], (resource["resourceType"], resource["id"])
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        json.dumps(resource)


def test_full_listing_fills_every_must_support_element_it_has_data_for(listing, ctx):
    provider = listing(**LISTINGS["full"])
    # What the directory does not hold: periods, ranks, exceptions, accessibility codes, coverage areas,
    # proficiency levels, qualifications beyond licenses, contacts of organizations; and with two carriers a
    # role can name no single network.
    not_held = {
        "Practitioner": {"qualification.period", "communication.extension[communication-proficiency]",
                         "address.extension[geolocation]"},
        "PractitionerRole": {"extension[qualification]", "extension[network-reference]", "identifier.type",
                             "identifier.value", "period", "telecom.rank", "notAvailable", "notAvailable.description",
                             "notAvailable.during"},
        "HealthcareService": {"identifier.type", "identifier.value", "coverageArea", "appointmentRequired", "notAvailable",
                              "notAvailable.description", "notAvailable.during", "availabilityExceptions"},
        "Endpoint": {"extension[endpoint-usecase]", "contact", "contact.value", "contact.system"},
        "Location": {"extension[accessibility]", "extension[region]", "identifier", "identifier.type", "identifier.value",
                     "alias", "description", "partOf", "availabilityExceptions"},
        "Organization": {"extension[qualification]", "extension[org-description]", "extension[org-period]", "identifier",
                         "identifier.type", "identifier.system", "identifier.value", "partOf", "contact",
                         "contact.telecom"},
        "OrganizationAffiliation": {"identifier.type", "identifier.value", "period", "telecom.rank"},
    }
    resources = build_all(provider, ctx)
    practice = next(r for r in resources if r["id"].startswith("practice-"))
    new_york = location(provider.offices[0], ctx)
    for resource in [*by_type(resources, "Practitioner"), *by_type(resources, "PractitionerRole"),
                     *by_type(resources, "HealthcareService"), *by_type(resources, "Endpoint"), new_york, practice,
                     *by_type(resources, "OrganizationAffiliation")]:
        assert set(unfilled_must_support(resource)) == not_held[resource["resourceType"]], resource["resourceType"]


def test_practitioner_names_identifies_and_licenses(listing, ctx):
    provider = listing(**LISTINGS["full"])
    body = practitioner(provider, ctx)
    assert body["identifier"] == [
        {"use": "official", "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "NPI",
                                                 "display": "National provider identifier"}], "text": "NPI"},
         "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"},
        {"use": "secondary", "system": "urn:ietf:rfc:3986", "value": f"{SITE}/providers/{provider.id}"},
    ]
    assert body["name"] == [{"use": "official", "text": "Ada Quarrington", "family": "Quarrington", "given": ["Ada"],
                             "suffix": ["PhD", "ABPP"]}]
    assert [c["coding"][0]["code"] for c in body["communication"]] == ["en", "es"]
    assert {c["coding"][0]["system"] for c in body["communication"]} == {"urn:ietf:bcp:47"}
    where_valid = select(body, "qualification.extension[practitioner-qualification].extension[whereValid]"
                               ".valueCodeableConcept.coding.code")
    assert where_valid == ["NJ", "NY"]
    assert body["qualification"][0]["code"]["coding"][0] == {
        "system": "http://nucc.org/provider-taxonomy", "code": "103TC0700X", "display": "Clinical Psychologist"}
    assert [a["city"] for a in body["address"]] == ["New York", "Hoboken"]
    assert body["address"][0]["line"] == ["10 West Street", "Suite 4"]
    assert body["meta"]["versionId"] == str(provider.version_id)
    assert "mode" not in location(provider.offices[0], ctx)


def test_an_npi_that_fails_its_check_digit_is_left_out(listing, ctx):
    provider = listing(**LISTINGS["psychiatrist, retired code, bad NPI"])
    body = practitioner(provider, ctx)
    assert [i["system"] for i in body["identifier"]] == ["urn:ietf:rfc:3986"]


def test_new_patients_is_told_only_when_known(listing, ctx):
    now = utcnow()
    cases = {
        "newpt": dict(accepting_new_patients=True, availability_confirmed_at=now - timedelta(days=3)),
        "nopt": dict(accepting_new_patients=False, availability_confirmed_at=now - timedelta(days=3)),
        None: dict(accepting_new_patients=False, availability_confirmed_at=None),
    }
    stale = [dict(accepting_new_patients=True, availability_confirmed_at=now - timedelta(days=46)),
             dict(accepting_new_patients=False, availability_confirmed_at=now - timedelta(days=46)),
             dict(accepting_new_patients=True, availability_confirmed_at=None)]
    for expected, fields in [*cases.items(), *((None, f) for f in stale)]:
        provider = listing(**fields)
        for resource in (practitioner_role(provider, ctx), healthcare_service(provider, ctx),
                         location(provider.offices[0], ctx)):
            assert accepting(resource) == expected, (fields, resource["resourceType"])


def test_practitioner_role_links_practice_offices_service_endpoint_and_hours(listing, ctx):
    provider = listing(**LISTINGS["full"])
    role = practitioner_role(provider, ctx)
    assert role["organization"]["reference"] == f"Organization/practice-{provider.id}"
    assert [r["reference"] for r in role["location"]] == [f"Location/{o.id}" for o in provider.offices]
    assert role["healthcareService"] == [{"reference": f"HealthcareService/{provider.id}"}]
    assert role["endpoint"] == [{"reference": f"Endpoint/{provider.id}"}]
    assert role["code"][0]["coding"][0]["code"] == "py"
    assert role["specialty"][0]["coding"][0]["code"] == "103TC0700X"
    assert role["availableTime"] == [
        {"daysOfWeek": ["sat"], "allDay": True},
        {"daysOfWeek": ["mon", "wed"], "availableStartTime": "09:00:00", "availableEndTime": "17:00:00"},
        {"daysOfWeek": ["fri"], "availableStartTime": "18:00:00", "availableEndTime": "23:59:59"},
    ]
    # Two carriers: the profile allows one network-reference, so the role names none.
    assert extension(role, codes.NETWORK_REFERENCE) == []


def test_a_single_carriers_network_is_named_on_the_role(listing, ctx):
    role = practitioner_role(listing(**LISTINGS["one carrier"]), ctx)
    assert [e["valueReference"]["reference"] for e in extension(role, codes.NETWORK_REFERENCE)] == [
        "Organization/network-medicaid"]


def test_retired_or_organizational_codes_fall_back_to_the_provider_types_code(listing, ctx):
    provider = listing(**LISTINGS["psychiatrist, retired code, bad NPI"])
    role = practitioner_role(provider, ctx)
    assert role["specialty"][0]["coding"][0]["code"] == "2084P0800X"
    assert role["code"][0]["coding"][0]["code"] == "ph"
    assert healthcare_service(provider, ctx)["type"][0] == {"text": "Psychiatry (medication management)"}


def test_location_has_hours_type_manager_and_no_mode(listing, ctx):
    provider = listing(**LISTINGS["full"])
    body = location(provider.offices[1], ctx)
    assert "mode" not in body
    assert body["hoursOfOperation"] == [
        {"daysOfWeek": ["mon"], "openingTime": "09:00:00", "closingTime": "17:00:00"},
        {"daysOfWeek": ["fri"], "openingTime": "18:00:00", "closingTime": "23:59:59"},
    ]
    assert body["type"][0]["coding"][0]["code"] == "PROFF"
    assert body["managingOrganization"]["reference"] == f"Organization/practice-{provider.id}"
    assert body["address"]["line"] == ["2 River Road"]
    assert (body["address"]["city"], body["address"]["state"], body["address"]["postalCode"]) == ("Hoboken", "NJ", "07030")
    assert body["position"] == {"latitude": 40.744, "longitude": -74.032}


def test_healthcare_service_says_how_and_where(listing, ctx):
    provider = listing(**LISTINGS["full"])
    body = healthcare_service(provider, ctx)
    methods = [e["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] for e in extension(body, codes.DELIVERY_METHOD)]
    assert methods == ["physical", "virtual"]
    assert body["category"][0]["coding"][0]["code"] == "behav"
    assert body["providedBy"]["reference"] == f"Organization/practice-{provider.id}"
    assert [t.get("coding", [{}])[0].get("code") for t in body["type"]] == [None, "79"]
    assert [r["reference"] for r in body["location"]] == [f"Location/{o.id}" for o in provider.offices]
    remote = healthcare_service(listing(**LISTINGS["no phone, offices or hours"]), ctx)
    assert [e["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
            for e in extension(remote, codes.DELIVERY_METHOD)] == ["virtual"]
    assert "location" not in remote and "telecom" not in remote


def test_endpoint_is_the_contact_page(listing, ctx):
    provider = listing(**LISTINGS["full"])
    body = endpoint(provider, ctx)
    assert body["address"] == f"{SITE}/providers/{provider.id}/contact"
    assert body["status"] == "active"
    assert body["connectionType"]["code"] == "rest-non-fhir"
    assert body["payloadType"][0]["coding"][0]["code"] == "NA"
    assert body["managingOrganization"]["reference"] == f"Organization/practice-{provider.id}"


def test_carriers_networks_and_affiliations(listing, ctx):
    provider = listing(**LISTINGS["full"])
    assert [plan.slug for plan in carriers(provider)] == ["aetna", "cigna"]
    aetna = carriers(provider)[0]
    payer, network = payer_organization(aetna, ctx), network_organization(aetna, ctx)
    assert (payer["id"], payer["type"][0]["coding"][0]["code"], payer["name"]) == ("payer-aetna", "payer", "Aetna")
    assert "versionId" not in payer["meta"] and "lastUpdated" not in payer["meta"]
    assert network["partOf"]["reference"] == "Organization/payer-aetna"
    assert network["meta"]["profile"] == [codes.PROFILE["Network"]]
    affiliation = organization_affiliation(provider, aetna, ctx)
    assert affiliation["id"] == f"{provider.id}-aetna"
    assert affiliation["organization"]["reference"] == "Organization/payer-aetna"
    assert affiliation["participatingOrganization"]["reference"] == f"Organization/practice-{provider.id}"
    assert affiliation["network"] == [{"reference": "Organization/network-aetna", "display": "Aetna network"}]


def test_only_listings_that_take_messages_point_to_a_contact_page(listing, ctx):
    owned, unclaimed = listing(**LISTINGS["full"]), listing(**LISTINGS["no phone, offices or hours"])
    plan = carriers(owned)[0]
    for resource in (practitioner_role(owned, ctx), healthcare_service(owned, ctx), location(owned.offices[0], ctx),
                     practice_organization(owned, ctx), organization_affiliation(owned, plan, ctx)):
        assert resource["endpoint"] == [{"reference": f"Endpoint/{owned.id}"}], resource["resourceType"]
    for resource in (practitioner_role(unclaimed, ctx), healthcare_service(unclaimed, ctx),
                     practice_organization(unclaimed, ctx)):
        assert "endpoint" not in resource, resource["resourceType"]


def test_a_role_with_no_way_to_reach_the_clinician_says_the_contact_is_unknown(listing, ctx):
    role = practitioner_role(listing(**LISTINGS["no phone, offices or hours"]), ctx)
    absent = {"extension": [{"url": codes.DATA_ABSENT_REASON, "valueCode": "unknown"}]}
    assert role["telecom"] == [{"_system": absent, "_value": absent}]
    with_website = practitioner_role(listing(**LISTINGS["no phone, offices or hours"], website="https://b.example"), ctx)
    assert with_website["telecom"] == [{"system": "url", "value": "https://b.example", "use": "work"}]


def test_a_practice_without_offices_says_its_address_is_unknown(listing, ctx):
    practice = practice_organization(listing(**LISTINGS["no phone, offices or hours"]), ctx)
    assert practice["address"] == [{"extension": [{"url": codes.DATA_ABSENT_REASON, "valueCode": "unknown"}]}]


# --- the checker catches what breaks a profile --------------------------------------------------------------

def broken(resource: dict, change) -> dict:
    copy = json.loads(json.dumps(resource))
    change(copy)
    return copy


@pytest.mark.parametrize("builder, change, expected", [
    ("location", lambda r: r.update(mode="instance"), "mode: 1 present, at most 0"),
    ("location", lambda r: r.update(status="inactive"), "status: 'inactive' is not the fixed value 'active'"),
    ("location", lambda r: r.pop("name"), "name: 0 present, at least 1"),
    ("location", lambda r: r["hoursOfOperation"][0].update(daysOfWeek=["monday"]), "not in the required value set DaysOfWeek"),
    ("location", lambda r: r.update(managingOrganization={"reference": "Location/1"}), "must point to Organization"),
    ("practitioner", lambda r: r.pop("identifier"), "identifier: 0 present, at least 1"),
    ("practitioner", lambda r: r["identifier"][0].update(value="1234567890"), "invariant us-core-17 fails"),
    ("practitioner", lambda r: r["identifier"][0].update(value="123456789"), "invariant us-core-16 fails"),
    ("practitioner", lambda r: r.update(active=False), "active: False is not the fixed value True"),
    ("practitioner", lambda r: r["qualification"][0].pop("code"), "qualification.code: 0 present, at least 1"),
    ("practitioner", lambda r: r["qualification"][0]["extension"][0]["extension"][0].update(valueCode="inactive"),
     "is not the fixed value 'active'"),
    ("practitioner", lambda r: r["meta"].update(profile=[]), "names no single Plan-Net profile"),
    ("role", lambda r: r["extension"].extend([
        {"url": codes.NETWORK_REFERENCE, "valueReference": {"reference": "Organization/network-a"}},
        {"url": codes.NETWORK_REFERENCE, "valueReference": {"reference": "Organization/network-b"}}]),
     "extension[network-reference]: 2 present, at most 1"),
    ("role", lambda r: r["specialty"][0]["coding"][0].update(code="207R00000Y"), "IndividualAndGroupSpecialtiesVS"),
    ("role", lambda r: r["code"][0]["coding"][0].update(code="zz"), "PractitionerRoleVS"),
    ("role", lambda r: [r.pop(k) for k in ("telecom", "endpoint")], "invariant pd-1 fails"),
    ("role", lambda r: r["extension"][0]["extension"][0]["valueCodeableConcept"]["coding"][0].update(code="maybe"),
     "AcceptingPatientsVS"),
    ("role", lambda r: r["telecom"][0].pop("value"), "telecom.value: 0 present, at least 1"),
    ("service", lambda r: r.pop("category"), "category: 0 present, at least 1"),
    ("service", lambda r: r["category"].append(r["category"][0]), "at most 1 allowed"),
    ("service", lambda r: r["extension"][-1]["extension"][0]["valueCodeableConcept"]["coding"][0].update(code="mail"),
     "DeliveryMethodVS"),
    ("endpoint", lambda r: r["payloadType"].append(r["payloadType"][0]), "payloadType: 2 present, at most 1"),
    ("endpoint", lambda r: r.update(status="off"), "is not the fixed value 'active'"),
    ("practice", lambda r: r.pop("address"), "address: 0 present, at least 1"),
    ("practice", lambda r: r.pop("type"), "type: 0 present, at least 1"),
    ("network", lambda r: r.update(telecom=[{"system": "phone", "value": "1"}]), "telecom: 1 present, at most 0"),
    ("network", lambda r: r.pop("partOf"), "partOf: 0 present, at least 1"),
    ("network", lambda r: r["type"][0]["coding"][0].update(code="payer"), "NetworkTypeVS"),
    ("affiliation", lambda r: [r.pop(k) for k in ("organization", "participatingOrganization")],
     "invariant organization-or-participatingOrganization fails"),
    ("affiliation", lambda r: r["specialty"][0]["coding"][0].update(code="0000000000"), "SpecialtiesVS"),
])
def test_the_checker_catches_a_broken_resource(listing, ctx, builder, change, expected):
    provider = listing(**LISTINGS["full"])
    plan = carriers(provider)[0]
    built = {
        "location": lambda: location(provider.offices[0], ctx), "practitioner": lambda: practitioner(provider, ctx),
        "role": lambda: practitioner_role(provider, ctx), "service": lambda: healthcare_service(provider, ctx),
        "endpoint": lambda: endpoint(provider, ctx), "practice": lambda: practice_organization(provider, ctx),
        "network": lambda: network_organization(plan, ctx),
        "affiliation": lambda: organization_affiliation(provider, plan, ctx),
    }[builder]()
    assert profile_problems(built) == []
    problems = profile_problems(broken(built, change))
    assert any(expected in problem for problem in problems), problems


# --- the rules and codes against the standards' own files ---------------------------------------------------

def fsh_profiles() -> dict[str, list[tuple[int, str]]]:
    """PlanNet.fsh rule lines by profile id, with their line numbers."""
    blocks: dict[str, list[tuple[int, str]]] = {}
    current = None
    in_comment = False
    for number, raw in enumerate((FSH / "PlanNet.fsh").read_text().splitlines(), 1):
        line = re.sub(r"\s//.*$", "", raw).strip()
        if line.startswith("/*"):
            in_comment = True
        if in_comment:
            in_comment = "*/" not in line
            continue
        if line.startswith("Id:"):
            current = blocks.setdefault(line.split()[1], [])
        elif line.startswith(("Profile:", "Invariant:")):
            current = None
        elif current is not None and line.startswith("* ") and "^" not in line:
            current.append((number, line[2:]))
    return blocks


def fsh_extension_slices() -> dict[str, list[tuple[int, str, str, str]]]:
    """PlanNet.fsh `X contains Extension named name min..max` slices by profile id: (line, path, min, max)."""
    slices: dict[str, list[tuple[int, str, str, str]]] = {}
    current, container = None, None
    for number, raw in enumerate((FSH / "PlanNet.fsh").read_text().splitlines(), 1):
        line = re.sub(r"\s//.*$", "", raw).strip()
        if line.startswith("Id:"):
            current = slices.setdefault(line.split()[1], [])
        elif line.startswith(("Profile:", "Invariant:", "/*")):
            current = None
        if current is None:
            continue
        contains = re.match(r"^\* (\S+) contains", line)
        if contains:
            container = contains.group(1)
        elif line.startswith("* "):
            container = None
        for name, low, high in re.findall(r"named ([\w-]+) +(\d+)\.\.(\d+|\*)", line):
            if container:
                current.append((number, f"{container}[{name}]", low, high))
    return slices


TYPE_OF_PROFILE = {"PlannetOrganization": "Organization", "PlannetNetwork": "Organization", "PlannetLocation": "Location",
                   "PlannetEndpoint": "Endpoint", "PlannetHealthcareService": "HealthcareService",
                   "PlannetPractitioner": "Practitioner"}


@pytest.mark.parametrize("profile_id", sorted(set(fsh_profiles()) - {"plannet-InsurancePlan"}))
def test_rules_transcribe_the_guides_profile(profile_id):
    profile = PROFILES[f"{codes.STRUCTURE}/{profile_id}"]
    checked = 0
    for number, line in fsh_profiles()[profile_id]:
        if "[" in line.split()[0] or line.split()[0] == "extension":
            continue
        path = line.split()[0]
        cardinality = re.match(r"^\S+ (\d+)\.\.(\d+|\*)", line)
        if cardinality:
            low, high = cardinality.groups()
            rule = profile.rules[path]
            assert (rule.min, rule.max) == (int(low), None if high == "*" else int(high)), (number, line)
            checked += 1
        fixed = re.match(r"^\S+ = (\S+)", line)
        if fixed:
            expected = {"true": True}.get(fixed.group(1), fixed.group(1).split("#")[-1])
            assert profile.rules[path].fixed == expected, (number, line)
            checked += 1
        bound = re.match(r"^\S+ from (\w+)(?: +\((\w+)\))?", line)
        if bound and (bound.group(2) or "required") == "required":
            assert profile.rules[path].binding == bound.group(1), (number, line)
            checked += 1
        target = re.match(r"^\S+ only Reference ?\((\w+)\)", line)
        if target:
            assert TYPE_OF_PROFILE[target.group(1)] in profile.rules[path].targets, (number, line)
            checked += 1
    for number, line in fsh_profiles()[profile_id]:
        bound = re.match(r"^(\w+)\[[\w-]+\] from (\w+) \(required\)", line)
        if bound:
            assert (bound.group(1), bound.group(2), 1) in profile.value_slices, (number, line)
            checked += 1
    for number, path, low, high in fsh_extension_slices()[profile_id]:
        if low != "0" or high != "*":
            rule = profile.rules[path]
            assert (rule.min, rule.max) == (int(low), None if high == "*" else int(high)), (number, path)
            checked += 1
    assert checked


@pytest.mark.parametrize("name, profile_ids", [
    ("practitioner", ["plannet-Practitioner"]), ("practitionerrole", ["plannet-PractitionerRole"]),
    ("location", ["plannet-Location"]), ("organization", ["plannet-Organization", "plannet-Network"]),
])
def test_rules_keep_the_us_core_cardinalities(name, profile_ids):
    definition = json.loads((US_CORE / f"StructureDefinition-us-core-{name}.json").read_text())
    limited = [e for e in definition["differential"]["element"]
               if ":" not in e["id"] and "." in e["id"] and (e.get("min", 0) > 0 or e.get("max") not in (None, "*"))]
    assert limited
    for profile_id in profile_ids:
        profile = PROFILES[f"{codes.STRUCTURE}/{profile_id}"]
        for element in limited:
            path = element["id"].split(".", 1)[1]
            rule = profile.rules[path]
            if "min" in element:
                assert rule.min >= element["min"], (profile_id, path)
            if element.get("max") not in (None, "*"):
                assert rule.max is not None and rule.max <= int(element["max"]), (profile_id, path)


def test_builders_codes_are_in_the_guides_value_sets():
    assert value_set("AcceptingPatientsVS").holds(codes.ACCEPTING["system"], codes.ACCEPTING["code"])
    assert value_set("AcceptingPatientsVS").holds(codes.NOT_ACCEPTING["system"], codes.NOT_ACCEPTING["code"])
    for method in (codes.IN_PERSON, codes.VIRTUAL):
        assert value_set("DeliveryMethodVS").holds(method["system"], method["code"])
    assert value_set("HealthcareServiceCategoryVS").holds(codes.BEHAVIORAL_HEALTH["system"], codes.BEHAVIORAL_HEALTH["code"])
    assert value_set("NetworkTypeVS").holds(codes.NETWORK["system"], codes.NETWORK["code"])
    for org_type in (codes.PROVIDER_GROUP, codes.PAYER):
        assert value_set("OrgTypeVS").holds(org_type["system"], org_type["code"])
    assert value_set("OrganizationAffiliationRoleVS").holds(codes.OUTPATIENT_BEHAVIORAL["system"],
                                                            codes.OUTPATIENT_BEHAVIORAL["code"])
    assert value_set("MinEndpointConnectionTypeVS").holds(codes.WEB_PAGE["system"], codes.WEB_PAGE["code"])
    assert value_set("EndpointPayloadTypeVS").holds(codes.NOT_APPLICABLE_PAYLOAD["system"], codes.NOT_APPLICABLE_PAYLOAD["code"])
    for code, _ in codes.PROVIDER_ROLE.values():
        assert value_set("PractitionerRoleVS").holds(codes.PROVIDER_ROLE_SYSTEM, code)
    for code, _ in codes.SERVICE_TYPE_OF_MODALITY.values():
        assert value_set("HealthcareServiceTypeVS").holds(codes.SERVICE_TYPE_SYSTEM, code)
    specialties = value_set("IndividualAndGroupSpecialtiesVS")
    for code in DEFAULT_TAXONOMY.values():
        assert specialties.holds(codes.NUCC_SYSTEM, code)
    with NUCC_CSV.open() as handle:
        loaded = {row["code"] for row in csv.DictReader(handle)}
    assert codes.INDIVIDUAL_SPECIALTIES == {c for c in loaded if specialties.holds(codes.NUCC_SYSTEM, c)}
