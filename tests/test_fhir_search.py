"""FHIR searches: parameters, searchset Bundles with paging links, _include, and 400 OperationOutcomes."""
from urllib.parse import urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from test_fhir_resources import fhir_json

NYC = {"address1": "10 West Street", "city": "New York", "state": "NY", "zip": "10025", "lat": 40.7975, "lng": -73.9683}
BOISE = {"address1": "5 Main Street", "city": "Boise", "state": "ID", "zip": "83702", "lat": 43.6328, "lng": -116.2035}
NEWARK = {"address1": "9 Broad Street", "city": "Newark", "state": "NJ", "zip": "07102", "lat": 40.7357, "lng": -74.1724}


@pytest.fixture
def directory(make_provider):
    """Four clinicians in New York, Newark and Boise."""
    return {
        "ada": make_provider(first_name="Ada", last_name="Quarrington", npi="1234567893", offices=[NYC]),
        "bea": make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist", npi="1234567901", offices=[BOISE]),
        "cy": make_provider(first_name="Cy", last_name="Adaire", type="counselor", offices=[NEWARK, BOISE]),
        "dee": make_provider(first_name="Dee", last_name="Rowntree", taxonomy_code="103TC0700X", offices=[NYC]),
    }


def search(client, url):
    body = fhir_json(client.get(url))
    Bundle.model_validate(body)
    assert body["type"] == "searchset"
    return body


def ids(bundle, mode="match", resource_type=None):
    return [
        e["resource"]["id"] for e in bundle["entry"]
        if e["search"]["mode"] == mode and (resource_type is None or e["resource"]["resourceType"] == resource_type)
    ]


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize("query, expected", [
    ("name=qu", ["ada", "bea"]),
    ("name=Ada", ["cy", "ada"]),  # Adaire (family) and Ada (given), sorted by last name
    ("name=bea quill", ["bea"]),
    ("family=Row", ["dee"]),
    ("given=cy", ["cy"]),
    ("identifier=http://hl7.org/fhir/sid/us-npi|1234567893", ["ada"]),
    ("identifier=1234567901,1234567893", ["ada", "bea"]),
    ("identifier=http://example.org/other|1234567893", []),
])
def test_practitioner_search_parameters(client, directory, query, expected):
    bundle = search(client, f"/fhir/Practitioner?{query}")
    assert ids(bundle) == [str(directory[key].id) for key in expected]
    assert bundle["total"] == len(expected)


def test_practitioner_role_by_specialty_practitioner_and_location(client, directory):
    psychiatry = search(client, "/fhir/PractitionerRole?specialty=http://nucc.org/provider-taxonomy|2084P0800X")
    assert ids(psychiatry) == [str(directory["bea"].id)]
    clinical = search(client, "/fhir/PractitionerRole?specialty=103tc0700x")
    assert ids(clinical) == [str(directory["dee"].id)]
    by_practitioner = search(client, f"/fhir/PractitionerRole?practitioner=Practitioner/{directory['cy'].id}")
    assert ids(by_practitioner) == [str(directory["cy"].id)]
    boise_office = directory["bea"].offices[0]
    by_location = search(client, f"/fhir/PractitionerRole?location=Location/{boise_office.id}")
    assert ids(by_location) == [str(directory["bea"].id)]


def test_practitioner_role_include(client, directory):
    cy = directory["cy"]
    bundle = search(client, f"/fhir/PractitionerRole?practitioner={cy.id}"
                            "&_include=PractitionerRole:practitioner&_include=PractitionerRole:location")
    assert bundle["total"] == 1
    assert ids(bundle, "include", "Practitioner") == [str(cy.id)]
    assert ids(bundle, "include", "Location") == [str(o.id) for o in cy.offices]
    plain = search(client, f"/fhir/PractitionerRole?practitioner={cy.id}")
    assert ids(plain, "include") == []


def test_location_search_by_address(client, directory):
    boise = search(client, "/fhir/Location?address-city=boi")
    assert sorted(ids(boise)) == sorted([str(directory["bea"].offices[0].id), str(directory["cy"].offices[1].id)])
    assert len(ids(search(client, "/fhir/Location?address-state=nj"))) == 1
    assert ids(search(client, "/fhir/Location?address-postalcode=100")) == [
        str(directory["ada"].offices[0].id), str(directory["dee"].offices[0].id)]


def test_location_near_orders_by_distance_and_respects_units(client, directory):
    # Newark lies about 11 miles (18 km) from the Upper West Side office.
    near_10_miles = search(client, "/fhir/Location?near=40.7975|-73.9683|10|mi")
    assert len(ids(near_10_miles)) == 2
    near_15_miles = search(client, "/fhir/Location?near=40.7975|-73.9683|15|mi")
    assert ids(near_15_miles)[-1] == str(directory["cy"].offices[0].id)
    near_15_km = search(client, "/fhir/Location?near=40.7975|-73.9683|15|km")
    assert len(ids(near_15_km)) == 2
    assert search(client, "/fhir/Location?near=40.7975|-73.9683|20")["total"] == 3  # km by default


def test_paging_links_walk_every_match_once(client, directory):
    bundle = search(client, "/fhir/Practitioner?_count=3")
    assert bundle["total"] == 4
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert "previous" not in links and "next" in links
    second = search(client, relative(links["next"]))
    second_links = {link["relation"]: link["url"] for link in second["link"]}
    assert "next" not in second_links and "previous" in second_links
    seen = ids(bundle) + ids(second)
    assert sorted(seen) == sorted(str(p.id) for p in directory.values())
    assert ids(search(client, relative(second_links["previous"]))) == ids(bundle)


@pytest.mark.parametrize("url, parameter", [
    ("/fhir/Practitioner?colour=blue", "colour"),
    ("/fhir/Practitioner?name:exact=Ada", "name:exact"),
    ("/fhir/Practitioner?_count=0", "_count"),
    ("/fhir/Practitioner?_count=abc", "_count"),
    ("/fhir/Practitioner?_offset=-1", "_offset"),
    ("/fhir/Practitioner?name=a&name=b", "name"),
    ("/fhir/Practitioner?_format=xml", "_format"),
    ("/fhir/Location?specialty=103T00000X", "specialty"),
    ("/fhir/PractitionerRole?practitioner=Location/1", "practitioner"),
    ("/fhir/PractitionerRole?location=abc", "location"),
    ("/fhir/PractitionerRole?_include=PractitionerRole:endpoint", "_include"),
    ("/fhir/Location?near=91|0|5|mi", "near"),
    ("/fhir/Location?near=40|-73|5|furlongs", "near"),
    ("/fhir/Location?near=40|-73|5000|mi", "near"),
    ("/fhir/Location?near=abc", "near"),
    ("/fhir/Location?near=nan|0", "near"),
    ("/fhir/Location?address-state=Narnia", "address-state"),
    ("/fhir/Practitioner?family=" + "x" * 101, "family"),
])
def test_bad_parameters_answer_400_naming_them(client, directory, url, parameter):
    body = fhir_json(client.get(url), 400)
    outcome = OperationOutcome.model_validate(body)
    assert outcome.issue[0].code == "invalid"
    assert body["issue"][0]["expression"] == [parameter]
