"""The whole referral loop in Chromium: send to two providers, one accepts and schedules, everyone sees the outcome."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from referral.extensions import db
from referral.models import REFERRER_APPROVED, Office, Provider, ProviderType, ReferrerProfile, User, utcnow
from referral.services.accounts import hash_password
from referral.services.reference import get_by_slug

PASSWORD = "correct horse battery staple"


def _user(email: str, role: str) -> User:
    user = User(email=email, password_hash=hash_password(PASSWORD), role=role, email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def _listing(owner: User, first: str, last: str) -> Provider:
    provider = Provider(
        first_name=first, last_name=last, credentials="LCSW", provider_type=get_by_slug(ProviderType, "social-worker")
        or get_by_slug(ProviderType, "psychologist"), accepting_new_patients=True, availability_confirmed_at=utcnow(),
        owner_id=owner.id, listing_status="verified", verified_at=utcnow(), source="owner", phone="(212) 555-0101",
    )
    provider.offices = [Office(address1="1 Test Street", city="New York", state="NY", zip="10025", lat=40.7975, lng=-73.9683)]
    db.session.add(provider)
    return provider


def _seed(app) -> None:
    with app.app_context():
        referrer = _user("psychiatrist@example.org", "referrer")
        db.session.add(ReferrerProfile(user_id=referrer.id, npi="1234567893", clinician_name="Dr Ada Moreno",
                                       credentials="MD", status=REFERRER_APPROVED, decided_at=utcnow()))
        _listing(_user("first@example.org", "provider"), "Iris", "Calloway")
        _listing(_user("second@example.org", "provider"), "Noel", "Brandt")
        db.session.commit()


def _login(context, base: str, email: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def test_referral_loop(live_server, browser):
    """A referrer sends one referral to two providers; one accepts and schedules; the other's copy is placed elsewhere."""
    _seed(live_server.app)
    base = live_server.url

    referrer = _login(browser.new_context(), base, "psychiatrist@example.org")
    referrer.goto(f"{base}/search?near=10025")
    for name in ("Iris Calloway", "Noel Brandt"):
        referrer.get_by_role("button", name=re.compile(f"Add to referral shortlist.*{name}")).click()
        expect(referrer.get_by_text("Added to your referral shortlist.")).to_be_visible()
    referrer.goto(f"{base}/referrals/new")
    expect(referrer.get_by_role("heading", name="Recipients (2 of 5)")).to_be_visible()
    referrer.get_by_label("Patient reference").fill("MRN-5521")
    referrer.get_by_label("Adults (18–64)").check()
    referrer.get_by_label("Patient's ZIP code").fill("10025")
    referrer.get_by_label("Insurance", exact=True).select_option("self-pay")
    referrer.get_by_label("Depression").check()
    referrer.get_by_label("Preferred therapy approach").select_option("psychodynamic")
    referrer.get_by_label("Session frequency").select_option("weekly")
    referrer.get_by_label("Note to the recipient").fill("Ready to begin weekly psychodynamic work.")
    referrer.get_by_label("The patient agreed to be referred to these providers.").check()
    referrer.get_by_role("button", name="Send referral").click()
    expect(referrer.get_by_text("Referral sent to 2 providers.")).to_be_visible()
    assert "MRN-5521" not in referrer.url

    first = _login(browser.new_context(), base, "first@example.org")
    first.goto(f"{base}/referrals/inbox")
    first.get_by_role("link", name="Referral MRN-5521").click()
    expect(first.get_by_text("Ready to begin weekly psychodynamic work.")).to_be_visible()
    first.get_by_role("button", name="Accept").click()
    expect(first.get_by_text("Done: accepted.")).to_be_visible()
    first.get_by_label("Date of the first appointment").fill((date.today() + timedelta(days=6)).isoformat())
    first.get_by_role("button", name="Schedule").click()
    expect(first.get_by_text("Done: scheduled.")).to_be_visible()

    referrer.goto(f"{base}/referrals")
    row = referrer.get_by_role("row", name=re.compile("MRN-5521"))
    expect(row.locator(".referral-state")).to_have_text("Scheduled")
    expect(row).to_contain_text("Noel Brandt: placed elsewhere")

    second = _login(browser.new_context(), base, "second@example.org")
    second.goto(f"{base}/referrals/inbox")
    expect(second.locator(".referral-state")).to_have_text("Placed elsewhere")
    second.get_by_role("link", name="Referral MRN-5521").click()
    expect(second.get_by_text("This patient was placed with another provider.")).to_be_visible()
    expect(second.get_by_role("button", name="Accept")).to_have_count(0)
