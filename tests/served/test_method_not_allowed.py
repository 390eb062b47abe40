"""Under gunicorn, too, a method a route does not take (TRACE included: gunicorn passes it to the app) answers 405
with Allow, in each area's format."""
import pytest


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PROPFIND"])
@pytest.mark.parametrize("path, content_type", [
    ("/", "text/html"), ("/api/v1/providers", "application/json"), ("/fhir/metadata", "application/fhir+json"),
    ("/hsds/services", "application/json"), ("/static/css/site.css", "text/html"),
])
def test_an_unrouted_method_answers_405_with_allow(visitor, method, path, content_type):
    answer = visitor.request(method, path)
    assert answer.status_code == 405 and answer.headers["Content-Type"].startswith(content_type)
    allowed = {name.strip() for name in answer.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}
