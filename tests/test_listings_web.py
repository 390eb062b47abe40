"""The listing pages and API: editor flows, stale saves, photos, and who may change a listing."""
import io
from datetime import datetime, timezone

import pytest
from conftest import loaded
from PIL import Image
from sqlalchemy import select

from referral.extensions import db
from referral.models import Inquiry, ListingAudit, ListingReview, Provider, utcnow
from referral.services.attributes import AVAILABILITY, EDITABLE, YES_NO
from referral.services.listings import listing_values
from referral.web.forms.listings import HOURS_FIELDS

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def owned(make_provider, user, **overrides):
    """A verified listing owned by `user`."""
    values = dict(npi="1234567893", owner_id=user.id, listing_status="verified", verified_at=NOW, source="owner")
    values.update(overrides)
    return make_provider(**values)


def form_data(provider, **changes) -> dict:
    """The editor's fields as a browser posts them, from the listing's current values."""
    values = {**listing_values(provider), **changes}
    data = {"version": str(changes.pop("version", provider.version_id))}
    for name in ("first_name", "last_name", "credentials", "statement", "phone", "website"):
        data[name] = values[name] or ""
    for attribute in EDITABLE:
        value = values[attribute.output_key]
        if attribute.multiple:
            data[attribute.output_key] = list(value)
        elif attribute.filter in (YES_NO, AVAILABILITY):
            if value:
                data[attribute.output_key] = "y"
        else:
            data[attribute.output_key] = "" if value is None else str(value)
    for i, office in enumerate(values["offices"]):
        for key, value in office.items():
            if key != "hours":
                data[f"offices-{i}-{key}"] = value
        for window in office.get("hours", []):
            _day, opens, closes = HOURS_FIELDS[window["day"]]
            data[f"offices-{i}-{opens}"] = f"{window['opens'] // 60:02d}:{window['opens'] % 60:02d}"
            data[f"offices-{i}-{closes}"] = f"{window['closes'] // 60 % 24:02d}:{window['closes'] % 60:02d}"
    for i, lic in enumerate(values["licenses"]):
        data[f"licenses-{i}-state"], data[f"licenses-{i}-number"] = lic["state"], lic["number"]
    return data


def reload(app, provider_id: int) -> Provider:
    """The listing as committed now, read in an app context of its own (detached, relationships loaded)."""
    with app.app_context():
        return loaded(db.session.get(Provider, provider_id))


# --- the editor --------------------------------------------------------------------------------

