"""Open Referral HSDS 3.0 conformance, with the upstream artifacts (seed_data/hsds_v3_schema/) as the oracle.

Every operation's answers, lists and single items of each kind, validate against the upstream compiled
schemas; each upstream filter parameter filters; hostile values on them are refused with 400 naming the
parameter; and schemathesis, with the upstream OpenAPI document as the contract, finds no failure.
"""
import csv
import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)
from test_hsds_api import SCHEMA_DIR, assert_valid, hsds_page, hsds_record

from referral.hsds import views
from referral.hsds.contract import upstream_contract, upstream_openapi
from referral.models import LISTING_PENDING

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "seed_data" / "reference"
# The item schema of each list, and the schema of each single item, as the upstream openapi.json names them.
LIST_ITEMS = {
    "services": "compiled/service_list.json", "organizations": "compiled/organization_list.json",
    "service_at_locations": "compiled/service_at_location_list.json", "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
SINGLE_ITEMS = {
    "services": "compiled/service.json", "organizations": "compiled/organization.json",
    "service_at_locations": "compiled/service_at_location.json", "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
NYC = {"address1": "10 West Street", "city": "New York", "state": "NY", "zip": "10025", "lat": 40.7975, "lng": -73.9683}
MIDTOWN = {"address1": "1 Park Avenue", "city": "New York", "state": "NY", "zip": "10016", "lat": 40.7459, "lng": -73.9810}
BOISE = {"address1": "5 Main Street", "city": "Boise", "state": "ID", "zip": "83702", "lat": 43.6328, "lng": -116.2035}


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=timezone.utc)


@pytest.fixture
def catalogue(make_provider):
    """Three public clinicians with different terms and modification times, and one pending listing."""
    return {
        "ada": make_provider(first_name="Ada", last_name="Quarrington", npi="1234567893", offices=[NYC, MIDTOWN],
                             modalities=["psychodynamic", "cbt"], conditions=["depression", "anxiety"],
                             updated_at=_at(2024, 3, 1)),
        "bea": make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist", offices=[BOISE],
                             conditions=["depression"], fee_min=None, fee_max=None, phone="", updated_at=_at(2024, 6, 1)),
        "cy": make_provider(first_name="Cy", last_name="Rowntree", type="counselor", modalities=["cbt"],
                            updated_at=_at(2020, 1, 1)),
        "dee": make_provider(first_name="Dee", last_name="Pending", modalities=["cbt"], conditions=["anxiety"],
                             listing_status=LISTING_PENDING, updated_at=_at(2024, 6, 1)),
    }


def _json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    return response.get_json()


def _term_ids(client, taxonomy_name: str) -> dict[str, str]:
    """Term ids by code, of one taxonomy, from the API's own listing."""
    taxonomies = _json(client, "/hsds/taxonomies")["contents"]
    taxonomy_id = next(t["id"] for t in taxonomies if t["name"] == taxonomy_name)
    terms = _json(client, f"/hsds/taxonomy_terms?taxonomy_id={taxonomy_id}&per_page=100")["contents"]
    return {term["code"]: term["id"] for term in terms}


def _taxonomy_id(client, name: str) -> str:
    return next(t["id"] for t in _json(client, "/hsds/taxonomies")["contents"] if t["name"] == name)


def _surnames(page: dict) -> list[str]:
    return [item["name"].split()[-1] for item in page["contents"]]


def _org_surnames(page: dict) -> list[str]:
    return [item["service"]["name"].split()[-1] for item in page["contents"]]


# --- Every answer against the upstream compiled schemas ----------------------------------------------

@pytest.mark.parametrize("query", ["", "?full=true", "?minimal=true"])
def test_service_lists_validate(client, catalogue, query):
    page = hsds_page(client, f"/hsds/services{query}", LIST_ITEMS["services"])
    assert page["total_items"] == 3
    if query == "?full=true":
        for item in page["contents"]:
            assert_valid(item, SINGLE_ITEMS["services"])


@pytest.mark.parametrize("query", ["", "?full=true", "?full_service=true", "?full=true&full_service=false"])
def test_organization_lists_validate(client, catalogue, query):
    page = hsds_page(client, f"/hsds/organizations{query}", LIST_ITEMS["organizations"])
    assert page["total_items"] == 3
    for item in page["contents"]:
        if query:
            assert_valid(item, SINGLE_ITEMS["organizations"])
            assert len(item["services"]) == 1
        else:
            assert "services" not in item


