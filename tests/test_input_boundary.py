"""The input boundary: NUL and other control characters, invalid Unicode, deep or oversized JSON numbers, and
oversized bodies are refused with 400 or 413 in each area's own format — never a 500, never stored."""
import io
import json

import pytest
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import Inquiry, Provider, User, utcnow
from referral.web import input_boundary
from referral.web.input_boundary import MAX_JSON_DEPTH, MAX_JSON_INTEGER, InputRefused

GOOD_INQUIRY = {"name": "Sam", "email": "sam.patient@example.net", "phone": "", "preferred_contact": "email",
                "message": "I am looking for weekly sessions.", "consent": "y"}
PASSWORD = "correct horse battery staple"
# Each interface's 4xx: the content type it answers with, and where it names the refused parameter.
FORMATS = {
    "page": ("text/html", None),
    "api": ("application/json", lambda body: body["error"]["parameter"]),
    "fhir": ("application/fhir+json", lambda body: body["issue"][0]["expression"][0]),
    "hsds": ("application/json", lambda body: body["error"]["parameter"]),
}


def assert_refused(response, area: str, parameter: str | None = None, status: int = 400):
    """The response is a refusal in the area's format, naming `parameter` where the format can."""
    content_type, named = FORMATS[area]
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type.startswith(content_type)
    if area == "page":
        assert "<!doctype html>" in response.get_data(as_text=True).lower()
    elif parameter is not None:
        assert named(response.get_json(force=True)) == parameter


def owned_listing(make_user, make_provider):
    """A provider account and the verified listing it owns."""
    owner = make_user()
    return owner, make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", verified_at=utcnow(),
                                source="owner")


