"""Referral pages: the authorization matrix on every page, the forms, the shortlist, privacy headers."""
import re

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, Referral, ReferralAccessLog, ReferralRecipientCopy, ReferrerProfile
from referral.services import referrals as service
from referral_world import FORM, NOTE, PATIENT_REFERENCE, ROLES, as_role, sent, world  # noqa: F401


def _form(**changes) -> dict:
    data = {**FORM, **changes}
    data = {k: v for k, v in data.items() if k not in ("concerns", "consent")}
    data["concerns"] = (changes.get("concerns") if "concerns" in changes else FORM["concerns"])
    if changes.get("consent", FORM["consent"]):
        data["consent"] = "y"
    return data


def _page_paths(sent):
    return {
        "copy": f"/referrals/copies/{sent.a.public_id}",
        "letter": f"/referrals/copies/{sent.a.public_id}/letter",
        "pdf": f"/referrals/copies/{sent.a.public_id}/letter.pdf",
        "referral": f"/referrals/{sent.referral.public_id}",
        "elsewhere": f"/referrals/{sent.referral.public_id}/refer-elsewhere",
    }


# Expected status of each GET per role: 200 shown, 302 redirected, 403 refused. Anonymous goes to /login.
GET_MATRIX = {
    "copy":      {"other_provider": 403, "other_referrer": 403, "recipient": 200, "referrer": 200, "admin": 200},
    "letter":    {"other_provider": 403, "other_referrer": 403, "recipient": 200, "referrer": 200, "admin": 200},
    "pdf":       {"other_provider": 403, "other_referrer": 403, "recipient": 200, "referrer": 200, "admin": 200},
    "referral":  {"other_provider": 403, "other_referrer": 403, "recipient": 302, "referrer": 200, "admin": 200},
    "elsewhere": {"other_provider": 403, "other_referrer": 403, "recipient": 403, "referrer": 302, "admin": 403},
}


