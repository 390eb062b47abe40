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
        e["resource"]["id"] for e in bundle.get("entry", [])
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
    ("/fhir/Practitioner?name:sounds=Ada", "name:sounds"),
    ("/fhir/PractitionerRole?specialty:exact=103T00000X", "specialty:exact"),
    ("/fhir/PractitionerRole?location.colour=blue", "location.colour"),
    ("/fhir/Practitioner?name.family=Ada", "name.family"),
    ("/fhir/Practitioner?_count=abc", "_count"),
    ("/fhir/Practitioner?_count=-1", "_count"),
    ("/fhir/Practitioner?_offset=-1", "_offset"),
    ("/fhir/Practitioner?_summary=everything", "_summary"),
    ("/fhir/Practitioner?_total=some", "_total"),
    ("/fhir/Practitioner?_lastUpdated=yesterday", "_lastUpdated"),
    ("/fhir/Practitioner?_lastUpdated=ge2026-02-30", "_lastUpdated"),
    ("/fhir/Practitioner?_lastUpdated=2026-01-01T10:00:00-80:80", "_lastUpdated"),
    ("/fhir/InsurancePlan?_lastUpdated=%C2%84", "_lastUpdated"),
    ("/fhir/Location?near=91|0|5|mi", "near"),
    ("/fhir/Location?near=40|-73|5|furlongs", "near"),
    ("/fhir/Location?near=40|-73|5000|mi", "near"),
    ("/fhir/Location?near=abc", "near"),
    ("/fhir/Location?near=nan|0", "near"),
])
def test_bad_values_answer_400_naming_the_parameter(client, directory, url, parameter):
    body = fhir_json(client.get(url), 400)
    outcome = OperationOutcome.model_validate(body)
    assert outcome.issue[0].code == "invalid"
    assert body["issue"][0]["expression"] == [parameter]


def outcome_warnings(bundle) -> list[str]:
    return [expression for entry in bundle.get("entry", []) if entry["search"]["mode"] == "outcome"
            for issue in entry["resource"]["issue"] for expression in issue["expression"]]


@pytest.mark.parametrize("query, parameter", [
    ("colour=blue", "colour"),
    ("_sort=family", "_sort"),
    ("_include=Practitioner:nothing", "_include"),
    ("_summary=true", "_summary"),
])
def test_unknown_parameters_are_ignored_and_reported_unless_strict(client, directory, query, parameter):
    lenient = search(client, f"/fhir/Practitioner?{query}")
    assert lenient["total"] == 4
    assert outcome_warnings(lenient) == [parameter]
    assert not any(parameter in link["url"] for link in lenient["link"] if parameter != "_summary")
    strict = client.get(f"/fhir/Practitioner?{query}", headers={"Prefer": "handling=strict"})
    if parameter == "_summary":
        assert strict.status_code == 400
    else:
        assert fhir_json(strict, 400)["issue"][0]["expression"] == [parameter]


def test_references_to_nothing_of_ours_match_nothing(client, directory):
    for query in ("practitioner=Location/1", "location=abc", "organization=Organization/practice-0",
                  "network=Organization/network-self-pay"):
        bundle = search(client, f"/fhir/PractitionerRole?{query}")
        assert bundle["total"] == 0 and "entry" not in bundle, query
    assert search(client, "/fhir/Location?address-state=Narnia")["total"] == 0


def test_repeated_parameters_all_hold_and_commas_are_alternatives(client, directory):
    assert ids(search(client, "/fhir/Practitioner?name=a&name=q")) == [str(directory["ada"].id)]
    assert ids(search(client, "/fhir/Practitioner?name=a&name=zz")) == []
    assert sorted(ids(search(client, "/fhir/Practitioner?family=Row,Quill"))) == sorted(
        [str(directory["dee"].id), str(directory["bea"].id)])
    offices = [office.id for provider in directory.values() for office in provider.offices]
    many = ",".join(f"Location/{office_id}" for office_id in offices * 3 + list(range(9000, 9040)))
    assert len(many) > 100
    assert search(client, f"/fhir/PractitionerRole?location={many}")["total"] == 4


