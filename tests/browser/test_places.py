"""Places typed as people type them, in the search form on a phone and a desktop: each resolves or offers choices."""
import pytest
from playwright.sync_api import expect

from browser.conftest import assert_accessible
from referral.extensions import db
from referral.services.seeding import load_demo_providers

RESOLVED = [
    ("Boise ID", "Boise, ID"),
    ("Boise, Idaho", "Boise, ID"),
    ("Boise, ID 83702", "Boise, ID 83702"),
    ("83702-1234", "Boise, ID 83702"),
    ("New York NY", "New York, NY"),
    ("NYC", "New York, NY"),
]
# What was typed, the choice followed, and what the place field then holds.
CHOICES = [("Bosie, ID", "Boise, Idaho", "Boise, ID"), ("Springfield", "Springfield, Illinois", "Springfield, IL")]


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        load_demo_providers()
        db.session.commit()
    return live_server


def _search(page, url: str, typed: str) -> None:
    page.goto(url + "/search")
    page.get_by_label("ZIP code or city, state").fill(typed)
    page.get_by_role("button", name="Search", exact=True).click()


@pytest.mark.parametrize("width", [390, 1280])
def test_each_spelling_resolves_or_offers_the_likeliest_places(page, demo_server, width):
    page.set_viewport_size({"width": width, "height": 844})
    for typed, place in RESOLVED:
        _search(page, demo_server.url, typed)
        expect(page.locator("#results-heading")).to_contain_text(f"of {place}")
        expect(page.locator(".provider-card").first).to_be_visible()
    for typed, choice, near in CHOICES:
        _search(page, demo_server.url, typed)
        expect(page.get_by_role("heading", name="Did you mean one of these places?")).to_be_visible()
        expect(page.get_by_label("ZIP code or city, state")).to_have_value(typed)
        assert_accessible(page, f"place choices for {typed!r} at {width} px")
        page.get_by_role("link", name=choice, exact=True).click()
        expect(page.get_by_label("ZIP code or city, state")).to_have_value(near)
        expect(page.get_by_role("heading", name="Did you mean one of these places?")).to_have_count(0)
        expect(page.locator(".field-errors")).to_have_count(0)
