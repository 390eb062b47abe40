"""The OpenAPI document covers every API route, and /api/docs shows every operation without third-party requests."""
import re

import pytest

from referral.api.openapi import build_document

METHODS = {"GET", "PUT", "PATCH", "POST", "DELETE"}
# Routes that answer for many paths at once (any FHIR resource type); the document names the concrete ones instead.
GENERIC_ENDPOINTS = {"fhir.search", "fhir.search_by_post", "fhir.read", "fhir.vread", "fhir.instance_history",
                     "fhir.unknown_path", "hsds.unknown_path"}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_served_document_is_the_built_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == build_document()
    assert document["openapi"].startswith("3.1")


def test_every_api_route_is_described(app):
    paths = build_document()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1/", "/fhir/", "/hsds/")) or rule.endpoint in GENERIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & METHODS):
            if method.lower() not in paths.get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == []
    from referral.fhir.catalog import resource_types

    for resource in resource_types():
        assert "get" in paths[f"/fhir/{resource}"] and "post" in paths[f"/fhir/{resource}/_search"]
        for suffix in ("{id}", "{id}/_history", "{id}/_history/{vid}"):
            assert "get" in paths[f"/fhir/{resource}/{suffix}"]


def test_every_operation_documents_its_responses():
    for route, item in build_document()["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], f"{method} {route}"
            assert operation.get("summary"), f"{method} {route}"


def test_docs_page_lists_every_operation(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for route, item in build_document()["paths"].items():
        for method in item:
            assert f"{method.upper()}</span> <code>{route}</code>" in html, f"{method} {route}"
    assert 'href="/api/v1/openapi.json"' in html
    assert "GET /api/v1/providers?near=10025" in html  # an example request
    assert "<caption>Parameters</caption>" in html and "<caption>Responses</caption>" in html
    head = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"]*">', "", html.split("<main", 1)[0])
    assert not re.search(r'(?:src|href)="(?:https?:)?//', head)  # nothing loaded from elsewhere
    assert "<script" not in html


def test_about_page_links_to_the_api_docs(client):
    assert 'href="/api/docs"' in client.get("/about").get_data(as_text=True)


# --- The document's constraints are the server's ----------------------------------------------------------------

def _operation(route: str) -> dict:
    return build_document()["paths"][route]["get"]


def _parameters(route: str) -> dict[str, dict]:
    """The operation's query parameters by the name they are sent under (an exploded object's properties too)."""
    found = {}
    for parameter in _operation(route)["parameters"]:
        schema = parameter["schema"]
        if schema.get("type") == "object" and parameter.get("explode"):
            found.update(schema["properties"])
        else:
            found[parameter["name"]] = schema
    return found


def _refused(client, url: str) -> str | None:
    """The parameter a 400 names, None for a 200 (anything else fails)."""
    answer = client.get(url)
    assert answer.status_code in (200, 400), f"{url}: {answer.status_code}"
    return answer.get_json()["error"]["parameter"] if answer.status_code == 400 else None


def test_search_limits_are_the_codes(app):
    from referral.services.search_params import MAX_LIST_VALUES, MAX_QUERY_LENGTH, SORT_VALUES, SearchLimits

    limits = SearchLimits.from_config(app.config)
    for route in ("/api/v1/providers", "/api/v1/providers.csv"):
        parameters = _parameters(route)
        assert parameters["radius"]["maximum"] == limits.max_radius and parameters["radius"]["minimum"] == 1
        assert parameters["per_page"]["maximum"] == limits.max_per_page
        assert parameters["near"]["maxLength"] == parameters["q"]["maxLength"] == MAX_QUERY_LENGTH
        assert set(parameters["sort"]["enum"]) == set(SORT_VALUES) | {""}
        lists = [schema for schema in parameters.values() if schema.get("type") == "array"]
        assert lists and all(schema["maxItems"] == MAX_LIST_VALUES for schema in lists)


def test_hsds_limits_are_the_codes(app):
    from referral.hsds import params

    for route in ("/hsds/locations", "/hsds/service_at_locations"):
        parameters = _parameters(route)
        assert parameters["page"]["maximum"] == params.MAX_PAGE and parameters["per_page"]["maximum"] == params.MAX_PER_PAGE
        assert parameters["search"]["maxLength"] == params.MAX_SEARCH
        max_miles = app.config["SEARCH_MAX_RADIUS_MILES"]
        assert parameters["proximity"]["maximum"] == round(max_miles * params.METERS_PER_MILE)
        assert re.search(parameters["postcode"]["pattern"], "10025-1234") and re.search(parameters["postcode"]["pattern"], "")
        assert not re.search(parameters["postcode"]["pattern"], "1002")


def test_state_pattern_takes_exactly_the_states_the_server_knows():
    from itertools import product
    from string import ascii_letters

    from referral.services.geocoding import US_STATES

    pattern = _parameters("/api/v1/providers")["state"]["pattern"]
    taken = {a + b for a, b in product(ascii_letters, repeat=2) if re.search(pattern, a + b)}
    assert {code.upper() for code in taken} == set(US_STATES)
    assert len(taken) == 4 * len(US_STATES)  # in any case, as the server reads them
    assert re.search(pattern, "") and not re.search(pattern, "NYC")


def test_free_text_pattern_refuses_what_the_input_boundary_refuses():
    from referral.web.input_boundary import text_problem

    pattern = _parameters("/api/v1/providers")["q"]["pattern"]
    for code in [*range(0x00, 0xA0), 0xFFFD, 0xFFFE, 0x10FFFF]:
        text = f"a{chr(code)}b"
        assert (re.search(pattern, text) is None) == (text_problem(text) is not None), hex(code)
    assert re.search(pattern, "x" * 200) and not re.search(pattern, "x" * 201)


# What a numeric parameter needs alongside it to be read at all.
COMPANIONS = {"lat": "lng=-73.9683&", "lng": "lat=40.7975&", "proximity": "postcode=10025&"}


@pytest.mark.parametrize("route", ["/api/v1/providers", "/hsds/locations", "/hsds/service_at_locations"])
def test_numeric_bounds_are_where_the_server_refuses(client, route):
    checked = 0
    for name, schema in _parameters(route).items():
        if schema.get("type") not in ("integer", "number") or name == "page":  # page: also refused past the last
            continue
        url = f"{route}?{COMPANIONS.get(name, '')}{name}="
        step = 1 if schema["type"] == "integer" else 0.001
        assert _refused(client, f"{url}{schema['maximum']}") is None, name
        assert _refused(client, f"{url}{schema['maximum'] + step}") == name
        if "exclusiveMinimum" in schema:
            assert _refused(client, f"{url}{schema['exclusiveMinimum']}") == name
            assert _refused(client, f"{url}{schema['exclusiveMinimum'] + step}") is None, name
        else:
            assert _refused(client, f"{url}{schema['minimum']}") is None, name
            assert _refused(client, f"{url}{schema['minimum'] - step}") == name
        checked += 1
    assert checked >= 2


def test_text_lengths_are_where_the_server_refuses(client):
    for route, name in (("/api/v1/providers", "q"), ("/hsds/services", "search")):
        longest = _parameters(route)[name]["maxLength"]
        assert _refused(client, f"{route}?{name}={'a' * longest}") is None
        assert _refused(client, f"{route}?{name}={'a' * (longest + 1)}") == name


@pytest.mark.parametrize("route", ["/api/v1/providers", "/api/v1/providers.csv", "/hsds/locations",
                                   "/hsds/service_at_locations"])
def test_each_dependency_refuses_alone_and_accepts_with_what_it_needs(client, route):
    examples = {"lat": "40.7975", "lng": "-73.9683", "near": "10025", "postcode": "10025", "proximity": "5000"}
    rules = _operation(route)["x-parameter-dependencies"]
    assert rules
    for rule in rules:
        name = rule["parameter"]
        alone = f"{name}={rule.get('value', examples.get(name))}"
        needs = {needed for names in rule["requires_one_of"] for needed in names}
        assert _refused(client, f"{route}?{alone}") in {name} | needs
        for needed in rule["requires_one_of"]:
            assert _refused(client, f"{route}?{alone}&" + "&".join(f"{n}={examples[n]}" for n in needed)) is None


def test_a_pair_sent_together_is_one_object_parameter_that_requires_both():
    coordinates = next(p for p in _operation("/api/v1/providers")["parameters"] if p["name"] == "coordinates")
    assert coordinates["style"] == "form" and coordinates["explode"] is True
    assert set(coordinates["schema"]["required"]) == {"lat", "lng"}
    place = next(p for p in _operation("/hsds/locations")["parameters"] if p["name"] == "place")
    assert place["schema"]["required"] == ["postcode"] and set(place["schema"]["properties"]) == {"postcode", "proximity"}


def test_bom_is_documented_on_the_csv_export_only():
    from referral.services.export import CSV_MEDIA_TYPE
    from referral.services.search_params import FALSE_WORDS, TRUE_WORDS

    csv_operation = _operation("/api/v1/providers.csv")
    bom = next(p for p in csv_operation["parameters"] if p["name"] == "bom")
    assert set(bom["schema"]["enum"]) == TRUE_WORDS | FALSE_WORDS | {""}
    assert list(csv_operation["responses"]["200"]["content"]) == [CSV_MEDIA_TYPE]
    assert "bom" not in _parameters("/api/v1/providers")


def test_docs_page_shows_lat_and_lng_as_the_parameters_they_are(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert "<code>lat</code>" in html and "<code>lng</code>" in html and "Give lat and lng together." in html
    assert "\\u0000" not in html  # the free-text pattern is not shown as a pattern people must read


def test_hsds_flags_take_what_the_server_takes(client):
    pattern = _parameters("/hsds/organizations")["full"]["pattern"]
    for value in ("true", "FALSE", "True", "", "yes", "1"):
        server_takes = _refused(client, f"/hsds/organizations?full={value}") is None
        assert bool(re.search(pattern, value)) == server_takes, value