@pytest.mark.parametrize("query", ["", "?full=true", "?postcode=10025&proximity=8000&full=true"])
def test_service_at_location_lists_validate(client, catalogue, query):
    page = hsds_page(client, f"/hsds/service_at_locations{query}", LIST_ITEMS["service_at_locations"])
    assert page["total_items"] == (3 if "postcode" in query else 4)  # Cy's one office is in 10025
    if "full" in query:
        for item in page["contents"]:
            assert_valid(item, SINGLE_ITEMS["service_at_locations"])


def test_every_single_item_validates(client, catalogue):
    for kind in ("services", "organizations", "service_at_locations"):
        for item in _json(client, f"/hsds/{kind}?per_page=100")["contents"]:
            hsds_record(client, f"/hsds/{kind}/{item['id']}", SINGLE_ITEMS[kind])
            if kind == "organizations":
                hsds_record(client, f"/hsds/organizations/{item['id']}?full_service=true", SINGLE_ITEMS[kind])
    for taxonomy in hsds_page(client, "/hsds/taxonomies", LIST_ITEMS["taxonomies"])["contents"]:
        assert hsds_record(client, f"/hsds/taxonomies/{taxonomy['id']}", SINGLE_ITEMS["taxonomies"]) == taxonomy
    page_number, seen = 1, 0
    while True:
        page = hsds_page(client, f"/hsds/taxonomy_terms?per_page=100&page={page_number}", LIST_ITEMS["taxonomy_terms"])
        for term in page["contents"]:
            assert hsds_record(client, f"/hsds/taxonomy_terms/{term['id']}", SINGLE_ITEMS["taxonomy_terms"]) == term
        seen += page["size"]
        if page["last_page"]:
            break
        page_number += 1
    assert seen == page["total_items"] > 0


def test_organization_services_carry_the_required_fields(client, catalogue):
    """The nested services of an organization have what compiled/organization.json requires of them."""
    org_id = _json(client, "/hsds/organizations?search=Quarrington")["contents"][0]["id"]
    required = json.loads((SCHEMA_DIR / "compiled" / "organization.json").read_text())["properties"]["services"]["items"]["required"]
    summary = _json(client, f"/hsds/organizations/{org_id}")["services"][0]
    assert set(required) <= set(summary) and "service_at_locations" not in summary
    full = _json(client, f"/hsds/organizations/{org_id}?full_service=true")["services"][0]
    assert set(required) <= set(full)
    assert len(full["service_at_locations"]) == 2 and full["attributes"]
    assert full["organization_id"] == org_id and "organization" not in full


# --- Taxonomies and the terms on services ------------------------------------------------------------

def _reference_rows(name: str) -> list[dict]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_taxonomies_hold_the_reference_lists(client, catalogue):
    taxonomies = _json(client, "/hsds/taxonomies")["contents"]
    assert [t["name"] for t in taxonomies] == ["Provider types", "Psychotherapy modalities", "Concerns"]
    expected = {
        "Provider types": {row["slug"] for row in _reference_rows("provider_types.csv")},
        "Psychotherapy modalities": {row["slug"] for row in _reference_rows("modalities.csv")},
        "Concerns": {row["slug"] for row in _reference_rows("conditions_icd10cm.csv")},
    }
    nucc = {row["code"] for row in _reference_rows("nucc_behavioral_health_v25.1.csv")}
    for taxonomy in taxonomies:
        page = _json(client, f"/hsds/taxonomy_terms?taxonomy_id={taxonomy['id']}&per_page=100")
        assert page["total_items"] == len(expected[taxonomy["name"]]) == page["size"]
        assert {term["taxonomy_id"] for term in page["contents"]} == {taxonomy["id"]}
        codes = {term["code"] for term in page["contents"]}
        if taxonomy["name"] == "Provider types":
            assert codes <= nucc  # each provider type's term code is a NUCC taxonomy code
        else:
            assert codes == expected[taxonomy["name"]]
    assert _json(client, "/hsds/taxonomies?search=modalities")["total_items"] == 1


def test_concern_terms_list_their_icd10cm_codes(client, catalogue):
    depression = _json(client, "/hsds/taxonomy_terms?search=depression")["contents"]
    codes = [row["icd10cm_code"] for row in _reference_rows("conditions_icd10cm.csv") if row["slug"] == "depression"]
    assert len(depression) == 1 and all(code in depression[0]["description"] for code in codes)


