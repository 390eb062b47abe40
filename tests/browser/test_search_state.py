"""State kept in the browser, on a phone and a desktop: the profile's back link restores the results page, and the
cards say why a listing takes no message."""
import pytest
from playwright.sync_api import expect

from referral.extensions import db
from referral.services.seeding import load_demo_providers

from browser.conftest import assert_accessible

RESULTS = "/search?near=10025&modality=cbt&telehealth=true&sort=distance&page=2"


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        load_demo_providers()
        db.session.commit()
    return live_server


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}])
def test_back_to_search_restores_the_results_page(browser, demo_server, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(demo_server.url + RESULTS)
    cards = page.locator(".provider-card")
    expect(cards.first).to_be_visible()
    expect(cards.first).to_contain_text("Telehealth for people in:")
    assert_accessible(page, f"results at {viewport['width']} px")
    name = cards.first.locator("h3 a").inner_text()
    cards.first.locator("h3 a").click()
    expect(page.locator("h1")).to_have_text(name)
    page.get_by_role("link", name="← Back to search").click()
    assert page.url == demo_server.url + RESULTS
    expect(page.locator(".provider-card h3 a").first).to_have_text(name)
