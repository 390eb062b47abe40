"""FHIR reads and metadata: every resource validates with fhir.resources (R4B) and its Plan-Net profile; errors are
OperationOutcomes."""
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from fhir_profile_rules import profile_problems
from referral.models import LISTING_PENDING, LISTING_VERIFIED

NEWPATIENTS = "http://hl7.org/fhir/us/davinci-pdex-plan-net/StructureDefinition/newpatients"
NUCC = "http://nucc.org/provider-taxonomy"


def fhir_json(response, status=200):
    """The body of a FHIR response, after checking its status and content type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return response.get_json(force=True)


def accepting_code(role: dict) -> str | None:
    """The new-patients code a resource states, or None when it states none."""
    extension = next((e for e in role.get("extension", []) if e["url"] == NEWPATIENTS), None)
    if extension is None:
        return None
    inner = next(e for e in extension["extension"] if e["url"] == "acceptingPatients")
    return inner["valueCodeableConcept"]["coding"][0]["code"]


@pytest.fixture
def clinician(make_provider, make_user):
    """A verified listing with an owner (so it takes messages: its contact page is an Endpoint)."""
    return make_provider(
        owner_id=make_user().id, listing_status=LISTING_VERIFIED,
        first_name="Ada", last_name="Quarrington", credentials="PhD, ABPP", npi="1234567893", taxonomy_code="103TC0700X",
        licenses=["NY", "NJ"], insurance=["aetna", "self-pay"], languages=["es"],
        offices=[
            {"address1": "10 West Street", "city": "New York", "state": "NY", "zip": "10025", "lat": 40.7975, "lng": -73.9683},
            {"address1": "2 River Road", "city": "Hoboken", "state": "NJ", "zip": "07030", "lat": 40.744, "lng": -74.032},
        ],
    )


def test_metadata_is_a_capability_statement(client):
    body = fhir_json(client.get("/fhir/metadata"))
    statement = CapabilityStatement.model_validate(body)
    assert statement.fhirVersion == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert {"Practitioner", "PractitionerRole", "HealthcareService", "Endpoint", "Location", "Organization",
            "OrganizationAffiliation"} <= set(resources)
    assert {"name", "family", "given", "identifier"} <= {p["name"] for p in resources["Practitioner"]["searchParam"]}
    assert "PractitionerRole:location" in resources["PractitionerRole"]["searchInclude"]
    assert "near" in {p["name"] for p in resources["Location"]["searchParam"]}


def test_practitioner_read_carries_npi_name_and_licenses(client, clinician):
    body = fhir_json(client.get(f"/fhir/Practitioner/{clinician.id}"))
    Practitioner.model_validate(body)
    npi = next(i for i in body["identifier"] if i["system"] == "http://hl7.org/fhir/sid/us-npi")
    assert (npi["value"], npi["type"]["coding"][0]["code"]) == ("1234567893", "NPI")
    assert {"system": "urn:ietf:rfc:3986", "use": "secondary",
            "value": f"http://localhost/providers/{clinician.id}"} in body["identifier"]
    assert body["communication"][0]["coding"][0]["code"] == "es"
    assert body["name"][0]["family"] == "Quarrington"
    assert body["name"][0]["given"] == ["Ada"]
    assert body["name"][0]["suffix"] == ["PhD", "ABPP"]
    licenses = {
        q["extension"][0]["extension"][1]["valueCodeableConcept"]["coding"][0]["code"]: q["identifier"][0]["value"]
        for q in body["qualification"]
    }
    assert licenses == {lic.state: lic.number for lic in clinician.licenses}
    assert body["qualification"][0]["code"]["coding"][0] == {
        "system": NUCC, "code": "103TC0700X", "display": "Clinical Psychologist"}


def test_practitioner_role_has_specialty_offices_and_newpatients(client, clinician):
    body = fhir_json(client.get(f"/fhir/PractitionerRole/{clinician.id}"))
    PractitionerRole.model_validate(body)
    assert body["practitioner"]["reference"] == f"Practitioner/{clinician.id}"
    assert [loc["reference"] for loc in body["location"]] == [f"Location/{o.id}" for o in clinician.offices]
    assert body["specialty"][0]["coding"][0]["system"] == NUCC
    assert body["specialty"][0]["coding"][0]["code"] == "103TC0700X"
    assert accepting_code(body) == "newpt"


def test_closed_listing_is_not_accepting_and_a_stale_one_says_nothing(client, make_provider):
    stale = make_provider(accepting_new_patients=True, confirmed_days_ago=200)
    closed = make_provider(accepting_new_patients=False)
    never_confirmed = make_provider(accepting_new_patients=False, confirmed_days_ago=None)
    assert accepting_code(fhir_json(client.get(f"/fhir/PractitionerRole/{stale.id}"))) is None
    assert accepting_code(fhir_json(client.get(f"/fhir/PractitionerRole/{closed.id}"))) == "nopt"
    assert accepting_code(fhir_json(client.get(f"/fhir/PractitionerRole/{never_confirmed.id}"))) is None


def test_specialty_falls_back_to_the_provider_types_code(client, make_provider):
    psychiatrist = make_provider(type="psychiatrist", taxonomy_code=None)
    body = fhir_json(client.get(f"/fhir/PractitionerRole/{psychiatrist.id}"))
    assert body["specialty"][0]["coding"][0]["code"] == "2084P0800X"


def test_every_read_conforms_to_its_profile(client, clinician):
    paths = [f"{kind}/{clinician.id}" for kind in ("Practitioner", "PractitionerRole", "HealthcareService", "Endpoint")]
    paths += [f"Location/{office.id}" for office in clinician.offices]
    paths += [f"Organization/practice-{clinician.id}", "Organization/payer-aetna", "Organization/network-aetna",
              f"OrganizationAffiliation/{clinician.id}-aetna"]
    for path in paths:
        body = fhir_json(client.get(f"/fhir/{path}"))
        assert f"{body['resourceType']}/{body['id']}" == path
        get_fhir_model_class(body["resourceType"]).model_validate(body)
        assert profile_problems(body) == [], path


def test_location_read_has_address_and_position(client, clinician):
    office = clinician.offices[1]
    body = fhir_json(client.get(f"/fhir/Location/{office.id}"))
    Location.model_validate(body)
    assert "mode" not in body
    assert body["address"]["line"] == ["2 River Road"]
    assert (body["address"]["city"], body["address"]["state"], body["address"]["postalCode"]) == ("Hoboken", "NJ", "07030")
    assert body["position"] == {"latitude": 40.744, "longitude": -74.032}


@pytest.mark.parametrize("url", [
    "/fhir/Practitioner/999999", "/fhir/PractitionerRole/999999", "/fhir/Location/999999",
    "/fhir/Practitioner/abc", "/fhir/Patient/1", "/fhir/Patient", "/fhir/Organization/payer-self-pay",
    "/fhir/Organization/practice-999999", "/fhir/OrganizationAffiliation/1-self-pay",
])
def test_unknown_ids_and_types_are_404_operation_outcomes(client, clinician, url):
    body = fhir_json(client.get(url), 404)
    outcome = OperationOutcome.model_validate(body)
    assert outcome.issue[0].code == "not-found"


def test_unlisted_providers_are_not_exposed(client, make_provider):
    pending = make_provider(listing_status=LISTING_PENDING)
    inactive = make_provider(active=False)
    for provider in (pending, inactive):
        fhir_json(client.get(f"/fhir/Practitioner/{provider.id}"), 404)
        fhir_json(client.get(f"/fhir/Location/{provider.offices[0].id}"), 404)
    bundle = fhir_json(client.get("/fhir/Practitioner"))
    assert bundle["total"] == 0


def test_other_methods_are_refused(client, clinician):
    response = client.post("/fhir/Practitioner", json={"resourceType": "Practitioner"})
    assert response.status_code == 405
