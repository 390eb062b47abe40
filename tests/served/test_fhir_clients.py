"""An off-the-shelf FHIR client (fhirpy) against the served directory: searching by specialty near a point,
following paging, with _include, counting and asking for elements."""
from __future__ import annotations

import requests
from fhirpy import SyncFHIRClient

PSYCHIATRY = "http://nucc.org/provider-taxonomy|2084P0800X"
MANHATTAN = "40.7975|-73.9683|25|mi"


def _client(served) -> SyncFHIRClient:
    return SyncFHIRClient(f"{served.url}/fhir", extra_headers={"Accept": "application/fhir+json"})


def test_fhirpy_finds_psychiatrists_near_a_point_across_pages_with_their_practitioners(served):
    client = _client(served)
    search = (client.resources("PractitionerRole")
              .search(specialty=PSYCHIATRY, **{"location.near": MANHATTAN})
              .include("PractitionerRole", "practitioner")
              .limit(3))
    total = search.count()
    roles = search.fetch_all()
    assert total > 3, "the demo directory has several psychiatrists near Manhattan, so paging is exercised"
    assert len(roles) == total == len({role.id for role in roles})
    for role in roles:
        codes = {coding["code"] for specialty in role["specialty"] for coding in specialty["coding"]}
        assert "2084P0800X" in codes
    first_page = search.fetch_raw()
    included = [e.resource for e in first_page.entry if e.search.mode == "include"]
    practitioners = {e.resource.practitioner.reference for e in first_page.entry if e.search.mode == "match"}
    assert {f"Practitioner/{p.id}" for p in included} == practitioners


def test_fhirpy_reads_elements_and_a_single_resource(served):
    client = _client(served)
    practitioner = client.resources("Practitioner").elements("name").first()
    assert practitioner is not None and "name" in practitioner and "qualification" not in practitioner
    again = client.reference("Practitioner", practitioner.id).to_resource()
    assert again.id == practitioner.id and again["name"] == practitioner["name"]


def test_conditional_read_and_not_acceptable_over_http(served):
    url = f"{served.url}/fhir/Location"
    first = requests.get(url, params={"_count": 1}, timeout=10).json()["entry"][0]["resource"]
    read = requests.get(f"{url}/{first['id']}", timeout=10)
    assert read.status_code == 200 and read.headers["ETag"].startswith('W/"')
    again = requests.get(f"{url}/{first['id']}", headers={"If-None-Match": read.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    xml = requests.get(url, headers={"Accept": "application/fhir+xml"}, timeout=10)
    assert xml.status_code == 406 and xml.json()["resourceType"] == "OperationOutcome"
