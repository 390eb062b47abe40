"""Phone first: at 390 px the first result shows on the first screen and "Skip to results" reaches it; at 1,280 px
the filters stand beside the results, and the home search's fields show what they hold."""
import pytest
from playwright.sync_api import expect

from referral.extensions import db
from referral.services.seeding import load_demo_providers

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        load_demo_providers()
        db.session.commit()
    return live_server


def top_of(page, selector: str) -> float:
    """The distance from the top of the page to the top of the first element `selector` matches."""
    return page.evaluate("s => document.querySelector(s).getBoundingClientRect().top + window.scrollY", selector)


def stays_home(page, server) -> list[str]:
    """Collects every request the page makes to another host."""
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(server.url) else elsewhere.append(request.url))
    return elsewhere


def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, demo_server):
    page = browser.new_page(viewport=PHONE)
    elsewhere = stays_home(page, demo_server)
    page.goto(demo_server.url + "/search?near=10025")
    assert top_of(page, ".provider-card") < PHONE["height"]
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")

    page.goto(demo_server.url + "/")
    page.get_by_label("ZIP code or city, state").fill("10025")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_contain_text("New York, NY 10025")
    assert "frequency=" in page.url  # the home form sends the empty "How often"; it is no filter
    assert top_of(page, ".provider-card") < PHONE["height"]
    expect(page.locator("details.filters > summary")).to_have_text("Filters (2)")
    assert page.locator("details.filter-group[open]").count() == 0

    page.locator("details.filters > summary").click()
    page.locator("summary", has_text="Therapy approaches (1)").click()
    expect(page.get_by_label("Psychodynamic Therapy")).to_be_checked()
    expect(page.get_by_label("Psychodynamic Therapy")).to_be_visible()
    assert elsewhere == []
    page.close()


def test_skip_to_results_moves_focus_to_the_results(browser, demo_server):
    page = browser.new_page(viewport=PHONE)
    page.goto(demo_server.url + "/search?near=10025&modality=psychodynamic&frequency=weekly&insurance=aetna")
    skip = page.get_by_role("link", name="Skip to results")
    for _ in range(20):
        page.keyboard.press("Tab")
        if skip.evaluate("link => link === document.activeElement"):
            break
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#results') !== null")
    page.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_on_a_wide_screen_the_filters_stand_beside_the_results(browser, demo_server, javascript):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=javascript)
    page = context.new_page()
    elsewhere = stays_home(page, demo_server)
    page.goto(demo_server.url + "/search?near=10025&modality=psychodynamic")
    panel, results = page.locator(".search-form").bounding_box(), page.locator("#results").bounding_box()
    assert panel["x"] + panel["width"] <= results["x"]
    assert top_of(page, ".provider-card") < DESKTOP["height"]
    expect(page.get_by_label("Accepting new patients")).to_be_visible()
    expect(page.locator("summary", has_text="Therapy approaches")).to_have_text("Therapy approaches (1)")
    if javascript:
        expect(page.locator("details.filters")).to_have_attribute("open", "")
        page.locator("details.filters > summary").dispatch_event("click")
        expect(page.locator("details.filters")).to_have_attribute("open", "")
        expect(page.locator("details.filters > summary")).to_have_attribute("tabindex", "-1")
    assert elsewhere == []
    context.close()


def test_home_search_fields_show_what_they_hold_and_content_clears_the_footer(browser, demo_server):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(demo_server.url + "/")
    clipped = page.evaluate("""() => {
        const measure = document.createElement("canvas").getContext("2d");
        return [...document.querySelectorAll(".hero-search input[type=text], .hero-search select")].filter(field => {
            const style = getComputedStyle(field);
            measure.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const text = field.tagName === "SELECT" ? field.options[field.selectedIndex].text : field.placeholder;
            const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
                - (field.tagName === "SELECT" ? 24 : 0);
            return measure.measureText(text).width > room;
        }).map(field => field.name);
    }""")
    assert clipped == []
    for path in ("/", "/search?near=10025", "/about"):
        page.goto(demo_server.url + path)
        gap = page.evaluate("""() => document.querySelector(".site-footer").getBoundingClientRect().top
            - Math.max(...[...document.querySelectorAll("main > *")].map(e => e.getBoundingClientRect().bottom))""")
        assert gap >= 24, path
    page.close()