@pytest.mark.parametrize("which", list(GET_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_referral_pages_by_role(app, world, sent, as_role, which, role):
    """Only the referrer, the recipient and admins read a referral; anonymous visitors are sent to log in."""
    response = as_role(role).get(_page_paths(sent)[which])
    assert response.headers["Cache-Control"] == "no-store"
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    assert response.status_code == GET_MATRIX[which][role]
    body = response.get_data(as_text=True) if which != "pdf" else ""
    if response.status_code == 200 and which in ("copy", "letter", "referral"):
        assert PATIENT_REFERENCE in body
    if response.status_code == 403:
        assert PATIENT_REFERENCE not in body
    with app.app_context():
        audited = db.session.scalar(select(db.func.count()).select_from(ReferralAccessLog))
    assert audited == (1 if role == "admin" and response.status_code == 200 else 0)


def test_the_recipient_is_sent_to_their_own_copy(world, sent, as_role):
    """A recipient opening the referral lands on their copy and never sees the other provider's."""
    response = as_role("recipient").get(f"/referrals/{sent.referral.public_id}")
    assert response.headers["Location"].endswith(f"/referrals/copies/{sent.a.public_id}")
    page = as_role("recipient").get(f"/referrals/copies/{sent.a.public_id}").get_data(as_text=True)
    assert world.provider_b.name not in page and sent.b.public_id not in page


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_each_user_only_their_own(world, sent, as_role, role):
    """Dashboard and inbox: the referrer sees their referral, each recipient their copy, nobody else anything."""
    client = as_role(role)
    dashboard, inbox = client.get("/referrals"), client.get("/referrals/inbox")
    if role == "anonymous":
        assert dashboard.status_code == inbox.status_code == 302
        return
    assert dashboard.status_code == inbox.status_code == 200
    assert dashboard.headers["Cache-Control"] == inbox.headers["Cache-Control"] == "no-store"
    assert (PATIENT_REFERENCE in dashboard.get_data(as_text=True)) == (role == "referrer")
    assert (PATIENT_REFERENCE in inbox.get_data(as_text=True)) == (role == "recipient")


@pytest.mark.parametrize("role", ROLES)
def test_accept_by_role(app, world, sent, as_role, role):
    """Only the recipient can accept their copy."""
    response = as_role(role).post(f"/referrals/copies/{sent.a.public_id}/actions/accept")
    with app.app_context():
        state = db.session.get(ReferralRecipientCopy, sent.a.id).state
        state_b = db.session.get(ReferralRecipientCopy, sent.b.id).state
    if role == "recipient":
        assert response.status_code == 302 and state == "accepted"
        assert state_b == "placed_elsewhere"
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert state == "sent"


@pytest.mark.parametrize("role", ROLES)
def test_cancel_by_role(app, world, sent, as_role, role):
    """Only the referrer can cancel the referral."""
    response = as_role(role).post(f"/referrals/{sent.referral.public_id}/cancel")
    with app.app_context():
        states = {c.state for c in db.session.get(Referral, sent.referral.id).copies}
    if role == "referrer":
        assert response.status_code == 302 and states == {"cancelled"}
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert states == {"sent"}


@pytest.mark.parametrize("role", ROLES)
def test_message_by_role(app, world, sent, as_role, role):
    """Only the two clinicians write in a copy's thread."""
    response = as_role(role).post(f"/referrals/copies/{sent.a.public_id}/messages", data={"body": "Tuesday works."})
    with app.app_context():
        count = len(db.session.get(ReferralRecipientCopy, sent.a.id).messages)
    if role in ("referrer", "recipient"):
        assert response.status_code == 302 and count == 1
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert count == 0


@pytest.mark.parametrize("role", ROLES)
def test_admin_review_page_by_role(app, world, as_role, make_user, role):
    """Only admins review referrer profiles."""
    applicant = make_user(role="referrer")
    with app.app_context():
        db.session.add(ReferrerProfile(user_id=applicant.id, npi="1003000126", clinician_name="Dr Pending Person"))
        db.session.commit()
        profile_id = db.session.scalar(select(ReferrerProfile.id).where(ReferrerProfile.user_id == applicant.id))
    client = as_role(role)
    page = client.get("/admin/referrers")
    decision = client.post(f"/admin/referrers/{profile_id}/decision", data={f"p{profile_id}-decision": "approve"})
    with app.app_context():
        status = db.session.get(ReferrerProfile, profile_id).status
    if role == "admin":
        assert page.status_code == 200 and "Dr Pending Person" in page.get_data(as_text=True)
        assert decision.status_code == 302 and status == "approved"
    else:
        assert page.status_code == decision.status_code == (302 if role == "anonymous" else 403)
        assert status == "pending"


def test_admin_rejects_with_a_reason_the_applicant_sees(world, as_role, make_user, login, app):
    """A rejection needs a reason; the applicant reads it on their profile page."""
    applicant = make_user(role="referrer")
    with app.app_context():
        db.session.add(ReferrerProfile(user_id=applicant.id, npi="1003000126", clinician_name="Dr Pending Person"))
        db.session.commit()
        pid = db.session.scalar(select(ReferrerProfile.id).where(ReferrerProfile.user_id == applicant.id))
    admin = as_role("admin")
    admin.post(f"/admin/referrers/{pid}/decision", data={f"p{pid}-decision": "reject", f"p{pid}-reason": ""})
    with app.app_context():
        assert db.session.get(ReferrerProfile, pid).status == "pending"
    admin.post(f"/admin/referrers/{pid}/decision", data={f"p{pid}-decision": "reject", f"p{pid}-reason": "NPI belongs to a dentist."})
    client = app.test_client()
    login(client, applicant)
    assert "NPI belongs to a dentist." in client.get("/referrals/profile").get_data(as_text=True)


# --- sending through the pages -------------------------------------------------------------------


def _shortlist(client, *providers):
    for provider in providers:
        response = client.post("/referrals/shortlist", data={"provider_id": provider.id, "next": "/search"})
        assert response.status_code == 302


def test_profile_and_results_offer_the_shortlist_only_to_referrers(world, as_role, make_provider):
    """"Add to referral shortlist" shows for those who may refer, on verified listings only."""
    unclaimed = make_provider()
    for role, shown in (("anonymous", False), ("referrer", True), ("other_provider", True), ("admin", False)):
        client = as_role(role)
        assert ("Add to referral shortlist" in client.get(f"/providers/{world.provider_a.id}").get_data(as_text=True)) == shown
        assert "Add to referral shortlist" not in client.get(f"/providers/{unclaimed.id}").get_data(as_text=True)
    client = as_role("referrer")
    results = client.get("/search?near=10025").get_data(as_text=True)
    assert results.count("Add to referral shortlist") == 3  # the three verified listings, not the unclaimed one
    _shortlist(client, world.provider_a)
    assert "On your referral shortlist" in client.get(f"/providers/{world.provider_a.id}").get_data(as_text=True)


def test_send_a_referral_through_the_form(app, world, as_role):
    """Shortlist two providers, fill the form, send: two copies, two mails, the shortlist emptied."""
    client = as_role("referrer")
    _shortlist(client, world.provider_a, world.provider_b)
    form_page = client.get("/referrals/new")
    assert form_page.headers["Cache-Control"] == "no-store"
    assert world.provider_a.name in form_page.get_data(as_text=True)
    response = client.post("/referrals/new", data=_form())
    assert response.status_code == 302
    with app.app_context():
        referral = db.session.scalar(select(Referral))
        assert response.headers["Location"].endswith(f"/referrals/{referral.public_id}")
        assert PATIENT_REFERENCE not in response.headers["Location"]
        assert len(referral.copies) == 2 and referral.note == NOTE
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "referral.new")) == 2
    assert "Your shortlist is empty" in client.get("/referrals/new").get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed(app, world, as_role):
    """A full name as the reference: the error sits next to the field; every typed value is still there."""
    client = as_role("referrer")
    _shortlist(client, world.provider_a)
    response = client.post("/referrals/new", data=_form(patient_reference="Jane Doe"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "never their full name" in page
    assert 'value="Jane Doe"' in page and NOTE in page and 'value="10025"' in page
    assert re.search(r'value="depression"[^>]*checked|checked[^>]*value="depression"', page)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0


def test_urgent_shows_crisis_guidance_instead_of_sending(app, world, as_role):
    """Urgent: 988 and 911 guidance, nothing sent, the form kept."""
    client = as_role("referrer")
    _shortlist(client, world.provider_a)
    page = client.post("/referrals/new", data=_form(urgency="urgent")).get_data(as_text=True)
    assert "Urgent needs are not sent" in page and 'href="tel:988"' in page and 'href="tel:911"' in page
    assert NOTE in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_refer_a_patient_is_refused_to_those_who_cannot_refer(world, as_role, make_user, login, app):
    """An admin, or a referrer still waiting for approval, sees why instead of the form."""
    assert as_role("admin").get("/referrals/new").status_code == 403
    waiting = make_user(role="referrer")
    client = app.test_client()
    login(client, waiting)
    page = client.get("/referrals/new")
    assert page.status_code == 403 and "Apply with your NPI" in page.get_data(as_text=True)


def test_shortlist_holds_at_most_five(world, as_role, make_provider, make_user):
    """A sixth provider is refused with a message."""
    client = as_role("referrer")
    more = [make_provider(owner_id=make_user().id, listing_status="verified") for _ in range(4)]
    _shortlist(client, world.provider_a, world.provider_b, *more[:3])
    client.post("/referrals/shortlist", data={"provider_id": more[3].id})
    page = client.get("/referrals/new").get_data(as_text=True)
    assert "Recipients (5 of 5)" in page and more[3].name not in page


def test_recipient_answers_through_the_copy_page(app, world, sent, as_role):
    """Decline without a reason is refused on the page; with one it is recorded and the referrer mailed."""
    client = as_role("recipient")
    page = client.get(f"/referrals/copies/{sent.a.public_id}").get_data(as_text=True)
    assert "Accept" in page and "Not a fit for this referral" in page
    refused = client.post(f"/referrals/copies/{sent.a.public_id}/actions/decline", data={})
    assert refused.status_code == 422 and "Choose a reason" in refused.get_data(as_text=True)
    client.post(f"/referrals/copies/{sent.a.public_id}/actions/decline", data={"decline-reason": "insurance"})
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "declined"
    conflict = client.post(f"/referrals/copies/{sent.a.public_id}/actions/accept", follow_redirects=True)
    assert "Cannot accept: this referral is declined." in conflict.get_data(as_text=True)
    dashboard = as_role("referrer").get("/referrals").get_data(as_text=True)
    assert f"{world.provider_a.name}: declined" in dashboard and f"{world.provider_b.name}: sent" in dashboard


def test_refer_elsewhere_opens_the_form_prefilled(app, world, sent, as_role):
    """After a decline the referrer's form comes back filled in from the original."""
    with app.app_context():
        service.decline(world.recipient, sent.a.public_id, "not_a_fit")
        service.decline(world.recipient_b, sent.b.public_id, "insurance")
        db.session.commit()
    client = as_role("referrer")
    dashboard = client.get("/referrals").get_data(as_text=True)
    assert f"/referrals/{sent.referral.public_id}/refer-elsewhere" in dashboard
    client.get(f"/referrals/{sent.referral.public_id}/refer-elsewhere")
    page = client.get("/referrals/new").get_data(as_text=True)
    assert f'value="{PATIENT_REFERENCE}"' in page and NOTE in page


def test_csrf_is_required_on_referral_forms(world, sent, as_role, app):
    """With CSRF protection on, a post without the token changes nothing."""
    client = as_role("recipient")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/referrals/copies/{sent.a.public_id}/actions/accept")
        assert response.status_code == 400
        assert client.post("/referrals/shortlist", data={"provider_id": world.provider_b.id}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"


def test_referrer_applies_with_an_npi(world, make_user, login, app):
    """The profile form refuses a bad check digit next to the field and keeps the name; a good one waits for review."""
    user = make_user(role="referrer")
    client = app.test_client()
    login(client, user)
    bad = client.post("/referrals/profile", data={"npi": "1234567890", "clinician_name": "Dr Robin Vale"})
    assert bad.status_code == 422
    assert "check digit" in bad.get_data(as_text=True) and 'value="Dr Robin Vale"' in bad.get_data(as_text=True)
    good = client.post("/referrals/profile", data={"npi": "1003000126", "clinician_name": "Dr Robin Vale"},
                       follow_redirects=True)
    assert "Waiting for an administrator" in good.get_data(as_text=True)