def count(app, model) -> int:
    """How many rows the table holds now."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- NUL bytes, anonymous, every interface ---------------------------------------------------

@pytest.mark.parametrize("path, area, parameter", [
    ("/search?q=a%00b", "page", "q"),
    ("/api/v1/providers?q=a%00b", "api", "q"),
    ("/fhir/Practitioner?name=a%00b", "fhir", "name"),
    ("/hsds/services?search=a%00b", "hsds", "search"),
    ("/fhir/Practitioner/a%00b", "fhir", "resource_id"),
    ("/hsds/services/a%00b", "hsds", "record_id"),
    ("/api/v1/referrals/a%00b", "api", "public_id"),
    ("/no-such-page/a%00b", "page", "path"),
])
def test_a_nul_byte_in_the_query_or_path_is_refused_in_the_interfaces_format(client, path, area, parameter):
    assert_refused(client.get(path), area, parameter)


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "a\x00@example.org", "password": "pass\x00word"}),
    ("/reset", {"email": "someone\x00@example.org"}),
    ("/register", {"role": "provider", "display_name": "Ann\x00Other", "email": "ann@example.org",
                   "password": PASSWORD, "confirm": PASSWORD}),
])
def test_a_nul_byte_in_an_account_form_is_refused_and_nothing_is_stored(app, client, path, data):
    assert_refused(client.post(path, data=data), "page")
    assert count(app, User) == 0


def test_a_nul_byte_in_an_inquiry_is_refused_and_nothing_is_stored(app, client, make_user, make_provider):
    _owner, listing = owned_listing(make_user, make_provider)
    response = client.post(f"/providers/{listing.id}/contact", data={**GOOD_INQUIRY, "name": "Sam\x00"})
    assert_refused(response, "page")
    assert "We could not read part of what was sent." in response.get_data(as_text=True)
    assert count(app, Inquiry) == 0


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_every_other_control_character_is_refused(client, character):
    assert_refused(client.get("/api/v1/providers", query_string={"q": f"a{character}b"}), "api", "q")


def test_tab_line_feed_and_carriage_return_are_kept(app, client, make_user, make_provider):
    _owner, listing = owned_listing(make_user, make_provider)
    message = "First line,\r\nsecond line\tand a tab."
    response = client.post(f"/providers/{listing.id}/contact", data={**GOOD_INQUIRY, "message": message})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Inquiry.message)) == "First line,\nsecond line\tand a tab."


def test_a_field_name_with_a_nul_byte_is_refused(client):
    assert_refused(client.post("/login", data={"email\x00": "a@example.org"}), "page")


def test_an_uploaded_file_name_with_a_nul_byte_is_refused(client, make_user, make_provider, login):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    response = client.post(f"/listings/{listing.id}/edit", content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(b"not an image"), "me\x00.jpg")})
    assert_refused(response, "page")
    assert InputRefused.page_title in response.get_data(as_text=True)


# --- invalid Unicode ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, area, parameter", [
    ("/search?q=%ED%A0%80", "page", "q"),
    ("/api/v1/providers?q=%ff", "api", "q"),
    ("/fhir/Practitioner?name=%ED%A0%80", "fhir", "name"),
    ("/hsds/services?search=%C3", "hsds", "search"),
    ("/fhir/Practitioner/%ED%A0%80", "fhir", "resource_id"),
    ("/api/v1/referrals/%ff", "api", "public_id"),
])
def test_an_undecodable_percent_escape_is_refused(client, path, area, parameter):
    assert_refused(client.get(path), area, parameter)


def test_an_undecodable_percent_escape_in_a_form_body_is_refused(app, client):
    response = client.post("/register", data="role=provider&display_name=%ED%A0%80&email=x%40example.org",
                           content_type="application/x-www-form-urlencoded")
    assert_refused(response, "page")
    assert count(app, User) == 0


def test_text_that_is_valid_unicode_passes(client):
    assert client.get("/api/v1/providers", query_string={"q": "Zoë 語 🙂 100%"}).status_code == 200


# --- JSON bodies -----------------------------------------------------------------------------

@pytest.fixture
def listing_api(client, make_user, make_provider, login):
    """(signed-in client, listing url, current version) for the owner of a listing."""
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    url = f"/api/v1/listings/{listing.id}"
    return client, url, client.get(url).get_json()["version"]


def patch_text(client, url: str, body: str):
    """PATCH a raw JSON text."""
    return client.patch(url, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize("field, text, parameter", [
    ("statement", r'"I work\u0000 with adults."', "statement"),
    ("statement", r'"\ud800"', "statement"),
    ("offices", r'[{"address1": "1 Main St", "city": "New\udfffYork", "state": "NY", "zip": "10025"}]', "offices[0].city"),
])
def test_a_refused_character_in_a_json_string_is_named(app, listing_api, field, text, parameter):
    client, url, version = listing_api
    response = patch_text(client, url, f'{{"version": {version}, "{field}": {text}}}')
    assert_refused(response, "api", parameter)
    with app.app_context():
        assert db.session.scalar(select(Provider.statement)) == "I work with adults."


def test_a_json_key_with_a_nul_byte_is_refused(listing_api):
    client, url, version = listing_api
    response = patch_text(client, url, f'{{"version": {version}, "state\\u0000": 1}}')
    assert_refused(response, "api", "state\ufffd")
    assert "control character" in response.get_json()["error"]["message"]


def test_a_json_body_that_is_not_utf8_is_refused(listing_api):
    client, url, version = listing_api
    body = f'{{"version": {version}, "statement": "'.encode() + b"\xed\xa0\x80" + b'"}'
    assert_refused(client.patch(url, data=body, content_type="application/json"), "api", "body")


@pytest.mark.parametrize("number", [str(MAX_JSON_INTEGER + 1), str(-MAX_JSON_INTEGER - 1), str(2**63), "9" * 5000,
                                    "1e400", "NaN", "-Infinity"])
def test_a_json_number_beyond_what_any_column_holds_is_refused(listing_api, number):
    client, url, _version = listing_api
    assert_refused(patch_text(client, url, f'{{"version": {number}}}'), "api", "version")


@pytest.mark.parametrize("version", [2**31, -(2**31) - 1, MAX_JSON_INTEGER])
def test_a_version_beyond_the_version_column_is_refused_naming_it(listing_api, version):
    client, url, _version = listing_api
    assert_refused(client.patch(url, json={"version": version, "fee_min": 80}), "api", "version")


@pytest.mark.parametrize("version", ["9" * 23, str(2**31), "-" + "9" * 30])
def test_a_tampered_editor_version_beyond_the_column_keeps_the_form(app, client, make_user, make_provider, login,
                                                                    version):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    response = client.post(f"/listings/{listing.id}/edit",
                           data={"version": version, "first_name": "Kept", "last_name": "Typed"})
    assert response.status_code == 400 and 'value="Kept"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Provider.first_name)) == listing.first_name


def test_json_nested_deeper_than_the_limit_is_refused_without_recursion(listing_api):
    client, url, version = listing_api
    deep = "[" * 5000 + "]" * 5000
    assert_refused(patch_text(client, url, f'{{"version": {version}, "extra": {deep}}}'), "api", "body")
    too_deep = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH  # one level more, with the object around it
    assert_refused(patch_text(client, url, f'{{"version": {version}, "extra": {too_deep}}}'), "api", "body")


def test_json_at_the_depth_limit_reaches_the_view(listing_api):
    client, url, version = listing_api
    deepest = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    response = patch_text(client, url, f'{{"version": {version}, "extra": {deepest}}}')
    assert response.status_code == 400 and response.get_json()["error"]["errors"] == {
        "extra": "This field cannot be changed here."}


def test_brackets_inside_json_strings_do_not_count_as_depth(app, listing_api):
    client, url, version = listing_api
    statement = "[{" * 100 + " brackets in my statement " + "}]" * 100
    response = client.patch(url, json={"version": version, "statement": statement})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Provider.statement)) == statement


def test_a_json_body_is_parsed_once_and_the_views_read_that_parse(app, listing_api, monkeypatch):
    client, url, version = listing_api
    calls = []
    real_loads = input_boundary.StrictJSON.loads
    monkeypatch.setattr(input_boundary.StrictJSON, "loads", staticmethod(lambda data, **kw: calls.append(1) or real_loads(data)))
    response = client.patch(url, json={"version": version, "fee_min": 85})
    assert response.status_code == 200 and response.get_json()["fee_min"] == 85
    assert len(calls) == 1


def test_a_refused_json_body_to_fhir_and_hsds_answers_in_their_format(client):
    assert_refused(client.get("/fhir/metadata", json={"x": "\x00"}), "fhir", "x")
    assert_refused(client.get("/hsds/services", json={"x": "\x00"}), "hsds", "x")


# --- oversized bodies ------------------------------------------------------------------------

class Unreadable(io.RawIOBase):
    """An endless request body that counts what is read of it (and tells the test client it is empty)."""

    def __init__(self):
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, _offset: int, _whence: int = 0) -> int:
        return 0

    def readinto(self, buffer) -> int:
        chunk = b"a=" + b"b" * (len(buffer) - 2) if len(buffer) > 2 else b"a" * len(buffer)
        buffer[:len(chunk)] = chunk
        self.bytes_read += len(chunk)
        return len(chunk)


HUGE = 300 * 1024 * 1024


@pytest.mark.parametrize("path, area, content_type", [
    ("/login", "page", "multipart/form-data; boundary=xyz"),
    ("/login", "page", "application/x-www-form-urlencoded"),
    ("/login", "page", "application/octet-stream"),
    ("/api/v1/referrals/copies/abc/messages", "api", "application/json"),
    ("/fhir/metadata", "fhir", "application/fhir+json"),
    ("/hsds/services", "hsds", "application/json"),
])
def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(client, path, area, content_type):
    body = Unreadable()
    method = "GET" if area in ("fhir", "hsds") else "POST"
    response = client.open(path, method=method, input_stream=body, content_type=content_type,
                           environ_overrides={"CONTENT_LENGTH": str(HUGE)})
    assert_refused(response, area, status=413)
    assert body.bytes_read == 0


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(app, client):
    body = Unreadable()
    response = client.post("/login", input_stream=body, content_type="multipart/form-data; boundary=xyz",
                           environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True})
    assert_refused(response, "page", status=413)
    assert body.bytes_read <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


def test_a_urlencoded_form_larger_than_the_form_limit_is_refused(app, client):
    body = "email=a%40example.org&password=" + "x" * app.config["MAX_FORM_MEMORY_SIZE"]
    assert_refused(client.post("/login", data=body, content_type="application/x-www-form-urlencoded"), "page",
                   status=413)


def test_a_form_with_more_parts_than_the_limit_is_refused(app, client):
    fields = {f"field{n}": "x" for n in range(app.config["MAX_FORM_PARTS"] + 1)}
    assert_refused(client.post("/login", data=fields, content_type="multipart/form-data"), "page", status=413)


def test_a_photo_a_little_over_its_limit_reaches_the_editor_which_says_so_at_the_field(client, make_user,
                                                                                      make_provider, login):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    photo = io.BytesIO(b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024))
    response = client.post(f"/listings/{listing.id}/edit", content_type="multipart/form-data",
                           data={"version": "1", "first_name": "Kept", "photo": (photo, "me.jpg")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "larger than 2 MB" in html and 'value="Kept"' in html


# --- the refusal itself ----------------------------------------------------------------------

def test_the_refusal_page_explains_what_to_do(client):
    html = client.get("/search?q=%00").get_data(as_text=True)
    assert InputRefused.page_title in html and InputRefused.page_detail in html


def test_an_unexpected_error_under_fhir_and_hsds_answers_in_their_format(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("referral.fhir.engine.SearchEngine.page", broken)
    monkeypatch.setattr("referral.hsds.views.find_providers", broken)
    fhir = client.get("/fhir/Practitioner")
    assert fhir.status_code == 500 and fhir.content_type.startswith("application/fhir+json")
    assert json.loads(fhir.get_data())["issue"][0]["code"] == "exception"
    hsds = client.get("/hsds/services")
    assert hsds.status_code == 500 and hsds.content_type.startswith("application/json") and "error" in hsds.get_json()