def test_terms_search_parent_and_top_only(client, catalogue):
    everything = _json(client, "/hsds/taxonomy_terms?per_page=100")
    assert _json(client, "/hsds/taxonomy_terms?per_page=100&top_only=true") == everything
    assert all("parent_id" not in term for term in everything["contents"])
    a_term = everything["contents"][0]["id"]
    assert _json(client, f"/hsds/taxonomy_terms?parent_id={a_term}")["total_items"] == 0
    found = _json(client, "/hsds/taxonomy_terms?search=behavior%20dialectical")["contents"]
    assert [term["code"] for term in found] == ["dbt"]


def test_service_attributes_link_terms_of_the_taxonomies(client, catalogue):
    service_id = _json(client, "/hsds/services?search=Quarrington")["contents"][0]["id"]
    service = _json(client, f"/hsds/services/{service_id}")
    attributes = service["attributes"]
    assert {(a["link_type"], a["taxonomy_term"]["code"]) for a in attributes} == {
        ("provider_type", "103T00000X"), ("modality", "psychodynamic"), ("modality", "cbt"),
        ("concern", "depression"), ("concern", "anxiety")}
    assert len({a["id"] for a in attributes}) == len(attributes)
    for attribute in attributes:
        assert (attribute["link_id"], attribute["link_entity"]) == (service_id, "service")
        term = _json(client, f"/hsds/taxonomy_terms/{attribute['taxonomy_term_id']}")
        assert {k: v for k, v in term.items() if k != "taxonomy_detail"} == attribute["taxonomy_term"]


# --- Each upstream filter parameter ------------------------------------------------------------------

def test_taxonomy_term_id_filters_services_and_places(client, catalogue):
    modalities, concerns = _term_ids(client, "Psychotherapy modalities"), _term_ids(client, "Concerns")
    types = _term_ids(client, "Provider types")
    assert _surnames(_json(client, f"/hsds/services?taxonomy_term_id={modalities['cbt']}")) == ["Quarrington", "Rowntree"]
    assert _surnames(_json(client, f"/hsds/services?taxonomy_term_id={concerns['anxiety']}")) == ["Quarrington"]
    assert _surnames(_json(client, f"/hsds/services?taxonomy_term_id={types['2084P0800X']}")) == ["Quillfeather"]
    assert _json(client, f"/hsds/services?taxonomy_term_id={modalities['dbt']}")["total_items"] == 0
    places = _json(client, f"/hsds/service_at_locations?taxonomy_term_id={modalities['cbt']}")
    assert sorted(_org_surnames(places)) == ["Quarrington", "Quarrington", "Rowntree"]
    near = _json(client, f"/hsds/service_at_locations?taxonomy_term_id={concerns['depression']}&postcode=83702&proximity=5000")
    assert _org_surnames(near) == ["Quillfeather"]
    org_id = _json(client, "/hsds/organizations?search=Rowntree")["contents"][0]["id"]
    both = f"/hsds/services?taxonomy_term_id={modalities['cbt']}&organization_id={org_id}"
    assert _surnames(_json(client, both)) == ["Rowntree"]
    unknown_item = modalities["cbt"][:-12] + f"{999999:012x}"
    assert _json(client, f"/hsds/services?taxonomy_term_id={unknown_item}")["total_items"] == 0


def test_taxonomy_id_filters_by_any_term_of_the_taxonomy(client, catalogue):
    modalities, concerns = _taxonomy_id(client, "Psychotherapy modalities"), _taxonomy_id(client, "Concerns")
    types = _taxonomy_id(client, "Provider types")
    assert _surnames(_json(client, f"/hsds/services?taxonomy_id={modalities}")) == ["Quarrington", "Rowntree"]
    assert _surnames(_json(client, f"/hsds/services?taxonomy_id={concerns}")) == ["Quarrington", "Quillfeather"]
    assert _json(client, f"/hsds/services?taxonomy_id={types}")["total_items"] == 3
    assert sorted(_org_surnames(_json(client, f"/hsds/service_at_locations?taxonomy_id={concerns}"))) == [
        "Quarrington", "Quarrington", "Quillfeather"]
    cbt = _term_ids(client, "Psychotherapy modalities")["cbt"]
    assert _json(client, f"/hsds/services?taxonomy_id={concerns}&taxonomy_term_id={cbt}")["total_items"] == 1


