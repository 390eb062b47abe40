"""A person searches near 10025 for psychodynamic weekly therapy, opens a profile, and uses the guide."""
import re

import pytest
from playwright.sync_api import expect

from referral.extensions import db
from referral.services.seeding import load_demo_providers


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        load_demo_providers()
        db.session.commit()
    return live_server


def test_search_open_profile_and_follow_the_guide(page, demo_server):
    page.goto(demo_server.url + "/search")
    page.get_by_label("ZIP code or city, state").fill("10025")
    page.locator("summary", has_text="Therapy approach").click()
    page.get_by_label("Psychodynamic Therapy").check()
    page.locator("summary", has_text="Session frequencies").click()
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_role("button", name="Search").click()

    heading = page.locator("#results-heading")
    expect(heading).to_contain_text("within 25 miles of New York, NY 10025")
    assert "near=10025" in page.url and "modality=psychodynamic" in page.url and "frequency=weekly" in page.url
    cards = page.locator(".provider-card")
    assert cards.count() == 20
    distances = [float(t.split()[0]) for t in cards.locator(".distance").all_inner_texts()]
    assert all(int(a) <= int(b) for a, b in zip(distances, distances[1:]))
    for card in cards.all()[:5]:
        expect(card).to_contain_text("Psychodynamic")

    first_name = cards.first.locator("h3 a").inner_text()
    cards.first.locator("h3 a").click()
    expect(page.locator("h1")).to_have_text(first_name)
    expect(page.locator(".profile")).to_contain_text("Weekly")
    expect(page.locator(".office").first).to_contain_text("from New York, NY 10025")

    page.goto(demo_server.url + "/therapies/psychodynamic")
    where = page.locator("#where-to-go")
    where.get_by_label("Your ZIP code or city, state").fill("10025")
    where.get_by_role("button", name=re.compile("Show psychodynamic")).click()
    expect(page.locator("#results-heading")).to_contain_text("New York, NY 10025")
    assert "modality=psychodynamic" in page.url and "modality=psychoanalytic" in page.url
    expect(page.locator(".provider-card").first).to_contain_text(re.compile("Psychodynamic|Psychoanal"))


def test_bad_zip_keeps_the_form_and_explains(page, demo_server):
    page.goto(demo_server.url + "/search?near=00000&modality=cbt")
    expect(page.locator(".field-errors")).to_contain_text("We could not find")
    expect(page.get_by_label("ZIP code or city, state")).to_have_value("00000")
    expect(page.get_by_label("Cognitive Behavioral Therapy")).to_be_checked()
