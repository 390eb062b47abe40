"""Schemathesis over every operation of /api/v1/openapi.json, in-process, on SQLite with a handful of providers.

Checks: no server error, only documented statuses and content types, bodies that match the description,
and malformed input refused. (Valid-looking input may still be refused with a documented 400/404: a
place the geocoder does not know, a slug not in the reference lists, an id nobody has.)
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from referral.api.openapi import build_document
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


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
schema = schemathesis.openapi.from_dict(build_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case, seeded_app):
    case.call_and_validate(app=seeded_app, checks=CHECKS)
