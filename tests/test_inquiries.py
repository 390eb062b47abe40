"""Patient inquiries: the contact page a profile links to, the owner's email and dashboard, rate limits, the purge."""
import logging
from datetime import datetime, timedelta, timezone

import time_machine
from conftest import build_test_app
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import Inquiry, OutboxMessage, Provider, ProviderType, User, utcnow
from referral.services.reference import get_by_slug

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
GOOD = {"name": "Sam", "email": "sam.patient@example.net", "phone": "", "preferred_contact": "email",
        "message": "I am looking for weekly sessions for anxiety.", "consent": "y"}


def owned(make_provider, user, **overrides):
    """A verified listing owned by `user`."""
    values = dict(npi="1234567893", owner_id=user.id, listing_status="verified", verified_at=START, source="owner")
    values.update(overrides)
    return make_provider(**values)


def test_unowned_listing_shows_its_phone_instead_of_the_form(app, client, make_provider):
    provider = make_provider(phone="(212) 555-0142")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Call them at" in html and "(212) 555-0142" in html
    assert 'name="message"' not in html
    assert client.post(f"/providers/{provider.id}/contact", data=GOOD).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_inquiry_is_stored_and_owner_told_without_content(app, client, make_user, make_provider, login, caplog):
    owner = make_user(email="dr.owner@example.org")
    provider = owned(make_provider, owner)
    html = client.get(f"/providers/{provider.id}/contact").get_data(as_text=True)
    assert 'name="message"' in html and "dr.owner@example.org" not in html

    with caplog.at_level(logging.DEBUG):
        response = client.post(f"/providers/{provider.id}/contact", data=GOOD)
    assert response.status_code == 302
    assert "Your message was sent" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert GOOD["message"] not in caplog.text and GOOD["email"] not in caplog.text

    with app.app_context():
        stored = db.session.scalars(select(Inquiry)).one()
        assert (stored.name, stored.email, stored.preferred_contact) == ("Sam", GOOD["email"], "email")
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inquiry.new")).all()
        assert len(mail) == 1 and mail[0].to_address == "dr.owner@example.org"
        assert GOOD["message"] not in mail[0].body_text and GOOD["email"] not in mail[0].body_text
        assert "Sam" not in mail[0].body_text and "/dashboard" in mail[0].body_text

    login(client, owner)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert GOOD["message"] in dashboard and GOOD["email"] in dashboard and "1 unanswered" in dashboard
    assert client.post(f"/inquiries/{stored.id}/answered").status_code == 302
    assert "0 unanswered" in client.get("/dashboard").get_data(as_text=True)


def test_invalid_inquiry_shows_errors_and_keeps_what_was_typed(app, client, make_user, make_provider):
    provider = owned(make_provider, make_user())
    data = {**GOOD, "email": "", "phone": "", "consent": ""}
    response = client.post(f"/providers/{provider.id}/contact", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give an email address or a phone number" in html and "Tick the box" in html
    assert GOOD["message"] in html and 'value="Sam"' in html
    phone_only = {**GOOD, "email": "", "phone": "208 555 0101", "preferred_contact": "email"}
    assert "choose to be contacted by phone" in client.post(
        f"/providers/{provider.id}/contact", data=phone_only).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_honeypot_pretends_success_and_stores_nothing(app, client, make_user, make_provider):
    provider = owned(make_provider, make_user())
    response = client.post(f"/providers/{provider.id}/contact", data={**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_purge_erases_inquiries_past_retention(app, client, runner, make_user, make_provider):
    provider = owned(make_provider, make_user())
    with app.app_context():
        for days in (91, 89):
            db.session.add(Inquiry(provider_id=provider.id, name="X", email="x@example.net",
                                   preferred_contact="email", message="m", consented_at=utcnow(),
                                   created_at=utcnow() - timedelta(days=days)))
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "inquiries 1" in result.output
    with app.app_context():
        remaining = db.session.scalars(select(Inquiry)).all()
        assert len(remaining) == 1 and remaining[0].created_at > utcnow() - timedelta(days=90)
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        assert "inquiries 1" in runner.invoke(args=["purge"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_inquiries_are_rate_limited_per_client():
    application = build_test_app("sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_INQUIRY="2 per hour")
    with application.app_context():
        owner = User(email="o@example.org", password_hash="x", role="provider", email_confirmed_at=utcnow())
        db.session.add(owner)
        db.session.flush()
        provider = Provider(first_name="Rae", last_name="Lim", provider_type=get_by_slug(ProviderType, "psychologist"),
                            owner_id=owner.id, listing_status="verified", verified_at=utcnow(), in_person=False)
        db.session.add(provider)
        db.session.commit()
        provider_id = provider.id
    client = application.test_client()
    statuses = [client.post(f"/providers/{provider_id}/contact", data=GOOD).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    other = application.test_client()
    assert other.post(f"/providers/{provider_id}/contact", data=GOOD,
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302
    with application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 3
