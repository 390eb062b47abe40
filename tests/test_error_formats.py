"""Each interface answers its errors in its own format, also where routing fails before its blueprint is known."""
import pytest


@pytest.mark.parametrize("method, path, content_type, body", [
    ("POST", "/fhir/PractitionerRole", "application/fhir+json", '"resourceType": "OperationOutcome"'),
    ("DELETE", "/fhir/PractitionerRole/_search", "application/fhir+json", '"resourceType": "OperationOutcome"'),
    ("DELETE", "/fhir/metadata", "application/fhir+json", '"resourceType": "OperationOutcome"'),
    ("POST", "/hsds/services", "application/json", '"error"'),
    ("POST", "/api/v1/providers", "application/json", '"error"'),
    ("POST", "/search", "text/html", "<!doctype html>"),
])
def test_a_method_not_allowed_answers_in_the_interfaces_format_with_allow(client, method, path, content_type, body):
    answer = client.open(path, method=method)
    assert answer.status_code == 405
    assert answer.content_type.startswith(content_type) and body in answer.get_data(as_text=True)
    assert "GET" in answer.headers["Allow"]


@pytest.mark.parametrize("path, content_type", [
    ("/fhir/NoSuchResource", "application/fhir+json"), ("/hsds/no_such_thing", "application/json"),
    ("/api/v1/no-such-thing", "application/json"),
])
def test_an_unknown_path_answers_404_in_the_interfaces_format(client, path, content_type):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.content_type.startswith(content_type)
