"""Availability that expires: confirming on the dashboard or by emailed link, reminders, the expiry rules."""
import re
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, Provider

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def owned(make_provider, user, **overrides):
    """A verified listing owned by `user`."""
    values = dict(npi="1234567893", owner_id=user.id, listing_status="verified", verified_at=START, source="owner",
                  last_name="Brightwater", availability_confirmed_at=START, accepting_new_patients=True)
    values.update(overrides)
    return make_provider(**values)


def reminders(app) -> list[OutboxMessage]:
    """The availability reminders queued so far (detached)."""
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "availability.reminder")))


def accepting_results(client) -> list:
    return client.get("/api/v1/providers?q=Brightwater&accepting=true").get_json()["results"]


def test_expiry_rules_and_one_click_confirm(app, client, make_user, make_provider, login):
    owner = make_user()
    provider = owned(make_provider, owner)
    with time_machine.travel(START + timedelta(days=44), tick=False):
        assert len(accepting_results(client)) == 1
        assert "Accepting new patients · confirmed January 5, 2026" in client.get(f"/providers/{provider.id}").get_data(as_text=True)
    with time_machine.travel(START + timedelta(days=46), tick=False):
        assert accepting_results(client) == []
        profile = client.get(f"/providers/{provider.id}").get_data(as_text=True)
        assert "Availability not confirmed since January 5, 2026" in profile
        login(client, owner)
        assert client.post(f"/listings/{provider.id}/confirm-availability").status_code == 302
        assert len(accepting_results(client)) == 1
        assert "confirmed February 20, 2026" in client.get(f"/providers/{provider.id}").get_data(as_text=True)


def test_send_reminders_once_per_period_and_link_confirms(app, client, runner, make_user, make_provider):
    owner = make_user(email="owner@example.org")
    provider = owned(make_provider, owner)
    owned(make_provider, make_user(), npi="1234567901", last_name="Fresh",
          availability_confirmed_at=START + timedelta(days=20))
    make_provider(npi="1234567919", availability_confirmed_at=START)  # unowned: nobody to remind

    with time_machine.travel(START + timedelta(days=29), tick=False):
        assert "queued: 0" in runner.invoke(args=["send-reminders"]).output
    with time_machine.travel(START + timedelta(days=31), tick=False):
        assert "queued: 1" in runner.invoke(args=["send-reminders"]).output
        assert "queued: 0" in runner.invoke(args=["send-reminders"]).output  # the same day again
    with time_machine.travel(START + timedelta(days=45), tick=False):
        assert "queued: 0" in runner.invoke(args=["send-reminders"]).output  # still within the period
    mail = reminders(app)
    assert [m.to_address for m in mail] == ["owner@example.org"]
    link = re.search(r"http\S+/availability/confirm/(\S+)", mail[0].body_text).group(0)
    path = link[link.index("/availability/"):]

    with time_machine.travel(START + timedelta(days=40), tick=False):
        page = client.get(path)  # no login needed: the signed link is enough, and a button confirms
        assert page.status_code == 200 and "Confirm availability" in page.get_data(as_text=True)
        assert client.post(path).status_code == 200
    with app.app_context():
        assert db.session.get(Provider, provider.id).availability_confirmed_at == START + timedelta(days=40)
    with time_machine.travel(START + timedelta(days=65), tick=False):
        # The owner confirmed 25 days ago: no reminder. "Fresh" confirmed 45 days ago: reminded.
        assert "queued: 1" in runner.invoke(args=["send-reminders"]).output
    with time_machine.travel(START + timedelta(days=71), tick=False):
        assert "queued: 1" in runner.invoke(args=["send-reminders"]).output  # the owner, 31 days after confirming
    assert [m.to_address for m in reminders(app)][0] == "owner@example.org"
    assert [m.to_address for m in reminders(app)].count("owner@example.org") == 2


def test_confirm_link_expires_and_rejects_tampering(app, client, make_user, make_provider):
    from referral.services.availability import confirmation_token

    owner = make_user()
    provider = owned(make_provider, owner)
    with time_machine.travel(START, tick=False):
        token = confirmation_token(app.config["SECRET_KEY"], provider)
    with time_machine.travel(START + timedelta(days=app.config["AVAILABILITY_CONFIRM_LINK_DAYS"] + 1), tick=False):
        for method in ("GET", "POST"):
            expired = client.open(f"/availability/confirm/{token}", method=method)
            assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    for method in ("GET", "POST"):
        tampered = client.open(f"/availability/confirm/{token[:-2]}xx", method=method)
        assert tampered.status_code == 400 and "This link does not work" in tampered.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Provider, provider.id).availability_confirmed_at == START


