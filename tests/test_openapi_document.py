"""The OpenAPI document covers every API route, and /api/docs shows every operation without third-party requests."""
import re

import pytest

from referral.api.openapi import build_document

METHODS = {"GET", "PUT", "PATCH", "POST", "DELETE"}
# Routes that answer for many paths at once; the document names the concrete ones instead.
GENERIC_ENDPOINTS = {"fhir.search", "fhir.read", "fhir.unknown_path", "hsds.unknown_path"}


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
    for resource in ("Practitioner", "PractitionerRole", "Location"):
        assert "get" in paths[f"/fhir/{resource}"] and "get" in paths[f"/fhir/{resource}/{{id}}"]


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
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html.split("<main", 1)[0])  # nothing loaded from elsewhere
    assert "<script" not in html


def test_about_page_links_to_the_api_docs(client):
    assert 'href="/api/docs"' in client.get("/about").get_data(as_text=True)
