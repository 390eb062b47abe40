"""axe-core finds no serious or critical WCAG 2.2 A/AA problem on the pages a person goes through, at 390 and 1,280 px;
and the guard on every browser test catches a request to another host."""
import pytest

from browser.conftest import assert_accessible
from referral.extensions import db
from referral.models import Office, Provider, ProviderType, User, utcnow
from referral.services.accounts import hash_password
from referral.services.reference import get_by_slug
from referral.services.seeding import load_demo_providers

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
FILTERED = "/search?near=10025&modality=psychodynamic&frequency=weekly&insurance=aetna&accepting=true"
PAGES = {
    "home": "/",
    "search form": "/search",
    "results": "/search?near=10025",
    "results with filters": FILTERED,
    "place choices": "/search?near=Springfield",
    "claimed profile": "/providers/{claimed}",
    "unclaimed profile": "/providers/{unclaimed}",
    "contact": "/providers/{claimed}/contact",
    "self-check intro": "/check/phq-9",
    "self-check questions": "/check/phq-9/questions",
}


@pytest.fixture
def listed_server(live_server):
    """The live server with the demo listings and one claimed, verified listing; `.ids` for the profile paths."""
    with live_server.app.app_context():
        load_demo_providers()
        owner = User(email="owner@example.org", password_hash=hash_password("correct horse battery staple"),
                     role="provider", email_confirmed_at=utcnow())
        db.session.add(owner)
        db.session.flush()
        claimed = Provider(
            first_name="Iris", last_name="Calloway", credentials="LCSW",
            provider_type=get_by_slug(ProviderType, "psychologist"), accepting_new_patients=True,
            availability_confirmed_at=utcnow(), owner_id=owner.id, listing_status="verified", verified_at=utcnow(),
            source="owner", phone="(212) 555-0101",
        )
        claimed.offices = [Office(address1="1 Test Street", city="New York", state="NY", zip="10025",
                                  lat=40.7975, lng=-73.9683)]
        db.session.add(claimed)
        db.session.commit()
        unclaimed = db.session.scalar(db.select(Provider.id).where(Provider.owner_id.is_(None)).order_by(Provider.id))
        live_server.ids = {"claimed": claimed.id, "unclaimed": unclaimed}
    return live_server


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_accessibility_problem(browser, listed_server, width):
    """Every page in PAGES, in English and in Spanish, as it opens, then with every disclosure open; the problems of
    all pages in one report."""
    page = browser.new_page(viewport=WIDTHS[width])
    problems = []

    def check(context_name: str) -> None:
        try:
            assert_accessible(page, context_name)
        except AssertionError as error:
            problems.append(str(error))

    in_both_languages = [(name, path) for name, path in PAGES.items()]
    in_both_languages += [(f"{name} in Spanish", "/es" + path) for name, path in PAGES.items()]
    for name, path in in_both_languages:
        response = page.goto(listed_server.url + path.format(**listed_server.ids))
        assert response.status < 500, f"{name}: {response.status}"  # the place choices come with a 400
        check(f"{name} at {width} width")
        if page.evaluate("[...document.querySelectorAll('details:not([open])')].map(d => d.open = true).length"):
            check(f"{name} at {width} width, every disclosure open")
    assert not problems, "\n\n".join(problems)
    page.context.close()


@pytest.mark.parametrize("opened_by", ["page fixture", "new_context", "new_page"])
def test_a_request_to_another_host_is_caught(request, browser, live_server, requests_elsewhere, opened_by):
    """A page opened any of the three ways is watched: its navigation to another host is recorded."""
    if opened_by == "page fixture":
        page = request.getfixturevalue("page")
    elif opened_by == "new_context":
        page = browser.new_context().new_page()
    else:
        page = browser.new_page()
    page.route("http://elsewhere.invalid/**", lambda route: route.abort())  # nothing leaves the machine
    page.goto(live_server.url + "/about")
    with page.expect_event("requestfailed"):
        page.evaluate("location.assign('http://elsewhere.invalid/next')")  # the page's CSP refuses anything else
    assert requests_elsewhere == ["GET http://elsewhere.invalid/next"]
    requests_elsewhere.clear()  # caught as it should be: the guard has nothing left to fail this test on
    page.context.close()


def test_the_accessibility_check_names_each_serious_problem(page, live_server):
    """assert_accessible passes a clean page and fails on an unlabelled field, naming rule, impact and target."""
    page.goto(live_server.url + "/about")
    assert_accessible(page, "about")
    page.evaluate("""document.querySelector("main")
        .insertAdjacentHTML("beforeend", '<input type="text" id="unnamed">')""")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "about with an unnamed field")
    assert str(failure.value).splitlines()[:2] == [
        "about with an unnamed field: axe found serious or critical violations:",
        "label (critical) at #unnamed: Form elements must have labels",
    ]
