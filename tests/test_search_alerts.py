"""Search alerts, end to end with a frozen clock: the offer under a search with nobody accepting, double opt-in,
at most one mail a week carrying counts and a link, one-click unsubscribe, expiry, and erasure counted in every table."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import build_test_app
from sqlalchemy import func, select, update

from referral.extensions import db
from referral.models import OutboxMessage, Provider, SearchAlert
from referral.services.alerts import alert_query, send_alerts
from referral.services.retention import purge_expired
from referral.services.search import AvailabilityRules
from referral.services.search_params import SearchLimits

START = datetime(2026, 4, 6, 9, 0, tzinfo=timezone.utc)
ADDRESS = "rowan.alerts@example.net"
SEARCH = "near=10025&modality=psychodynamic"


@pytest.fixture
def nobody_accepting(make_provider):
    """Two psychodynamic clinicians near 10025, neither accepting new patients."""
    with time_machine.travel(START - timedelta(days=5), tick=False):
        return [make_provider(last_name=f"Closed{n}", modalities=["psychodynamic"], accepting_new_patients=False)
                for n in range(2)]


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({path}\S+)", message.body_text).group(1)


def run_alerts(app, now):
    with app.app_context():
        report = send_alerts(app.config["SECRET_KEY"], "https://d.example", geocoder=app.extensions["geocoder"],
                             limits=SearchLimits(), rules=AvailabilityRules(), now=now)
        db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).values(sent_at=now))
        db.session.commit()
        return report.done


def every_row(app) -> dict[str, list[str]]:
    with app.app_context():
        return {table.name: [repr(tuple(row)) for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables}


def test_the_offer_shows_only_when_nobody_matching_is_accepting(client, make_provider, nobody_accepting):
    page = client.get(f"/search?{SEARCH}").get_data(as_text=True)
    assert "Tell me when someone opens up" in page
    assert f'href="/alerts/new?{alert_query(SEARCH)}"' in page.replace("&amp;", "&")
    make_provider(last_name="Open", modalities=["psychodynamic"], offices=[
        {"lat": 40.90, "lng": -73.9683, "zip": "10471", "city": "Bronx", "state": "NY"}])  # farther, but accepting
    assert "Tell me when someone opens up" not in client.get(f"/search?{SEARCH}").get_data(as_text=True)
    assert "Tell me when someone opens up" not in client.get(f"/search?{SEARCH}&accepting=false").get_data(as_text=True)


def test_double_opt_in_weekly_mail_unsubscribe_and_erasure(app, client, make_provider, nobody_accepting):
    with time_machine.travel(START, tick=False):
        form = client.get(f"/alerts/new?{SEARCH}&page=2&utm_source=x")
        assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
        assert "Therapy approach" in form.get_data(as_text=True) or "sychodynamic" in form.get_data(as_text=True)
        sent = client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS})
        assert sent.status_code == 200 and "Check your email" in sent.get_data(as_text=True)
    with app.app_context():
        alert = db.session.scalars(select(SearchAlert)).one()
        assert (alert.email, alert.query, alert.confirmed_at) == (ADDRESS, "modality=psychodynamic&near=10025", None)
    [confirmation] = mails(app, "alert.confirm")
    assert confirmation.to_address == ADDRESS and "psychodynamic" not in confirmation.body_text

    # Unconfirmed: nothing is sent, even when someone opens up.
    with app.app_context():
        db.session.execute(update(Provider).where(Provider.id == nobody_accepting[0].id).values(
            accepting_new_patients=True, availability_confirmed_at=START + timedelta(days=1)))
        db.session.commit()
    assert run_alerts(app, START + timedelta(days=1, hours=1)) == 0

    confirm_link = link_in(confirmation, "/alerts/confirm/")
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert "Start the alert" in client.get(confirm_link).get_data(as_text=True)
        started = client.post(confirm_link)
        assert started.status_code == 200 and "Your alert is on" in started.get_data(as_text=True)
    with app.app_context():
        alert = db.session.scalars(select(SearchAlert)).one()
        assert alert.expires_at == START + timedelta(hours=2, days=90)

    assert run_alerts(app, START + timedelta(days=1, hours=1)) == 1
    [match] = mails(app, "alert.match")
    assert match.to_address == ADDRESS and "1 clinician matching your search has confirmed" in match.body_text
    assert "/search?modality=psychodynamic&near=10025&accepting=true" in match.body_text
    for detail in ("Closed0", "Closed1", "Testa", "rowan"):
        assert detail not in match.body_text, detail

    # At most once a week, and only for clinicians newly confirmed since the last mail.
    with app.app_context():
        db.session.execute(update(Provider).where(Provider.id == nobody_accepting[1].id).values(
            accepting_new_patients=True, availability_confirmed_at=START + timedelta(days=3)))
        db.session.commit()
    assert run_alerts(app, START + timedelta(days=4)) == 0
    assert run_alerts(app, START + timedelta(days=8, hours=2)) == 1
    assert "1 clinician matching" in mails(app, "alert.match")[-1].body_text
    assert run_alerts(app, START + timedelta(days=16)) == 0  # nobody new

    unsubscribe_link = link_in(mails(app, "alert.match")[-1], "/alerts/unsubscribe/")
    page = client.get(unsubscribe_link)
    assert page.status_code == 200 and "Stop these emails" in page.get_data(as_text=True)
    before = {name: len(rows) for name, rows in every_row(app).items()}
    assert "cancelled" in client.post(unsubscribe_link).get_data(as_text=True)
    rows = every_row(app)
    assert {name: before[name] - len(found) for name, found in rows.items() if before[name] != len(found)} == {
        "search_alerts": 1, "outbox_messages": 3}
    assert not [name for name, found in rows.items() if any(ADDRESS in row for row in found)]
    assert client.get(unsubscribe_link).status_code == 200  # gone: says so
    assert client.post(confirm_link).status_code in (200, 400)


def test_alerts_expire_after_ninety_days_and_unconfirmed_ones_after_two(app, client, nobody_accepting):
    with time_machine.travel(START, tick=False):
        client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS})
        client.post(f"/alerts/new?{SEARCH}&telehealth=true", data={"email": "other@example.net"})
        client.post(link_in(mails(app, "alert.confirm")[0], "/alerts/confirm/"))
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(sent_at=START))
        db.session.commit()
        assert purge_expired(app.config, START + timedelta(days=1))["search_alerts"].done == 0
        assert purge_expired(app.config, START + timedelta(days=3))["search_alerts"].done == 1  # never confirmed
        assert run_alerts(app, START + timedelta(days=91)) == 0  # expired: not sent
        assert purge_expired(app.config, START + timedelta(days=91))["search_alerts"].done == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SearchAlert)) == 0
    rows = every_row(app)
    assert not [name for name, found in rows.items() if any(ADDRESS in row or "other@example.net" in row
                                                            for row in found)]


def test_a_bad_address_is_kept_and_named_by_its_field(app, client, nobody_accepting):
    for bad in ("not an address", "x" * 250 + "@example.net"):
        page = client.post(f"/alerts/new?{SEARCH}", data={"email": bad})
        assert page.status_code == 400 and 'id="email-error"' in page.get_data(as_text=True)
        assert f'value="{bad}"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchAlert)) == 0


@pytest.mark.parametrize("path", ["/alerts/new?page=2", "/alerts/new?near=%00", "/alerts/new?near=nowhere-at-all",
                                  "/alerts/confirm/nonsense", "/alerts/unsubscribe/nonsense", "/alerts/confirm/" + "A" * 4000])
def test_bad_requests_are_refused_without_a_server_error(client, path):
    assert client.get(path).status_code in (200, 400, 404)
    assert client.post(path, data={"email": ADDRESS}).status_code in (200, 400, 404)


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(app, client, nobody_accepting):
    page = client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS, "website": "spam"})
    assert page.status_code == 200 and "Check your email" in page.get_data(as_text=True)
    assert mails(app, "alert.confirm") == []


def test_a_second_request_for_a_confirmed_alert_sends_nothing(app, client, nobody_accepting):
    client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS})
    client.post(link_in(mails(app, "alert.confirm")[0], "/alerts/confirm/"))
    again = client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS})
    assert again.status_code == 200 and "Check your email" in again.get_data(as_text=True)
    assert len(mails(app, "alert.confirm")) == 1


def test_alert_requests_are_rate_limited_per_client():
    application = build_test_app("sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_ALERT="2 per hour")
    client = application.test_client()
    statuses = [client.post("/alerts/new?near=10025", data={"email": f"n{n}@example.net"}).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]


def test_the_daily_commands_run_and_say_what_they_did(app, runner, client, make_provider, nobody_accepting):
    with time_machine.travel(START, tick=False):
        client.post(f"/alerts/new?{SEARCH}", data={"email": ADDRESS})
        client.post(link_in(mails(app, "alert.confirm")[0], "/alerts/confirm/"))
    with app.app_context():
        db.session.execute(update(Provider).where(Provider.id == nobody_accepting[0].id).values(
            accepting_new_patients=True, availability_confirmed_at=START + timedelta(days=1)))
        db.session.commit()
    with time_machine.travel(START + timedelta(days=2), tick=False):
        sent = runner.invoke(args=["send-alerts"])
        again = runner.invoke(args=["send-alerts"])
        follow_ups = runner.invoke(args=["send-follow-ups"])
        unanswered = runner.invoke(args=["notify-unanswered"])
    assert (sent.exit_code, sent.output.strip()) == (0, "Search alerts mailed: 1")
    assert again.output.strip() == "Search alerts mailed: 0"
    assert (follow_ups.exit_code, follow_ups.output.strip()) == (0, "Follow-up questions queued: 0")
    assert (unanswered.exit_code, unanswered.output.strip()) == (0, "Owners told of unanswered messages: 0")
    assert len(mails(app, "alert.match")) == 1


def test_without_a_search_the_page_asks_for_a_place(app, client, nobody_accepting):
    page = client.get("/alerts/new")
    assert page.status_code == 200 and 'name="near"' in page.get_data(as_text=True)
    refused = client.post("/alerts/new", data={"near": "Qqqzzx Xxqq", "email": ADDRESS})
    assert refused.status_code == 400 and 'id="near-error"' in refused.get_data(as_text=True)
    assert 'value="Qqqzzx Xxqq"' in refused.get_data(as_text=True)
    assert client.post("/alerts/new", data={"near": " 10025 ", "email": ADDRESS}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(SearchAlert.query)).all() == ["near=10025"]
