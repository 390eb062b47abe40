"""The directory in Spanish, in Chromium set to Spanish: the home page's redirect, a search, a profile with its
statement in Spanish, writing to the clinician, and the PHQ-9 in its validated Spanish wording; no cookie
remembers the language, and the switch returns to the same page in English."""
import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from referral.extensions import db
from referral.models import License, Modality, Office, Provider, ProviderType, User, utcnow
from referral.services.accounts import hash_password
from referral.services.reference import get_by_slug

from .conftest import assert_accessible

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CATALOGUES = Path(__file__).resolve().parents[2] / "translations"
SPANISH = Translations.load(str(CATALOGUES), ["es"])


def es(english: str, **values) -> str:
    """The Spanish the catalogue holds for an English message (failing if it holds none)."""
    spanish = SPANISH.gettext(english)
    assert spanish != english, f"no Spanish for {english!r}"
    return spanish % values if values else spanish


def _listing(app) -> int:
    """A verified, owned listing in New York, practising psychodynamic therapy, its statement in both languages."""
    with app.app_context():
        owner = User(email="rosario@example.org", password_hash=hash_password("a long enough passphrase"),
                     role="provider", email_confirmed_at=utcnow(), session_version=1, language="es")
        db.session.add(owner)
        db.session.flush()
        provider = Provider(
            npi="1234567893", first_name="Rosario", last_name="Quintanilla", credentials="LCSW",
            provider_type=get_by_slug(ProviderType, "clinical-social-worker"), statement="I see adults and couples.",
            statement_es="Atiendo a adultos y parejas.", accepting_new_patients=True,
            availability_confirmed_at=utcnow(), in_person=True, phone="(212) 555-0100", source="owner",
            listing_status="verified", verified_at=utcnow(), owner_id=owner.id,
        )
        provider.modalities = [get_by_slug(Modality, "psychodynamic")]
        provider.offices = [Office(address1="1 Test St", city="New York", state="NY", zip="10025",
                                   lat=40.7975, lng=-73.9683)]
        provider.licenses = [License(state="NY", number="1")]
        db.session.add(provider)
        db.session.commit()
        return provider.id


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_search_profile_and_message_in_spanish(live_server, browser, viewport):
    url = live_server.url
    _listing(live_server.app)
    context = browser.new_context(locale="es-MX", viewport=viewport)
    page = context.new_page()

    page.goto(url + "/")
    assert page.url == url + "/es/"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label(es("ZIP code or city, state")).first.fill("10025")
    page.get_by_role("button", name=es("Search"), exact=True).first.click()
    expect(page.locator(".provider-card").first).to_contain_text("Quintanilla")
    expect(page.locator(".provider-card").first).to_contain_text(es("Psychodynamic Therapy"))
    assert "/es/search?" in page.url and "near=10025" in page.url
    if viewport is PHONE:
        top = page.evaluate("document.querySelector('.provider-card').getBoundingClientRect().top + window.scrollY")
        assert top < PHONE["height"], f"the first result starts at {top}px"
    assert_accessible(page, "Spanish results")

    page.get_by_role("link", name=re.compile("Quintanilla")).first.click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Atiendo a adultos y parejas.")).to_be_visible()
    assert page.get_by_text("I see adults and couples.").count() == 0
    assert_accessible(page, "a Spanish profile")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("I see adults and couples.")).to_be_visible()
    assert "/es/" not in page.url and "from=" in page.url
    page.go_back()

    page.get_by_role("link", name=re.compile(re.escape(es("Write to %(name)s", name="Rosario Quintanilla, LCSW"))
                                             .split(",")[0])).first.click()
    page.get_by_label(es("Your name")).fill("Lucía")
    page.get_by_label(es("Email"), exact=True).fill("lucia@example.net")
    page.get_by_label(es("Message"), exact=True).fill("Busco sesiones semanales.")
    page.get_by_label(es("I agree that this provider may contact me about my inquiry.")).check()
    page.get_by_role("button", name=es("Send message")).click()
    expect(page.get_by_text(es("Your message was sent. The provider will contact you the way you asked."))).to_be_visible()
    assert "/es/" in page.url
    with live_server.app.app_context():
        from referral.models import InquiryRecord

        assert [record.language for record in db.session.query(InquiryRecord).all()] == ["es"]
    # Only the message form's CSRF token needed a cookie; nothing records the language.
    assert [cookie["name"] for cookie in context.cookies()] == ["session"]
    context.close()


def test_the_phq9_in_its_validated_spanish_wording(live_server, browser):
    context = browser.new_context(locale="es-US", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/es/check/phq-9")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert context.cookies() == []
    page.get_by_role("link", name=es("Start the %(name)s", name="PHQ-9")).click()
    expect(page.get_by_text("Poco interés o placer en hacer cosas")).to_be_visible()
    groups = page.get_by_role("group")
    for index, answer in enumerate(["Varios días"] * 5 + ["Ningún día"] * 4):
        groups.nth(index).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name=es("See my result")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Your %(name)s result", name="PHQ-9"))
    expect(page.locator(".score-number")).to_have_text("5")
    assert_accessible(page, "a Spanish self-check result")
    context.close()
