"""A place that names no single place: "Did you mean" choices on the search page, suggestions in the API."""
import html
import re
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

from referral.api.openapi import build_document


def choice_links(response) -> list[tuple[str, dict]]:
    """(label, query) of each link in the page's "Did you mean" list."""
    body = response.get_data(as_text=True)
    block = re.search(r'<div class="place-choices">(.*?)</div>', body, re.S)
    assert block, "no place choices on the page"
    return [(html.unescape(label), parse_qs(urlsplit(html.unescape(href)).query))
            for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(1))]


def test_an_ambiguous_place_offers_the_likeliest_places_keeping_the_rest_of_the_search(client):
    response = client.get("/search?near=Springfield&radius=10&modality=psychodynamic&modality=cbt&sort=fee&page=2")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Did you mean one of these places?" in body
    assert "There is more than one place called “Springfield”. Choose one, or add the state, like “Springfield, MO”." in body
    links = choice_links(response)
    assert [label for label, _ in links[:3]] == ["Springfield, Missouri", "Springfield, Massachusetts", "Springfield, Illinois"]
    for label, query in links:
        assert not re.search(r", [A-Z]{2}$", label)  # state names people read, not codes
        assert query == {"near": [f"Springfield, {query['near'][0][-2:]}"], "radius": ["10"],
                         "modality": ["psychodynamic", "cbt"], "sort": ["fee"]}


def test_a_choice_leads_to_results_from_that_place(client):
    _, query = choice_links(client.get("/search?near=Bosie%2C+ID&q=anxiety"))[0]
    assert query == {"near": ["Boise, ID"], "q": ["anxiety"]}
    response = client.get("/search", query_string=query)
    assert response.status_code == 200
    assert "Did you mean" not in response.get_data(as_text=True)


@pytest.mark.parametrize("near", ["Boise ID", "Boise, Idaho", "Boise, ID 83702", "83702-1234", "NYC", "New York NY"])
def test_places_as_people_type_them_give_results(client, make_provider, near):
    make_provider(last_name="Boisean", offices=[{"lat": 43.6322, "lng": -116.2052, "zip": "83702", "city": "Boise",
                                                  "state": "ID"}])
    response = client.get("/search", query_string={"near": near})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Did you mean" not in body and "We could not find" not in body
    assert ("Boisean" in body) == (near not in ("NYC", "New York NY"))


def test_an_unknown_place_with_nothing_close_says_what_to_enter_and_offers_no_list(client):
    response = client.get("/search?near=Xyzzyqwv")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "We could not find “Xyzzyqwv”. Enter a 5-digit ZIP code or a city and state, like “Boise, ID”." in body
    assert "place-choices" not in body


@pytest.mark.parametrize("near", ["a" * 201, "Springfield" * 50, "Boise,, ID", ",", "%FF", "%ED%B3%BF", "Boise%00, ID"])
def test_hostile_places_on_the_page_are_refused_calmly(client, near):
    response = client.get(f"/search?near={near}")
    assert response.status_code == 400
    assert "Did you mean" not in response.get_data(as_text=True)


# --- The API --------------------------------------------------------------------------------------------------
def search_error_schema() -> dict:
    document = build_document()
    return {**document["components"]["schemas"]["SearchError"], "components": document["components"]}


@pytest.mark.parametrize("path", ["/api/v1/providers", "/api/v1/providers.csv"])
def test_the_api_names_near_and_carries_suggestions(client, path):
    response = client.get(path, query_string={"near": "Springfield", "radius": "10"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "near"
    assert error["message"] == error["errors"]["near"]
    assert error["suggestions"][0] == {"near": "Springfield, MO", "label": "Springfield, Missouri"}
    assert all(set(s) == {"near", "label"} and s["near"].startswith("Springfield, ") for s in error["suggestions"])
    jsonschema.validate(response.get_json(), search_error_schema())


def test_a_typo_in_the_api_suggests_the_place_meant(client):
    error = client.get("/api/v1/providers?near=Bosie%2C+ID").get_json()["error"]
    assert error["parameter"] == "near" and error["suggestions"][0] == {"near": "Boise, ID", "label": "Boise, Idaho"}
    assert client.get("/api/v1/providers", query_string={"near": error["suggestions"][0]["near"]}).status_code == 200


@pytest.mark.parametrize("near", ["Xyzzyqwv", "a" * 201])
def test_suggestions_are_empty_only_when_nothing_is_close(client, near):
    response = client.get("/api/v1/providers", query_string={"near": near})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "near" and error["suggestions"] == []
    jsonschema.validate(response.get_json(), search_error_schema())


def test_other_refusals_carry_no_suggestions(client):
    error = client.get("/api/v1/providers?near=Boise+ID&radius=abc").get_json()["error"]
    assert error["parameter"] == "radius" and "suggestions" not in error


def test_a_nul_in_near_is_refused_at_the_boundary(client):
    response = client.get("/api/v1/providers?near=Boise%00%2C+ID")
    assert response.status_code == 400
    assert "suggestions" not in response.get_json()["error"]


@pytest.mark.parametrize("near", ["Boise ID", "Boise, Idaho", "Boise, ID 83702", "NYC", "83702-1234"])
def test_the_api_finds_places_as_people_type_them(client, near):
    assert client.get("/api/v1/providers", query_string={"near": near}).status_code == 200


def test_the_openapi_document_describes_suggestions():
    document = build_document()
    for path in ("/api/v1/providers", "/api/v1/providers.csv"):
        schema = document["paths"][path]["get"]["responses"]["400"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/SearchError"}
    error = document["components"]["schemas"]["SearchError"]["properties"]["error"]
    assert error["properties"]["suggestions"]["items"]["required"] == ["near", "label"]
    jsonschema.validate(document["components"]["schemas"]["SearchError"]["example"], search_error_schema())