def test_count_is_clamped_and_zero_counts_only(client, directory):
    clamped = search(client, "/fhir/Practitioner?_count=1000")
    assert len(ids(clamped)) == 4 and outcome_warnings(clamped) == ["_count"]
    counted = search(client, "/fhir/Practitioner?_count=0")
    assert counted["total"] == 4 and "entry" not in counted
    summary = search(client, "/fhir/Practitioner?_summary=count&family=Q")
    assert summary["total"] == 2 and "entry" not in summary
    assert "total" not in search(client, "/fhir/Practitioner?_total=none")


def test_elements_subsets_matches_and_marks_them(client, directory):
    bundle = search(client, f"/fhir/Practitioner?_id={directory['ada'].id}&_elements=name")
    resource = bundle["entry"][0]["resource"]
    assert set(resource) == {"resourceType", "id", "meta", "name"}
    assert any(tag["code"] == "SUBSETTED" for tag in resource["meta"]["tag"])


def test_other_formats_answer_406(client, directory):
    for url, headers in (("/fhir/Practitioner?_format=xml", {}),
                         ("/fhir/Practitioner", {"Accept": "application/fhir+xml"}),
                         (f"/fhir/Practitioner/{directory['ada'].id}", {"Accept": "application/xml"})):
        body = fhir_json(client.get(url, headers=headers), 406)
        assert body["resourceType"] == "OperationOutcome"
    assert client.get("/fhir/Practitioner", headers={"Accept": "text/html,*/*;q=0.8"}).status_code == 200


def test_search_by_post_matches_search_by_get(client, directory):
    got = search(client, "/fhir/PractitionerRole?specialty=2084P0800X&_include=PractitionerRole:practitioner")
    posted = client.post("/fhir/PractitionerRole/_search?_include=PractitionerRole:practitioner",
                         data={"specialty": "2084P0800X"})
    body = fhir_json(posted)
    assert [e["resource"]["id"] for e in body["entry"]] == [e["resource"]["id"] for e in got["entry"]]
    refused = client.post("/fhir/PractitionerRole", data={"specialty": "2084P0800X"})
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]
    assert fhir_json(refused, 405)["resourceType"] == "OperationOutcome"


def test_read_vread_history_and_conditional_reads(client, directory):
    ada = directory["ada"]
    first = client.get(f"/fhir/Practitioner/{ada.id}")
    body = fhir_json(first)
    version = body["meta"]["versionId"]
    assert first.headers["ETag"] == f'W/"{version}"' and first.headers["Last-Modified"]
    assert client.get(f"/fhir/Practitioner/{ada.id}", headers={"If-None-Match": f'W/"{version}"'}).status_code == 304
    assert client.get(f"/fhir/Practitioner/{ada.id}",
                      headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    assert client.get(f"/fhir/Practitioner/{ada.id}", headers={"If-None-Match": 'W/"999"'}).status_code == 200
    assert fhir_json(client.get(f"/fhir/Practitioner/{ada.id}/_history/{version}"))["id"] == str(ada.id)
    fhir_json(client.get(f"/fhir/Practitioner/{ada.id}/_history/999"), 404)
    history = fhir_json(client.get(f"/fhir/Practitioner/{ada.id}/_history"))
    Bundle.model_validate(history)
    assert history["type"] == "history" and history["entry"][0]["resource"]["id"] == str(ada.id)


def test_accents_and_case_are_ignored_in_strings(client, make_provider):
    zoe = make_provider(first_name="Zoë", last_name="Ångström", offices=[{**NYC, "city": "São Tomé"}])
    assert ids(search(client, "/fhir/Practitioner?name=zoe")) == [str(zoe.id)]
    assert ids(search(client, "/fhir/Practitioner?family=ANGSTR")) == [str(zoe.id)]
    assert ids(search(client, "/fhir/Practitioner?given:exact=Zoe")) == []
    assert ids(search(client, "/fhir/Practitioner?given:exact=Zoë")) == [str(zoe.id)]
    assert ids(search(client, "/fhir/Location?address-city=sao")) == [str(zoe.offices[0].id)]
    assert ids(search(client, "/fhir/Location?address-city:contains=tome")) == [str(zoe.offices[0].id)]
    assert ids(search(client, "/fhir/PractitionerRole?location.address-city=Sao%20T")) == [str(zoe.id)]
