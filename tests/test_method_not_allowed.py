"""A method a route does not take answers 405 with Allow naming the methods it does take (RFC 9110, 15.5.6),
on every route of every area (pages, /api, /fhir, /hsds, static files), whatever the method's name."""
import re

import pytest

# Methods no route of the app takes, and ones some routes take but not all.
UNROUTED = ("TRACE", "CONNECT", "PROPFIND", "BREW")
SOMETIMES_ROUTED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(rule) -> str:
    """A path the rule matches: each variable filled with a value its converter takes."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda found: "x/y" if found.group(1) == "path" else "1", rule.rule)


def _routes(app):
    return [(rule, _concrete(rule)) for rule in app.url_map.iter_rules()]



def test_every_route_answers_a_method_it_does_not_take_with_405_and_allow(app, client):
    checked = 0
    routing = app.url_map.bind("localhost")
    for rule, path in _routes(app):
        taken = set(rule.methods or ())
        allowed = set(routing.allowed_methods(path))  # of every rule matching the path
        for method in UNROUTED + tuple(m for m in SOMETIMES_ROUTED if m not in allowed):
            answer = client.open(path, method=method)
            if answer.status_code in (400, 404):  # a value the route refuses, or a path another rule claims
                continue
            assert answer.status_code == 405, f"{method} {path}: {answer.status_code}"
            assert "Allow" in answer.headers, f"{method} {path} answered 405 without Allow"
            named = {m.strip() for m in answer.headers["Allow"].split(",")}
            assert named == allowed and named >= taken and method not in named, f"{method} {path}: Allow: {answer.headers['Allow']}"
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("path, content_type", [
    ("/", "text/html"), ("/search", "text/html"), ("/api/v1/providers", "application/json"),
    ("/api/v1/listings/1", "application/json"), ("/fhir/metadata", "application/fhir+json"),
    ("/fhir/Practitioner", "application/fhir+json"), ("/hsds/services", "application/json"),
])
def test_trace_is_refused_in_each_areas_format_with_allow(client, path, content_type):
    answer = client.open(path, method="TRACE")
    assert answer.status_code == 405 and answer.content_type.startswith(content_type)
    assert "GET" in answer.headers["Allow"] and "TRACE" not in answer.headers["Allow"]