@pytest.mark.parametrize("moment, expected", [
    ("2024-03-01T00:00:00Z", ["Quarrington", "Quillfeather"]),  # on or after: the moment itself counts
    ("2024-03-01T00:00:00.001Z", ["Quillfeather"]),
    ("2024-03-01T01:00:00+02:00", ["Quarrington", "Quillfeather"]),  # 23:00 UTC the day before
    ("2024-02-29t23:59:60z", ["Quarrington", "Quillfeather"]),  # a leap second is the minute's last second
    ("2024-04-01T00:00:00-05:00", ["Quillfeather"]),
    ("2019-12-31T23:00:00Z", ["Quarrington", "Quillfeather", "Rowntree"]),
    ("2030-01-01T00:00:00Z", []),
    ("9999-12-31T23:59:59-05:00", []),  # past the last moment datetime holds in UTC
    ("0001-01-01T00:00:00+05:00", ["Quarrington", "Quillfeather", "Rowntree"]),  # before the first
])
def test_modified_after(client, catalogue, moment, expected):
    assert _surnames(_json(client, f"/hsds/services?modified_after={quote(moment)}")) == expected
    places = _json(client, f"/hsds/service_at_locations?modified_after={quote(moment)}")
    assert sorted(set(_org_surnames(places))) == sorted(expected)


def test_minimal_services(client, catalogue):
    page = _json(client, "/hsds/services?minimal=true")
    assert [set(item) for item in page["contents"]] == [{"id", "name", "status", "last_modified"}] * 3
    assert page["contents"][0]["last_modified"].startswith("2024-03-01T00:00:00")
    assert _json(client, "/hsds/services?minimal=true&full=true") == page  # minimal comes before full
    every = client.get("/hsds/services?minimal=true&format=ndjson").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in every] == page["contents"]  # every service in one call


def test_full_lists_hold_the_single_items(client, catalogue):
    for kind in ("services", "organizations", "service_at_locations"):
        for item in _json(client, f"/hsds/{kind}?full=true")["contents"]:
            single = _json(client, f"/hsds/{kind}/{item['id']}")
            assert {k: v for k, v in item.items() if k != "distance_meters"} == single
    for item in _json(client, "/hsds/organizations?full_service=true")["contents"]:
        assert item == _json(client, f"/hsds/organizations/{item['id']}?full_service=true")


@pytest.mark.parametrize("url", ["/hsds/services", "/hsds/services?minimal=true", "/hsds/organizations?full=true",
                                 "/hsds/service_at_locations?search=Quarrington", "/hsds/taxonomy_terms",
                                 "/hsds/taxonomies", "/hsds/locations"])
def test_ndjson_streams_every_item_without_pages(client, catalogue, url):
    joiner = "&" if "?" in url else "?"
    paged, page_number = [], 1
    while True:
        page = _json(client, f"{url}{joiner}per_page=2&page={page_number}")
        paged += page["contents"]
        if page["last_page"]:
            break
        page_number += 1
    for query in ("format=ndjson", "format=ndjson&page=2&per_page=1"):  # no pages: page and per_page do not apply
        response = client.get(f"{url}{joiner}{query}")
        assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
        assert [json.loads(line) for line in response.get_data(as_text=True).splitlines()] == paged


def test_ndjson_streams_batch_after_batch(client, catalogue, monkeypatch):
    monkeypatch.setattr(views, "STREAM_BATCH", 7)
    terms = [json.loads(line) for line in client.get("/hsds/taxonomy_terms?format=ndjson").get_data(as_text=True).splitlines()]
    assert len(terms) == len({term["id"] for term in terms}) == _json(client, "/hsds/taxonomy_terms")["total_items"] > 7 * 3


# --- Hostile values on the new parameters ------------------------------------------------------------

HOSTILE = ["%00", "x" * 5000, "9" * 400, "1e309", "-1", "00000000-0000-4000-8002-zzzzzzzzzzzz",
           "00000000-0000-4000-8002-000000000001", "{}", "%F0%9F%92%A9", "%ff"]
NEW_PARAMETERS = {
    "taxonomy_term_id": ["services", "service_at_locations"],
    "taxonomy_id": ["services", "service_at_locations", "taxonomy_terms"],
    "parent_id": ["taxonomy_terms"],
    "modified_after": ["services", "service_at_locations"],
    "minimal": ["services"],
    "full": ["services", "organizations", "service_at_locations"],
    "full_service": ["organizations"],
    "top_only": ["taxonomy_terms"],
    "format": ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"],
}