def test_confirm_link_stops_working_when_the_owner_changes(app, client, make_user, make_provider):
    from referral.services.availability import confirmation_token

    provider = owned(make_provider, make_user())
    token = confirmation_token(app.config["SECRET_KEY"], provider)
    new_owner = make_user()
    with app.app_context():
        db.session.get(Provider, provider.id).owner_id = new_owner.id
        db.session.commit()
    assert client.get(f"/availability/confirm/{token}").status_code == 400
    assert client.post(f"/availability/confirm/{token}").status_code == 400


def confirmed_at(app, provider_id: int):
    with app.app_context():
        return db.session.get(Provider, provider_id).availability_confirmed_at


def test_the_emailed_link_confirms_only_when_its_button_is_pressed(app, client, make_user, make_provider):
    """Mail scanners open links (GET, HEAD): opening one changes nothing; the page's button (a POST) confirms."""
    from referral.services.availability import confirmation_token

    provider = owned(make_provider, make_user())
    with time_machine.travel(START + timedelta(days=35), tick=False):
        path = f"/availability/confirm/{confirmation_token(app.config['SECRET_KEY'], provider)}"
        page = client.get(path)
        assert client.head(path).status_code == 200
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Brightwater" in html and page.headers["Cache-Control"] == "no-store"
    assert re.search(r'<form method="post" action="%s"' % re.escape(path), html)
    assert confirmed_at(app, provider.id) == START

    with time_machine.travel(START + timedelta(days=36), tick=False):
        done = client.post(path)
    assert done.status_code == 200 and "Availability confirmed" in done.get_data(as_text=True)
    assert confirmed_at(app, provider.id) == START + timedelta(days=36)
    with time_machine.travel(START + timedelta(days=37), tick=False):
        again = client.post(path)  # pressed twice, or the request replayed: confirmed as of now, nothing else
    assert again.status_code == 200 and "Availability confirmed" in again.get_data(as_text=True)
    assert confirmed_at(app, provider.id) == START + timedelta(days=37)
    with app.app_context():
        assert db.session.get(Provider, provider.id).listing_status == "verified"


def test_the_confirm_button_needs_the_pages_token(app, client, make_user, make_provider):
    """With CSRF on, a POST without the page's token (another site's form) confirms nothing and offers the button."""
    from referral.services.availability import confirmation_token

    app.config["WTF_CSRF_ENABLED"] = True
    provider = owned(make_provider, make_user())
    path = f"/availability/confirm/{confirmation_token(app.config['SECRET_KEY'], provider)}"
    forged = client.post(path)
    assert forged.status_code == 400 and "press the button again" in forged.get_data(as_text=True)
    assert confirmed_at(app, provider.id) == START
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token.group(1)}).status_code == 200
    assert confirmed_at(app, provider.id) > START


def test_long_unconfirmed_sorts_after_confirmed_at_equal_distance(app, client, make_user, make_provider):
    old = make_provider(last_name="Brightwater", availability_confirmed_at=START - timedelta(days=200))
    new = make_provider(last_name="Brightwater", availability_confirmed_at=START - timedelta(days=10))
    assert old.id < new.id
    with time_machine.travel(START, tick=False):
        results = client.get("/api/v1/providers?q=Brightwater&near=10025").get_json()["results"]
    assert [r["id"] for r in results] == [new.id, old.id]


def test_a_confirmation_racing_another_write_confirms_the_newer_version(app_ctx, make_user, make_provider):
    from sqlalchemy import update

    from referral.services.availability import confirm_availability

    owner = make_user()
    provider = owned(make_provider, owner, availability_confirmed_at=START)
    db.session.get(Provider, provider.id)  # this request has read version 1...
    # ...and another request (a second click on the emailed link) confirms it first.
    db.session.execute(update(Provider).where(Provider.id == provider.id)
                       .values(version_id=Provider.version_id + 1), execution_options={"synchronize_session": False})
    confirmed = confirm_availability(owner, provider.id, now=START + timedelta(days=3))
    db.session.commit()
    assert confirmed.availability_confirmed_at == START + timedelta(days=3)
    assert db.session.get(Provider, provider.id).availability_confirmed_at == START + timedelta(days=3)