def test_editor_shows_the_listing_and_saves_a_change_that_shows_on_the_profile(app, client, make_user, make_provider,
                                                                             login):
    owner = make_user()
    provider = owned(make_provider, owner, modalities=["cbt"])
    login(client, owner)
    page = client.get(f"/listings/{provider.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Testa' in html and "I work with adults." in html and 'name="version"' in html

    response = client.post(f"/listings/{provider.id}/edit", data=form_data(
        provider, statement="Line one.\n\n<script>alert(1)</script>", modalities=["cbt", "psychodynamic"]))
    assert response.status_code == 302
    profile = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "<p>Line one.</p>" in profile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile and "<script>alert(1)" not in profile
    assert "Psychodynamic" in profile


def test_editor_adds_a_second_office_in_the_spare_row(app, client, make_user, make_provider, login, fake_geocoder):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    data = form_data(provider)
    data.update({"offices-1-address1": "2 River Rd", "offices-1-city": "Boise", "offices-1-state": "ID",
                 "offices-1-zip": "83702"})
    app.extensions["geocoder"] = fake_geocoder
    assert client.post(f"/listings/{provider.id}/edit", data=data).status_code == 302
    assert sorted(o.state for o in reload(app, provider.id).offices) == ["ID", "NY"]


def test_ungeocodable_address_is_refused_at_its_field_and_nothing_typed_is_lost(app, client, make_user,
                                                                                make_provider, login, fake_geocoder):
    app.extensions["geocoder"] = fake_geocoder
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    data = form_data(provider, statement="A statement I typed carefully.", phone="(212) 555-0177")
    data.update({"offices-0-zip": "00001", "offices-0-city": "Nowhere"})
    response = client.post(f"/listings/{provider.id}/edit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="offices-0-zip-error"' in html and "could not find this address" in html
    assert "A statement I typed carefully." in html and "(212) 555-0177" in html and 'value="Nowhere"' in html
    assert reload(app, provider.id).statement == "I work with adults."


def test_bad_number_keeps_the_form(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    data = form_data(provider, statement="Kept text")
    data["fee_min"] = "lots"
    response = client.post(f"/listings/{provider.id}/edit", data=data)
    assert response.status_code == 400
    assert "Kept text" in response.get_data(as_text=True)


def test_stale_save_is_refused_shows_what_changed_and_keeps_typing(app, client, make_user, make_provider, login):
    owner, admin = make_user(), make_user(role="admin")
    provider = owned(make_provider, owner)
    stale = form_data(provider, phone="(212) 555-0111", statement="My new words")
    admin_client = app.test_client()
    login(admin_client, admin)
    assert admin_client.post(f"/listings/{provider.id}/edit",
                             data=form_data(provider, phone="(208) 555-0199")).status_code == 302

    login(client, owner)
    response = client.post(f"/listings/{provider.id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this listing" in html
    assert "<th scope=\"row\">Phone</th><td>(208) 555-0199</td><td>(212) 555-0111</td>" in html
    assert "My new words" in html
    assert reload(app, provider.id).phone == "(208) 555-0199"

    # Saving again from the page (which now carries the current version) goes through, knowingly.
    stale["version"] = str(reload(app, provider.id).version_id)
    assert client.post(f"/listings/{provider.id}/edit", data=stale).status_code == 302
    assert reload(app, provider.id).phone == "(212) 555-0111"


def test_csrf_token_is_required_when_csrf_is_on(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/listings/{provider.id}/edit", data=form_data(provider, statement="forged"))
    assert response.status_code == 400
    assert reload(app, provider.id).statement == "I work with adults."


def test_history_lists_who_changed_what(app, client, make_user, make_provider, login):
    owner = make_user(email="owner@example.org")
    provider = owned(make_provider, owner)
    login(client, owner)
    client.post(f"/listings/{provider.id}/edit", data=form_data(provider, credentials="PsyD"))
    html = client.get(f"/listings/{provider.id}/history").get_data(as_text=True)
    assert "owner@example.org" in html and "Credentials" in html and "PhD" in html and "PsyD" in html


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    Image.new("RGB", (30, 30), (10, 120, 90)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_photo_upload_is_served_without_metadata(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    data = form_data(provider)
    data["photo"] = (io.BytesIO(_jpeg_with_exif()), "me.jpg", "image/jpeg")
    assert client.post(f"/listings/{provider.id}/edit", data=data,
                       content_type="multipart/form-data").status_code == 302
    assert f"/providers/{provider.id}/photo" in client.get(f"/providers/{provider.id}").get_data(as_text=True)
    photo = app.test_client().get(f"/providers/{provider.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and b"SecretCam" not in photo.data


def test_bad_photo_is_refused_at_its_field(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    data = form_data(provider, statement="Still here")
    data["photo"] = (io.BytesIO(b"%PDF-1.4 not an image"), "cv.pdf", "application/pdf")
    response = client.post(f"/listings/{provider.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="photo-error"' in html and "Still here" in html


# --- new listings and claims through the pages ------------------------------------------------

def test_new_listing_page_creates_a_pending_listing(app, client, make_user, login):
    user = make_user()
    login(client, user)
    bad = client.post("/listings/new", data={"npi": "1234567890", "first_name": "Ada", "last_name": "Lind",
                                             "provider_type": "psychologist"})
    assert bad.status_code == 400 and "check digit" in bad.get_data(as_text=True)
    assert 'value="Lind"' in bad.get_data(as_text=True)
    good = client.post("/listings/new", data={"npi": "1234567893", "first_name": "Ada", "last_name": "Lind",
                                              "provider_type": "psychologist"})
    assert good.status_code == 302 and "/edit" in good.headers["Location"]
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Ada Lind" in dashboard and "Waiting for review" in dashboard


def test_claim_page_refuses_a_bad_npi_then_files_the_claim(app, client, make_user, make_provider, login):
    make_provider(npi="1234567893", last_name="Holm")
    login(client, make_user())
    response = client.post("/listings/claim", data={"npi": "1234567890"})
    assert response.status_code == 400 and "check digit" in response.get_data(as_text=True)
    assert 'value="1234567890"' in response.get_data(as_text=True)
    user_client = client
    assert user_client.post("/listings/claim", data={"npi": "1234567893"}).status_code == 302
    assert "Waiting for review" in user_client.get("/dashboard").get_data(as_text=True)


# --- the API -----------------------------------------------------------------------------------

def test_api_patch_updates_and_refuses_stale_versions(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    current = client.get(f"/api/v1/listings/{provider.id}").get_json()
    version = current["version"]
    ok = client.patch(f"/api/v1/listings/{provider.id}", json={"version": version, "fee_min": 80})
    assert ok.status_code == 200 and ok.get_json()["fee_min"] == 80 and ok.get_json()["version"] == version + 1

    stale = client.patch(f"/api/v1/listings/{provider.id}", json={"version": version, "fee_min": 60})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"]["parameter"] == "version" and body["error"]["current_version"] == version + 1
    assert body["error"]["changed"] == [{"field": "fee_min", "theirs": "80", "yours": "60"}]
    assert reload(app, provider.id).fee_min == 80


@pytest.mark.parametrize("offices", [[{"address1": ["12 Elm St"], "city": "Boise", "state": "ID", "zip": "83702"}],
                                     [["12 Elm St"]], "12 Elm St", [{"zip": {"code": "83702"}}]])
def test_a_malformed_edit_at_a_stale_version_is_a_400_not_a_conflict(app, client, make_user, make_provider, login,
                                                                    offices):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    version = client.get(f"/api/v1/listings/{provider.id}").get_json()["version"]
    assert client.patch(f"/api/v1/listings/{provider.id}", json={"version": version, "fee_min": 80}).status_code == 200
    answer = client.patch(f"/api/v1/listings/{provider.id}", json={"version": version, "offices": offices})
    assert answer.status_code == 400 and answer.get_json()["error"]["parameter"].startswith("offices")


@pytest.mark.parametrize("kwargs, status, parameter", [
    ({"data": "version=1", "content_type": "application/x-www-form-urlencoded"}, 415, None),
    ({"json": {"fee_min": 10}}, 400, "version"),
    ({"json": {"version": "one", "fee_min": 10}}, 400, "version"),
    ({"json": {"version": 1, "fee_min": "ten"}}, 400, "fee_min"),
    ({"json": {"version": 1, "owner_id": 1}}, 400, "owner_id"),
    ({"json": [1, 2]}, 400, None),
])
def test_api_refuses_bad_requests_with_the_error_shape(app, client, make_user, make_provider, login, kwargs, status,
                                                       parameter):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    response = client.patch(f"/api/v1/listings/{provider.id}", **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["parameter"] == parameter


def test_api_put_needs_every_field(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    login(client, owner)
    partial = client.put(f"/api/v1/listings/{provider.id}", json={"version": provider.version_id, "fee_min": 5})
    assert partial.status_code == 400
    full = {**listing_values(provider), "version": provider.version_id, "credentials": "LMHC"}
    response = client.put(f"/api/v1/listings/{provider.id}", json=full)
    assert response.status_code == 200 and response.get_json()["credentials"] == "LMHC"


def test_api_unknown_listing_is_404(app, client, make_user, login):
    login(client, make_user(role="admin"))
    response = client.patch("/api/v1/listings/999999", json={"version": 1})
    assert response.status_code == 404 and response.get_json()["error"]["message"]


# --- the authorization matrix ------------------------------------------------------------------

ROLES = ("anonymous", "other-provider", "referrer", "owner", "admin")


@pytest.fixture
def matrix(app, make_user, make_provider, fake_geocoder):
    """An owned listing with an inquiry and a pending claim, and a user per role."""
    app.extensions["geocoder"] = fake_geocoder
    owner = make_user()
    provider = owned(make_provider, owner)
    claimant = make_user()
    claimed = make_provider(npi="1234567901")
    with app.app_context():
        review = ListingReview(provider_id=claimed.id, requester_id=claimant.id, kind="claim")
        inquiry = Inquiry(provider_id=provider.id, name="Pat", email="pat@example.org", preferred_contact="email",
                          message="Hello", consented_at=utcnow())
        db.session.add_all([review, inquiry])
        db.session.commit()
        review, inquiry = loaded(review), loaded(inquiry)
    users = {"anonymous": None, "other-provider": make_user(), "referrer": make_user(role="referrer"),
             "owner": owner, "admin": make_user(role="admin")}
    return provider, review, inquiry, users


def _client_for(app, login, user):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


EXPECTED = {
    # url kind: {role: status}
    "edit-get": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 200, "admin": 200},
    "edit-post": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 302, "admin": 302},
    "confirm": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 302, "admin": 302},
    "history": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 200, "admin": 200},
    "api-patch": {"anonymous": 401, "other-provider": 403, "referrer": 403, "owner": 200, "admin": 200},
    "api-get": {"anonymous": 401, "other-provider": 403, "referrer": 403, "owner": 200, "admin": 200},
    # Patients' messages are for the owner alone: admins cannot read or answer them.
    "answered": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 302, "admin": 403},
    "approve": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 403, "admin": 302},
    "reject": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 403, "admin": 302},
    "queue": {"anonymous": 302, "other-provider": 403, "referrer": 403, "owner": 403, "admin": 200},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_authorization_matrix(app, login, matrix, role, kind):
    provider, review, inquiry, users = matrix
    client = _client_for(app, login, users[role])
    pid = provider.id
    before = (provider.version_id, provider.statement, provider.availability_confirmed_at)
    requests = {
        "edit-get": lambda: client.get(f"/listings/{pid}/edit"),
        "edit-post": lambda: client.post(f"/listings/{pid}/edit", data=form_data(provider, statement=f"by {role}")),
        "confirm": lambda: client.post(f"/listings/{pid}/confirm-availability"),
        "history": lambda: client.get(f"/listings/{pid}/history"),
        "api-patch": lambda: client.patch(f"/api/v1/listings/{pid}",
                                          json={"version": provider.version_id, "statement": f"by {role}"}),
        "api-get": lambda: client.get(f"/api/v1/listings/{pid}"),
        "answered": lambda: client.post(f"/inquiries/{inquiry.id}/answered"),
        "approve": lambda: client.post(f"/admin/reviews/{review.id}/approve"),
        "reject": lambda: client.post(f"/admin/reviews/{review.id}/reject", data={"reason": "Not this person."}),
        "queue": lambda: client.get("/admin/reviews"),
    }
    response = requests[kind]()
    expected = EXPECTED[kind][role]
    assert response.status_code == expected
    if expected == 302 and role == "anonymous":
        assert "/login" in response.headers["Location"]
    after = reload(app, pid)
    changed = (after.version_id, after.statement, after.availability_confirmed_at) != before
    assert changed == (kind in ("edit-post", "confirm", "api-patch") and role in ("owner", "admin"))
    if kind in ("edit-post", "api-patch") and changed:
        assert after.statement == f"by {role}"
    with app.app_context():
        answered = db.session.get(Inquiry, inquiry.id).answered_at is not None
        assert answered == (kind == "answered" and role == "owner")
        decided = db.session.get(ListingReview, review.id).status != "pending"
        assert decided == (kind in ("approve", "reject") and role == "admin")
        audit_rows = db.session.scalars(select(ListingAudit).where(ListingAudit.provider_id == pid)).all()
        assert bool(audit_rows) == changed