@pytest.mark.parametrize("parameter, lists", NEW_PARAMETERS.items())
def test_hostile_values_are_refused_naming_the_parameter(client, catalogue, parameter, lists):
    for kind in lists:
        for value in HOSTILE:
            response = client.get(f"/hsds/{kind}?{parameter}={value}")
            assert response.status_code == 400, (kind, parameter, value[:40], response.status_code)
            assert response.get_json()["error"]["parameter"] == parameter, (kind, value[:40])
        twice = client.get(f"/hsds/{kind}?{parameter}=true&{parameter}=false")
        assert twice.status_code == 400 and twice.get_json()["error"]["parameter"] == parameter


@pytest.mark.parametrize("url, parameter", [
    ("/hsds/services?modified_after=2024-02-30T00:00:00Z", "modified_after"),
    ("/hsds/services?modified_after=2024-03-01", "modified_after"),  # a date-time, not a date
    ("/hsds/services?modified_after=", "modified_after"),
    ("/hsds/services?modified_after=2024-03-01T00:00:00", "modified_after"),  # with its offset
    ("/hsds/services?modified_after=2024-03-01T00:00:00%2B24:00", "modified_after"),
    ("/hsds/services?format=ndjson&page=0", "page"),
    ("/hsds/services?per_page=%C2%B2", "per_page"),
    ("/hsds/organizations?taxonomy_id=00000000-0000-4000-800a-000000000001", "taxonomy_id"),
    ("/hsds/taxonomies?taxonomy_id=00000000-0000-4000-800a-000000000001", "taxonomy_id"),
    ("/hsds/taxonomy_terms?taxonomy_id=00000000-0000-4000-800a-000000000009", "taxonomy_id"),
    ("/hsds/organizations/00000000-0000-4000-8001-000000000001?full=true", "full"),
    ("/hsds/taxonomy_terms/00000000-0000-4000-800c-000000000001?format=ndjson", "format"),
])
def test_other_refusals(client, catalogue, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


@pytest.mark.parametrize("path", ["/hsds/taxonomies/00000000-0000-4000-800a-000000000004",
                                  "/hsds/taxonomy_terms/00000000-0000-4000-800c-0000000f4240",
                                  "/hsds/taxonomy_terms/00000000-0000-4000-8002-000000000001",
                                  "/hsds/taxonomy_terms/" + "f" * 3000])
def test_unknown_taxonomies_and_terms_are_404(client, catalogue, path):
    response = client.get(path)
    assert response.status_code == 404 and response.get_json()["error"]["message"]


# --- Schemathesis with the upstream OpenAPI document as the contract ---------------------------------

def test_the_contract_is_the_upstream_document():
    """Apart from where it is served and the one correction, the contract is openapi.json as upstream wrote it."""
    contract, upstream = upstream_contract(), upstream_openapi()
    assert set(contract["paths"]) == set(upstream["paths"]) and contract["servers"] == [{"url": "/hsds"}]
    for path, operations in upstream["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                assert contract["paths"][path][method].get("parameters") == operation.get("parameters")
    assert "$ref" not in json.dumps(contract["paths"]).replace('"$ref": "#/components', "")
    answer = contract["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == json.loads((SCHEMA_DIR / "compiled" / "service_at_location.json").read_text())
    terms = contract["paths"]["/taxonomy_terms/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert terms["schema"]["properties"]["taxonomy_detail"]["properties"]["metadata"]["items"]["required"]


CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, negative_data_rejection]
upstream = schemathesis.openapi.from_dict(upstream_contract())


@pytest.fixture
def fuzzed_app(app, make_provider):
    """The app over a handful of providers with terms of every taxonomy."""
    make_provider(first_name="Ada", last_name="Quarrington", npi="1234567893", modalities=["psychodynamic", "cbt"],
                  conditions=["depression"], offices=[NYC, MIDTOWN])
    make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist", offices=[BOISE], phone="")
    return app


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # about the answers, not the engine
@upstream.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_upstream_contract_holds(case, fuzzed_app):
    """Upstream documents only the 200 answers, so refusals (400, 404) are checked for shape by the tests above."""
    case.call_and_validate(app=fuzzed_app, checks=CHECKS)
