"""Start the PHQ-9 in Chromium, answer it, read the result, and follow a suggestion into filtered results."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from referral.extensions import db
from referral.models import Concern, License, Office, Provider, ProviderType, utcnow
from referral.services.reference import get_by_slug

# Points for items 1-9: total 15 (moderately severe), item 9 "Several days".
PHQ9_POINTS = [2, 2, 2, 2, 2, 2, 1, 1, 1]
ANSWER_LABELS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


def _add_provider(last_name: str, concern: str, type_slug: str) -> None:
    provider = Provider(
        first_name="Morwenna", last_name=last_name, credentials="MD",
        provider_type=get_by_slug(ProviderType, type_slug), accepting_new_patients=True,
        availability_confirmed_at=utcnow() - timedelta(days=2), in_person=True, source="demo",
    )
    provider.concerns = [get_by_slug(Concern, concern)]
    provider.offices = [Office(address1="2880 Broadway", city="New York", state="NY", zip="10025",
                               lat=40.8012, lng=-73.9665)]
    provider.licenses = [License(state="NY", number="B0001")]
    db.session.add(provider)


def test_phq9_to_filtered_results(live_server, page):
    with live_server.app.app_context():
        _add_provider("Fenwright", "depression", "psychiatrist")
        _add_provider("Kestrelby", "anxiety", "psychiatrist")
        db.session.commit()

    page.goto(f"{live_server.url}/check/phq-9")
    expect(page.get_by_role("heading", level=1)).to_have_text("Depression self-check (PHQ-9)")
    assert page.context.cookies() == []  # reading about the check sets none; starting it does
    page.get_by_role("link", name="Start the PHQ-9").click()
    expect(page.get_by_role("button", name="See my result")).to_be_visible()
    assert [cookie["name"] for cookie in page.context.cookies()] == ["session"]
    groups = page.get_by_role("group")
    # Item 1 by keyboard: focus the group's first radio, arrow to "More than half the days".
    first = groups.nth(0).get_by_role("radio", name="Not at all")
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(groups.nth(0).get_by_role("radio", name="More than half the days")).to_be_checked()
    for index, points in enumerate(PHQ9_POINTS[1:], start=1):
        groups.nth(index).get_by_label(ANSWER_LABELS[points], exact=True).check()
    page.get_by_role("button", name="See my result").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your PHQ-9 result")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Call 988")
    expect(alert).to_contain_text("911")
    expect(page.locator(".score-number")).to_have_text("15")
    expect(page.locator(".score-band")).to_contain_text("Moderately severe")
    assert page.locator(".crisis-alert").bounding_box()["y"] < page.locator(".score-number").bounding_box()["y"]
    where = urlsplit(page.url)  # the path and query only: the server's port may hold any digits
    assert "15" not in where.path + where.query and "q1" not in where.path + where.query

    card = page.locator(".suggestion", has=page.get_by_role("heading", name="An evaluation, and medication if it would help"))
    card.get_by_label("Your ZIP code or city, state").fill("10025")
    card.get_by_role("button", name="Find psychiatrists and psychiatric nurse practitioners").click()

    page.wait_for_url(re.compile(r"/search\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["condition"] == ["depression"]
    assert query["type"] == ["psychiatrist", "psychiatric-nurse-practitioner"]
    assert query["accepting"] == ["true"] and query["near"] == ["10025"]
    assert set(query) == {"condition", "type", "accepting", "near"}
    results = page.locator(".results")
    expect(results).to_contain_text("Fenwright")
    expect(results).not_to_contain_text("Kestrelby")

    logged = live_server.log_text()  # the server's access log and everything the app logged, from DEBUG up
    assert "POST /check/phq-9" in logged  # the server's request line is captured, so the check below can fail
    for needle in ("q1=", "q9", "Several days", "Moderately severe"):
        assert needle not in logged
