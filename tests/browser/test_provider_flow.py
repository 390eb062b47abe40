"""A provider's whole journey in Chromium: register, confirm by the emailed link, claim by NPI, get approved, edit, be found."""
import re

from playwright.sync_api import expect
from sqlalchemy import select
from two_factor_codes import fresh_code

from referral.extensions import db
from referral.models import License, Office, OutboxMessage, Provider, ProviderType, utcnow
from referral.services.accounts import create_admin
from referral.services.reference import get_by_slug

PASSWORD = "a long enough passphrase"
ADMIN_PASSWORD = "another long passphrase"


def _seed(app) -> int:
    """A seeded (demo) listing nobody owns, and an admin account."""
    with app.app_context():
        provider = Provider(
            npi="1234567893", first_name="Juniper", last_name="Castellano", credentials="PhD",
            provider_type=get_by_slug(ProviderType, "psychologist"), statement="I see adults.",
            accepting_new_patients=True, availability_confirmed_at=utcnow(), source="demo", in_person=True,
            phone="(212) 555-0100",
        )
        provider.offices = [Office(address1="1 Test St", city="New York", state="NY", zip="10025",
                                   lat=40.7975, lng=-73.9683)]
        provider.licenses = [License(state="NY", number="1")]
        db.session.add(provider)
        create_admin("admin@example.org", ADMIN_PASSWORD)
        db.session.commit()
        return provider.id


def _outbox_link(app, to: str, pattern: str) -> str:
    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_address == to)).all()
    for body in bodies:
        match = re.search(pattern, body)
        if match:
            return match.group(0)
    raise AssertionError(f"no link matching {pattern} in mail to {to}")


def _log_in(page, url, email, password):
    page.goto(url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_register_claim_approve_edit_and_be_found(live_server, page):
    app, url = live_server.app, live_server.url
    provider_id = _seed(app)

    # Register as a provider and confirm by the link from the captured mail.
    page.goto(url + "/register")
    page.get_by_label("A clinician who wants to list my practice").check()
    page.get_by_label("Email address").fill("juniper@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    link = _outbox_link(app, "juniper@example.org", r"https?://\S+/confirm/\S+")
    page.goto(url + link[link.index("/confirm/"):])
    page.get_by_role("button", name="Confirm my email address").click()

    # Log in and claim the seeded listing by its NPI.
    _log_in(page, url, "juniper@example.org", PASSWORD)
    page.goto(url + "/listings/claim")
    page.get_by_label("NPI of the listing").fill("1234567890")
    page.get_by_role("button", name="Claim listing").click()
    expect(page.locator("#npi-error")).to_contain_text("check digit")
    page.get_by_label("NPI of the listing").fill("1234567893")
    page.get_by_role("button", name="Claim listing").click()
    expect(page.get_by_text("Waiting for review").first).to_be_visible()

    # An admin, in a browser of their own, sets up two-step sign-in (asked to at the first log-in), then
    # approves the claim.
    admin_page = page.context.browser.new_context().new_page()
    _log_in(admin_page, url, "admin@example.org", ADMIN_PASSWORD)
    admin_page.get_by_role("button", name="Set up two-step sign-in").click()
    key = admin_page.locator(".secret-key").inner_text()
    admin_page.get_by_label("Code from your app").fill(fresh_code(key.replace(" ", "")))
    admin_page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(admin_page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    admin_page.goto(url + "/admin/reviews")
    admin_page.get_by_role("button", name="Approve Juniper Castellano").click()
    expect(admin_page.get_by_text("Nothing is waiting for review")).to_be_visible()
    admin_page.context.close()

    # The owner edits the listing; the change shows on the profile and in search.
    page.goto(url + "/dashboard")
    expect(page.get_by_text("Verified on")).to_be_visible()
    page.get_by_role("link", name="Edit listing").click()
    page.get_by_label("About you and your practice", exact=True).fill("I see adults.\n\nSpecialising in perinatal anxiety.")
    page.get_by_role("button", name="Save listing").click()
    expect(page.get_by_text("Your listing is saved.")).to_be_visible()

    page.goto(url + "/search?q=perinatal")
    expect(page.get_by_role("link", name=re.compile("Juniper Castellano"))).to_be_visible()
    page.goto(f"{url}/providers/{provider_id}")
    expect(page.get_by_text("Specialising in perinatal anxiety.")).to_be_visible()
    expect(page.get_by_role("heading", name="Contact Juniper Castellano")).to_be_visible()
