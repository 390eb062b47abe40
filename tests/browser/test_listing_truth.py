"""Listings that prove they are real, in Chromium on a phone and a desktop: the follow-up after an inquiry
(offer, question, one-click answer, erasure), a report of a wrong listing reaching the admin queue, its
caution appearing on the profile and clearing once an admin resolves it, and a search alert (double
opt-in, the mail, one-click unsubscribe, erasure)."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from two_factor_codes import fresh_code

from referral.extensions import db
from referral.models import (
    InquiryRecord,
    SearchAlert,
    License,
    ListingReport,
    Office,
    OutboxMessage,
    Provider,
    ProviderType,
    User,
    utcnow,
)
from referral.services.accounts import create_admin, hash_password
from referral.services.alerts import send_alerts
from referral.services.follow_ups import send_due_follow_ups
from referral.services.reference import get_by_slug
from referral.services.reports import reporter_key
from referral.services.search import AvailabilityRules
from referral.services.search_params import SearchLimits

from .conftest import assert_accessible

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHECK_IN_ADDRESS = "kit.checkin@example.net"
ADMIN_PASSWORD = "another long passphrase"


def _seed(app, *, owned: bool) -> int:
    """A listing in New York: verified and owned (it takes messages), or from the registry and unclaimed."""
    with app.app_context():
        provider = Provider(
            npi="1234567893", first_name="Juniper", last_name="Castellano", credentials="PhD",
            provider_type=get_by_slug(ProviderType, "psychologist"), statement="I see adults.",
            accepting_new_patients=True, availability_confirmed_at=utcnow(), in_person=True, phone="(212) 555-0100",
            source="owner" if owned else "nppes", listing_status="verified" if owned else "unclaimed",
            verified_at=utcnow() if owned else None,
        )
        if owned:
            owner = User(email="juniper@example.org", password_hash=hash_password("a long enough passphrase"),
                         role="provider", email_confirmed_at=utcnow(), session_version=1)
            db.session.add(owner)
            db.session.flush()
            provider.owner_id = owner.id
        provider.offices = [Office(address1="1 Test St", city="New York", state="NY", zip="10025",
                                   lat=40.7975, lng=-73.9683)]
        provider.licenses = [License(state="NY", number="1")]
        db.session.add(provider)
        db.session.commit()
        return provider.id


def _admin_page(page, url: str, viewport: dict):
    """A browser of the admin's own, signed in (setting up two-step sign-in, as the first log-in asks)."""
    admin_page = page.context.browser.new_context(viewport=viewport).new_page()
    admin_page.goto(url + "/login")
    admin_page.get_by_label("Email address").fill("admin@example.org")
    admin_page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    admin_page.get_by_role("button", name="Log in").click()
    admin_page.get_by_role("button", name="Set up two-step sign-in").click()
    key = admin_page.locator(".secret-key").inner_text()
    admin_page.get_by_label("Code from your app").fill(fresh_code(key.replace(" ", "")))
    admin_page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(admin_page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    return admin_page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_follow_up_is_offered_asked_answered_in_one_click_and_erased(live_server, page, viewport):
    app, url = live_server.app, live_server.url
    provider_id = _seed(app, owned=True)
    page.set_viewport_size(viewport)

    page.goto(f"{url}/providers/{provider_id}")
    page.get_by_role("link", name=re.compile("Write to")).click()
    page.get_by_label("Your name").fill("Kit")
    page.get_by_label("Email", exact=True).fill("kit@example.net")
    page.get_by_label("Message").fill("I am looking for weekly sessions.")
    page.get_by_label("I agree that this provider may contact me").check()
    page.get_by_role("button", name="Send message").click()

    expect(page.get_by_text("Your message was sent")).to_be_visible()
    expect(page.get_by_role("heading", name="Shall we check in with you in a week?")).to_be_visible()
    assert_accessible(page, "the follow-up offer")
    page.get_by_role("button", name="Ask me in a week").click()
    expect(page.locator("#email-error")).to_contain_text("Enter an email address like name@example.com.")
    assert_accessible(page, "the follow-up offer with an error")
    page.get_by_label("Your email address").fill(CHECK_IN_ADDRESS)
    page.get_by_role("button", name="Ask me in a week").click()
    expect(page.get_by_role("heading", name="We will check in with you")).to_be_visible()

    # A week later, `flask send-follow-ups` asks; the mail leads to one click.
    with app.app_context():
        record = db.session.scalars(select(InquiryRecord)).one()
        send_due_follow_ups(app.config["SECRET_KEY"], url, record.follow_up_due_at)
        db.session.execute(OutboxMessage.__table__.update().values(sent_at=utcnow()))  # as send-outbox would
        db.session.commit()
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.kind == "follow_up.ask")).one()
    assert "Castellano" not in body and "weekly sessions" not in body and "Kit" not in body
    link = re.search(r"http\S+/follow-up/\S+", body).group(0)
    answer_page = page.context.browser.new_context(viewport=viewport).new_page()  # opened from the mail app
    answer_page.goto(link)
    expect(answer_page.get_by_role("heading", name="Did the clinician get back to you?")).to_be_visible()
    assert_accessible(answer_page, "the follow-up question")
    answer_page.get_by_role("button", name="Yes, they got back to me").click()
    expect(answer_page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(answer_page, "the follow-up thanks")
    answer_page.goto(link)
    expect(answer_page.get_by_text("your answer was already recorded")).to_be_visible()
    answer_page.context.close()

    with app.app_context():
        record = db.session.scalars(select(InquiryRecord)).one()
        assert (record.visitor_answer, record.follow_up_email) == ("yes", "")
        for table in db.metadata.sorted_tables:
            rows = [repr(tuple(row)) for row in db.session.execute(select(table))]
            assert not any(CHECK_IN_ADDRESS in row for row in rows), table.name


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_report_reaches_the_queue_and_its_caution_shows_until_resolved(live_server, page, viewport):
    app, url = live_server.app, live_server.url
    provider_id = _seed(app, owned=False)
    with app.app_context():
        create_admin("admin@example.org", ADMIN_PASSWORD)
        for address in ("192.0.2.1", "192.0.2.2"):  # two other visitors reported the same before
            db.session.add(ListingReport(provider_id=provider_id, kind="retired",
                                         reporter_key=reporter_key(app.config["SECRET_KEY"], address)))
        db.session.commit()
    page.set_viewport_size(viewport)

    page.goto(f"{url}/providers/{provider_id}")
    expect(page.get_by_text("Visitors have reported that this listing may be wrong")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Report it")).click()
    assert_accessible(page, "the report form")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#kind-error")).to_contain_text("Choose what is wrong")
    assert_accessible(page, "the report form with an error")
    page.get_by_label("They have retired or no longer practise").check()
    page.get_by_label("Anything we should know").fill("Their office told me they closed the practice.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Thank you. We will check this listing")).to_be_visible()
    expect(page.get_by_text("Visitors have reported that this listing may be wrong")).to_be_visible()
    assert_accessible(page, "a profile with a caution")

    admin_page = _admin_page(page, url, viewport)
    admin_page.goto(url + "/admin/reports")
    expect(admin_page.get_by_text("Marked for review:")).to_be_visible()
    expect(admin_page.get_by_text("Their office told me they closed the practice.")).to_be_visible()
    assert_accessible(admin_page, "the report queue")
    admin_page.get_by_role("button", name="Resolve these reports about Juniper Castellano").click()
    expect(admin_page.get_by_text("Resolved 3 reports")).to_be_visible()
    expect(admin_page.get_by_text("No open reports")).to_be_visible()
    admin_page.context.close()

    page.goto(f"{url}/providers/{provider_id}")
    expect(page.get_by_text("Visitors have reported that this listing may be wrong")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_search_alert_is_confirmed_mailed_and_cancelled(live_server, page, viewport):
    app, url = live_server.app, live_server.url
    provider_id = _seed(app, owned=False)
    with app.app_context():
        db.session.get(Provider, provider_id).accepting_new_patients = False
        db.session.commit()
    address = "rowan.alerts@example.net"
    page.set_viewport_size(viewport)

    page.goto(f"{url}/search?near=10025")
    page.get_by_role("link", name="Tell me when someone opens up").click()
    assert_accessible(page, "the alert form")
    page.get_by_label("Your email address").fill(address)
    page.get_by_role("button", name="Email me when someone opens up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.kind == "alert.confirm")).one()
    mail_page = page.context.browser.new_context(viewport=viewport).new_page()
    mail_page.goto(url + re.search(r"https?://[^/\s]+(/alerts/confirm/\S+)", body).group(1))
    assert_accessible(mail_page, "the alert confirmation")
    mail_page.get_by_role("button", name="Start the alert").click()
    expect(mail_page.get_by_text("Your alert is on")).to_be_visible()

    # The clinician starts accepting; the daily `flask send-alerts` mails the count and a link.
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        provider.accepting_new_patients, provider.availability_confirmed_at = True, utcnow()
        db.session.commit()
        send_alerts(app.config["SECRET_KEY"], url, geocoder=app.extensions["geocoder"], limits=SearchLimits(),
                    rules=AvailabilityRules(), now=utcnow() + timedelta(minutes=1))
        db.session.execute(OutboxMessage.__table__.update().values(sent_at=utcnow()))  # as send-outbox would
        db.session.commit()
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.kind == "alert.match")).one()
    assert "1 clinician matching your search" in body and "Castellano" not in body
    mail_page.goto(url + re.search(r"https?://[^/\s]+(/search\?\S+)", body).group(1))
    expect(mail_page.get_by_role("link", name="Juniper Castellano, PhD")).to_be_visible()
    mail_page.goto(url + re.search(r"https?://[^/\s]+(/alerts/unsubscribe/\S+)", body).group(1))
    assert_accessible(mail_page, "the unsubscribe page")
    mail_page.get_by_role("button", name="Stop these emails").click()
    expect(mail_page.get_by_text("Your alert is cancelled")).to_be_visible()
    mail_page.context.close()

    with app.app_context():
        assert db.session.scalars(select(SearchAlert)).all() == []
        for table in db.metadata.sorted_tables:
            rows = [repr(tuple(row)) for row in db.session.execute(select(table))]
            assert not any(address in row for row in rows), table.name


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_truth_page_draws_its_charts_and_offers_its_csv(live_server, page, viewport):
    app, url = live_server.app, live_server.url
    provider_id = _seed(app, owned=True)
    with app.app_context():
        create_admin("admin@example.org", ADMIN_PASSWORD)
        db.session.add_all([InquiryRecord(provider_id=provider_id, sent_at=utcnow() - timedelta(days=9),
                                          answered_at=utcnow() - timedelta(days=8)),
                            ListingReport(provider_id=provider_id, kind="moved")])
        db.session.commit()
    admin_page = _admin_page(page, url, viewport)
    admin_page.goto(url + "/admin/truth")
    expect(admin_page.get_by_role("heading", name="The directory's own truth")).to_be_visible()
    expect(admin_page.locator("svg.chart")).to_have_count(3)
    assert_accessible(admin_page, "the truth page")
    with admin_page.expect_download() as download:
        admin_page.get_by_role("link", name="Download these figures (CSV)").click()
    assert download.value.suggested_filename.startswith("directory-truth-")
    admin_page.context.close()
