"""Schemathesis over every operation of /api/v1/openapi.json, in-process, on SQLite with a handful of providers.

Checks: no server error, only documented statuses and content types, bodies that match the description,
malformed input refused, methods the document does not name answered 405 with Allow, and input the
document allows accepted. The document says which well-formed values the server may still refuse: a
parameter whose values come from the directory's data (x-values-from: a place the gazetteer does not know,
a slug not in the reference lists, a page past the end), and one given without the parameters it needs
(x-parameter-dependencies).
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from referral.api.openapi import build_document
from referral.api.openapi_parts.common import VALUES_FROM
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)


def _given(query: dict, name: str) -> bool:
    """Whether the request sends `name` with a value (an object parameter sends its properties by name)."""
    for key, value in query.items():
        if key == name and value not in (None, "", []):
            return True
        if isinstance(value, dict) and value.get(name) not in (None, ""):
            return True
    return False


def _refused_parameter(response) -> str | None:
    """The parameter a 400 names: error.parameter, or a FHIR OperationOutcome's expression."""
    try:
        body = response.json()
    except ValueError:
        return None
    if "error" in body:
        return body["error"].get("parameter")
    expressions = [e for issue in body.get("issue", []) for e in issue.get("expression", [])]
    return expressions[0] if expressions else None


def _refusals_the_document_allows(operation: dict, query: dict) -> set[str]:
    """The parameters a well-formed request may be refused over: data-dependent ones, and unmet dependencies."""
    allowed = set()
    for parameter in operation.get("parameters", []):
        if VALUES_FROM in parameter:
            allowed.add(parameter["name"])
        allowed.update(name for name, part in parameter["schema"].get("properties", {}).items() if VALUES_FROM in part)
    for body in operation.get("requestBody", {}).get("content", {}).values():
        allowed.update(name for name, part in body["schema"].get("properties", {}).items() if VALUES_FROM in part)
    for rule in operation.get("x-parameter-dependencies", []):
        value = query.get(rule["parameter"])
        triggered = _given(query, rule["parameter"]) and ("value" not in rule or value == rule["value"])
        if triggered and not any(all(_given(query, name) for name in names) for names in rule["requires_one_of"]):
            allowed.update([rule["parameter"], *(name for names in rule["requires_one_of"] for name in names)])
    return allowed


def _body_is_valid(operation: dict, case) -> bool:
    schema = operation["requestBody"]["content"][case.media_type]["schema"]
    return Draft202012Validator({**schema, "components": DOCUMENT["components"]}).is_valid(case.body)


@schemathesis.check
def accepts_what_the_document_allows(ctx, response, case):
    """A request generated from the document as valid is not refused with 400, but where the document says it may be."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return None
    operation = DOCUMENT["paths"][case.operation.path][case.method.lower()]
    if "requestBody" in operation and not _body_is_valid(operation, case):
        return None  # the generator does not honour every keyword (propertyNames): not a request the document allows
    refused = _refused_parameter(response)
    if refused not in _refusals_the_document_allows(operation, case.query or {}):
        raise AssertionError(f"a request the document allows was refused: {response.text[:500]}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, unsupported_method, allow_header_conformance, accepts_what_the_document_allows]


@pytest.fixture(params=["sqlite"])
def backend(request):
    """SQLite only: the property test is about the app's answers, not the engine."""
    return request.param


@pytest.fixture
def seeded_app(app, make_provider):
    """The app over a seeded handful of providers."""
    make_provider(first_name="Ada", last_name="Quarrington", npi="1234567893", modalities=["psychodynamic"])
    make_provider(first_name="Bea", last_name="Quillfeather", type="psychiatrist", taxonomy_code="2084P0800X",
                  offices=[{"city": "Boise", "state": "ID", "zip": "83702", "lat": 43.6328, "lng": -116.2035}])
    make_provider(first_name="Cy", last_name="Adaire", telehealth=True, licenses=["NY", "ID"])
    make_provider(first_name="Dee", last_name="Rowntree", accepting_new_patients=False)
    return app


# The document the app serves at /api/v1/openapi.json (test_openapi_document checks they are the same).
# Loaded from the builder because schemathesis' fixture-based loader does not run under pytest 9.
DOCUMENT = build_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case, seeded_app):
    case.call_and_validate(app=seeded_app, checks=CHECKS)
