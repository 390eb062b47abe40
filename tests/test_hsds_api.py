"""Open Referral HSDS 3.0: every endpoint's response validates against the HSDS JSON schemas."""
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from referral.models import LISTING_PENDING

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "seed_data" / "hsds_v3_schema"
BASE = "https://hsds.test/schema/"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        name = path.relative_to(SCHEMA_DIR).as_posix()
        if name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((BASE + name, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


REGISTRY = _registry()
PAGE_SCHEMA = json.loads((SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8"))["components"]["schemas"]["Page"]
PAGE_KEYS = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]


def validator(name: str) -> Draft202012Validator:
    """A validator for one HSDS schema file, with the other files resolvable by relative $ref."""
    return Draft202012Validator({"$ref": BASE + name}, registry=REGISTRY, format_checker=FormatChecker())


def assert_valid(instance, name: str) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def hsds_page(client, url: str, item_schema: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    page_schema = {**PAGE_SCHEMA, "required": PAGE_KEYS}
    assert not list(Draft202012Validator(page_schema).iter_errors(body))
    for item in body["contents"]:
        assert_valid(item, item_schema)
    return body


def hsds_record(client, url: str, schema: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_valid(body, schema)
    return body


NYC = {"address1": "10 West Street", "city": "New York", "state": "NY", "zip": "10025", "lat": 40.7975, "lng": -73.9683}
MIDTOWN = {"address1": "1 Park Avenue", "city": "New York", "state": "NY", "zip": "10016", "lat": 40.7459, "lng": -73.9810}
BOISE = {"address1": "5 Main Street", "city": "Boise", "state": "ID", "zip": "83702", "lat": 43.6328, "lng": -116.2035}


@pytest.fixture
def directory(make_provider):
    return {
        "ada": make_provider(first_name="Ada", last_name="Quarrington", npi="1234567893", offices=[NYC, MIDTOWN],
                             statement="Anxiety and grief.", website="https://ada.example.org", languages=["en", "es"],
                             age_groups=["adults"], sliding_scale=True),
        "bea": make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist", offices=[BOISE],
                             statement="Medication management.", fee_min=None, fee_max=None, phone=""),
        "cy": make_provider(first_name="Cy", last_name="Adaire", offices=[MIDTOWN], listing_status=LISTING_PENDING),
    }


def test_schemas_are_strict_enough_to_fail(directory):
    """The validation below means something: a record missing required fields is refused."""
    assert list(validator("service.json").iter_errors({"id": "not-a-uuid", "name": "x"}))
    assert list(validator("compiled/organization_list.json").iter_errors({"id": str(uuid.uuid4())}))


def test_about(client):
    body = client.get("/hsds/").get_json()
    assert body["version"].startswith("3.0")
    assert body["openapi_url"].endswith("/api/v1/openapi.json")


def test_services_list_and_detail(client, directory):
    page = hsds_page(client, "/hsds/services", "compiled/service_list.json")
    assert page["total_items"] == 2  # the pending listing is not public
    names = [s["name"] for s in page["contents"]]
    assert names == ["Psychotherapy with Ada Quarrington", "Psychiatry with Bea Quillfeather"]
    ada = page["contents"][0]
    assert ada["organization"]["name"] == "Ada Quarrington, PhD"
    service = hsds_record(client, f"/hsds/services/{ada['id']}", "service.json")
    assert [loc["location"]["addresses"][0]["postal_code"] for loc in service["service_at_locations"]] == ["10025", "10016"]
    assert {lang["code"] for lang in service["languages"]} == {"en", "es"}
    assert service["cost_options"][0]["amount"] == 150
    assert "Sliding scale" in service["fees_description"]
    assert service["eligibility_description"].startswith("Sees adults")
    assert_valid(service, "compiled/service_with_definitions.json")


def test_service_without_fees_or_phone_still_validates(client, directory):
    bea = directory["bea"]
    page = hsds_page(client, "/hsds/services?search=medication", "compiled/service_list.json")
    assert page["total_items"] == 1
    service = hsds_record(client, f"/hsds/services/{page['contents'][0]['id']}", "service.json")
    assert "cost_options" not in service and service["phones"] == []
    assert service["organization_id"].endswith(f"{bea.id:012x}")


def test_organizations_list_and_detail(client, directory):
    page = hsds_page(client, "/hsds/organizations?per_page=1", "compiled/organization_list.json")
    assert (page["total_items"], page["total_pages"], page["size"], page["first_page"], page["last_page"]) == (2, 2, 1, True, False)
    last = hsds_page(client, "/hsds/organizations?per_page=1&page=2", "compiled/organization_list.json")
    assert (last["first_page"], last["last_page"], last["empty"]) == (False, True, False)
    beyond = hsds_page(client, "/hsds/organizations?per_page=1&page=3", "compiled/organization_list.json")
    assert beyond["empty"] and beyond["contents"] == []
    organization = hsds_record(client, f"/hsds/organizations/{page['contents'][0]['id']}", "organization.json")
    assert organization["website"] == "https://ada.example.org"
    assert organization["organization_identifiers"][0]["identifier"] == "1234567893"
    assert len(organization["locations"]) == 2
    for location in organization["locations"]:
        assert_valid(location, "location.json")


def test_locations_list_detail_and_organization_filter(client, directory):
    page = hsds_page(client, "/hsds/locations", "location.json")
    assert page["total_items"] == 3
    org_id = hsds_page(client, "/hsds/organizations?search=Quill", "compiled/organization_list.json")["contents"][0]["id"]
    mine = hsds_page(client, f"/hsds/locations?organization_id={org_id}", "location.json")
    assert [loc["addresses"][0]["city"] for loc in mine["contents"]] == ["Boise"]
    location = hsds_record(client, f"/hsds/locations/{mine['contents'][0]['id']}", "location.json")
    assert (location["latitude"], location["longitude"]) == (43.6328, -116.2035)


def test_service_at_locations_by_postcode_and_proximity(client, directory):
    exact = hsds_page(client, "/hsds/service_at_locations?postcode=10016", "compiled/service_at_location_list.json")
    assert [s["location"]["addresses"][0]["postal_code"] for s in exact["contents"]] == ["10016"]
    # Midtown lies about 6 km from the 10025 centroid.
    close = hsds_page(client, "/hsds/service_at_locations?postcode=10025&proximity=2000",
                      "compiled/service_at_location_list.json")
    assert [s["location"]["addresses"][0]["postal_code"] for s in close["contents"]] == ["10025"]
    wider = hsds_page(client, "/hsds/service_at_locations?postcode=10025&proximity=8000",
                      "compiled/service_at_location_list.json")
    assert [s["location"]["addresses"][0]["postal_code"] for s in wider["contents"]] == ["10025", "10016"]
    assert wider["contents"][1]["distance_meters"] > 2000
    one = wider["contents"][0]
    detail = hsds_record(client, f"/hsds/service_at_locations/{one['id']}", "service_at_location.json")
    assert detail["service"]["name"] == "Psychotherapy with Ada Quarrington"


@pytest.mark.parametrize("url, parameter", [
    ("/hsds/services?colour=blue", "colour"),
    ("/hsds/services?page=0", "page"),
    ("/hsds/services?per_page=101", "per_page"),
    ("/hsds/services?organization_id=123", "organization_id"),
    ("/hsds/services?format=xml", "format"),
    ("/hsds/services/00000000-0000-4000-8002-000000000001?format=ndjson", "format"),
    ("/hsds/organizations?postcode=10025", "postcode"),
    ("/hsds/service_at_locations?proximity=5000", "proximity"),
    ("/hsds/service_at_locations?postcode=10025&proximity=-4", "proximity"),
    ("/hsds/service_at_locations?postcode=10025&proximity=inf", "proximity"),
    ("/hsds/service_at_locations?postcode=1002", "postcode"),
    ("/hsds/service_at_locations?postcode=00000&proximity=100", "postcode"),
    ("/hsds/services/00000000-0000-4000-8002-000000000001?full=true", "full"),
])
def test_bad_parameters_answer_400_naming_them(client, directory, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


@pytest.mark.parametrize("kind", ["services", "organizations", "locations", "service_at_locations", "taxonomies",
                                  "taxonomy_terms"])
def test_unknown_ids_are_404(client, directory, kind):
    for record_id in ("nope", "00000000-0000-4000-8002-00000000ffff", str(uuid.uuid4())):
        response = client.get(f"/hsds/{kind}/{record_id}")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"]
    pending_office = directory["cy"].offices[0]
    assert client.get(f"/hsds/locations/00000000-0000-4000-8003-{pending_office.id:012x}").status_code == 404
