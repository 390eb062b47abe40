"""The referrals JSON API: the authorization matrix on every call, 409 on illegal transitions, 400 on bad input."""
import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import ReferralAccessLog, ReferralRecipientCopy
from referral_world import PATIENT_REFERENCE, ROLES, as_role, sent, world  # noqa: F401


def _error(response) -> dict:
    return response.get_json()["error"]


@pytest.mark.parametrize("role", ROLES)
def test_list(world, sent, as_role, role):
    """Each user lists what they sent and what their listings received; nothing of others."""
    response = as_role(role).get("/api/v1/referrals")
    assert response.headers["Cache-Control"] == "no-store"
    if role == "anonymous":
        assert response.status_code == 401 and _error(response)["message"]
        return
    body = response.get_json()
    assert [r["id"] for r in body["sent"]] == ([sent.referral.public_id] if role == "referrer" else [])
    assert [c["id"] for c in body["received"]] == ([sent.a.public_id] if role == "recipient" else [])
    if role == "referrer":
        assert body["sent"][0]["state"] == "sent" and len(body["sent"][0]["copies"]) == 2


READ_REFERRAL = {"anonymous": 401, "other_provider": 403, "other_referrer": 403, "recipient": 200, "referrer": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_get_referral(app, world, sent, as_role, role):
    """The referrer and admins (audited) get every copy; the recipient only their own."""
    response = as_role(role).get(f"/api/v1/referrals/{sent.referral.public_id}")
    assert response.status_code == READ_REFERRAL[role]
    assert response.headers["Cache-Control"] == "no-store"
    if response.status_code == 200:
        body = response.get_json()
        assert body["patient_reference"] == PATIENT_REFERENCE
        expected = {sent.a.public_id} if role == "recipient" else {sent.a.public_id, sent.b.public_id}
        assert {c["id"] for c in body["copies"]} == expected
    else:
        assert PATIENT_REFERENCE not in response.get_data(as_text=True)
    with app.app_context():
        audited = db.session.scalar(select(db.func.count()).select_from(ReferralAccessLog).where(ReferralAccessLog.what == "api"))
    assert audited == (1 if role == "admin" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_get_copy(world, sent, as_role, role):
    """A copy with its timeline: its referrer, its recipient, admins."""
    response = as_role(role).get(f"/api/v1/referrals/copies/{sent.a.public_id}")
    assert response.status_code == READ_REFERRAL[role]
    if response.status_code == 200:
        body = response.get_json()
        assert body["timeline"][0]["action"] == "send"
        assert body["state"] == ("viewed" if role == "recipient" else "sent")


def test_unknown_ids_are_404(world, as_role):
    """An unknown referral or copy is 404 in the error shape."""
    client = as_role("admin")
    for path in ("/api/v1/referrals/nope", "/api/v1/referrals/copies/nope"):
        response = client.get(path)
        assert response.status_code == 404 and _error(response)["message"]
    response = as_role("recipient").post("/api/v1/referrals/copies/nope/transitions", json={"action": "accept"})
    assert response.status_code == 404


TRANSITION_BY_ROLE = {"anonymous": 401, "other_provider": 403, "other_referrer": 403, "referrer": 403, "admin": 403,
                      "recipient": 200}


@pytest.mark.parametrize("role", ROLES)
def test_accept_by_role(app, world, sent, as_role, role):
    """Only the recipient accepts; everyone else is refused and nothing changes."""
    response = as_role(role).post(f"/api/v1/referrals/copies/{sent.a.public_id}/transitions", json={"action": "accept"})
    assert response.status_code == TRANSITION_BY_ROLE[role]
    with app.app_context():
        state = db.session.get(ReferralRecipientCopy, sent.a.id).state
    assert state == ("accepted" if role == "recipient" else "sent")
    if role == "recipient":
        assert response.get_json()["state"] == "accepted"


@pytest.mark.parametrize("role", ROLES)
def test_cancel_by_role(world, sent, as_role, role):
    """Only the referrer cancels a copy."""
    response = as_role(role).post(f"/api/v1/referrals/copies/{sent.a.public_id}/transitions", json={"action": "cancel"})
    assert response.status_code == {"referrer": 200, "anonymous": 401}.get(role, 403)


@pytest.mark.parametrize("role", ROLES)
def test_message_by_role(world, sent, as_role, role):
    """Only the two clinicians write in the thread."""
    response = as_role(role).post(f"/api/v1/referrals/copies/{sent.a.public_id}/messages", json={"body": "Hello"})
    assert response.status_code == {"referrer": 201, "recipient": 201, "anonymous": 401}.get(role, 403)


def test_illegal_transition_is_409_with_a_clear_message(app, world, sent, as_role):
    """Scheduling before accepting: 409 saying why; then the legal path works."""
    client = as_role("recipient")
    path = f"/api/v1/referrals/copies/{sent.a.public_id}/transitions"
    response = client.post(path, json={"action": "schedule", "appointment_date": "2099-01-01"})
    assert response.status_code == 409
    assert _error(response)["message"] == "Cannot schedule first appointment: this referral is sent."
    assert client.post(path, json={"action": "accept"}).status_code == 200
    assert client.post(path, json={"action": "accept"}).status_code == 409
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.b.id).state == "placed_elsewhere"


@pytest.mark.parametrize("body,parameter", [
    ({"action": "fly"}, "action"),
    ({}, "action"),
    ({"action": "decline"}, "reason"),
    ({"action": "decline", "reason": "tired"}, "reason"),
    ({"action": "request_info"}, "message"),
])
def test_bad_input_is_400(world, sent, as_role, body, parameter):
    """Unknown actions and missing fields: 400 naming the parameter."""
    response = as_role("recipient").post(f"/api/v1/referrals/copies/{sent.a.public_id}/transitions", json=body)
    assert response.status_code == 400
    assert _error(response)["parameter"] == parameter


def test_only_json_bodies_are_accepted(app, world, sent, as_role):
    """A form post (what a cross-site page could send) is refused: 400, nothing changes."""
    response = as_role("recipient").post(f"/api/v1/referrals/copies/{sent.a.public_id}/transitions",
                                         data={"action": "accept"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"
