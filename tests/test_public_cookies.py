"""Reading the directory sets no cookie: profiles, self-check introductions and every other public page.

A cookie is set only when the visitor opens a form to act (cookie_pages.FORM_PAGES): the contact page
of a listing, the questions of a self-check, the button of an emailed link, the account forms. CSRF
protection is on in these tests, as it is when served: a form's token is what would write the cookie.
"""
import re
from datetime import timedelta

import pytest
import time_machine
from cookie_pages import FORM_PAGES, sends_to_sign_in
from route_walk import get_routes
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import Inquiry, utcnow
from referral.services.availability import confirmation_token

MESSAGE = "I am looking for weekly sessions for anxiety."
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def csrf_on(app):
    """CSRF protection as served (the testing configuration switches it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def contactable(make_user, make_provider):
    """A verified listing with an owner: its profile offers to write to the clinician."""
    owner = make_user(email="dr.owner@example.org")
    return make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", source="owner",
                         first_name="Odile", last_name="Marchbank")


def sets_cookie(response) -> bool:
    return "Set-Cookie" in response.headers


def test_every_public_get_route_sets_no_cookie(csrf_on, client, contactable):
    app = csrf_on
    visited = []
    for endpoint, path in get_routes(app, contactable):
        response = app.test_client().get(path)
        response.close()  # a streamed export holds its request context until its body is closed
        assert response.status_code < 500, f"GET {path}: {response.status_code}"
        visited.append(endpoint)
        if endpoint in FORM_PAGES or sends_to_sign_in(response.status_code, response.headers.get("Location")):
            continue
        assert not sets_cookie(response), f"GET {path} ({endpoint}) set a cookie: {response.headers['Set-Cookie']}"
    assert {"providers.profile", "checks.check", "search.search", "main.home"} <= set(visited)


def test_the_profile_links_to_a_contact_page_and_sets_no_cookie(csrf_on, client, contactable):
    response = client.get(f"/providers/{contactable.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and not sets_cookie(response)
    assert f'href="/providers/{contactable.id}/contact"' in html and "Write to Odile Marchbank" in html
    assert 'name="message"' not in html and "csrf_token" not in html


def test_the_contact_page_sends_through_the_inquiry_service(csrf_on, client, contactable):
    page = client.get(f"/providers/{contactable.id}/contact")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and sets_cookie(page)  # the visitor chose to write: the form's token needs it
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="message"' in html and "Write to Odile Marchbank" in html
    assert "dr.owner@example.org" not in html
    data = {"name": "Sam", "email": "sam@example.net", "preferred_contact": "email", "message": MESSAGE,
            "consent": "y", "csrf_token": TOKEN.search(html).group(1)}
    sent = client.post(f"/providers/{contactable.id}/contact", data=data)
    # Sent: the next page offers the follow-up question (see test_follow_ups.py).
    assert sent.status_code == 302 and "/follow-up/offer/" in sent.headers["Location"]
    assert "Your message was sent" in client.get(sent.headers["Location"]).get_data(as_text=True)
    with csrf_on.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 1


def test_a_message_sent_without_the_pages_token_is_kept_on_the_page(csrf_on, client, contactable):
    """Left open for hours, or posted from another site: nothing is sent, and nothing typed is lost."""
    data = {"name": "Sam", "email": "sam@example.net", "preferred_contact": "email", "message": MESSAGE,
            "consent": "y"}
    response = client.post(f"/providers/{contactable.id}/contact", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "press Send again" in html and MESSAGE in html and 'value="Sam"' in html
    with csrf_on.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0
    token = TOKEN.search(html).group(1)
    assert client.post(f"/providers/{contactable.id}/contact", data={**data, "csrf_token": token}).status_code == 302


def test_a_bad_or_expired_emailed_link_sets_no_cookie(csrf_on, client, contactable):
    """Only a good link's page holds the confirm button, and only the button's token needs the cookie."""
    good = f"/availability/confirm/{confirmation_token(csrf_on.config['SECRET_KEY'], contactable)}"
    assert sets_cookie(client.get(good))
    later = utcnow() + timedelta(days=csrf_on.config["AVAILABILITY_CONFIRM_LINK_DAYS"] + 1)
    for path, when in ((good, later), (good[:-2] + "xx", utcnow()), ("/availability/confirm/not-a-token", utcnow())):
        with time_machine.travel(when, tick=False):
            response = csrf_on.test_client().get(path)
        assert response.status_code == 400 and not sets_cookie(response), path


def test_listings_without_messages_have_no_contact_page(csrf_on, client, make_provider):
    unowned = make_provider(phone="(212) 555-0142")
    assert client.get(f"/providers/{unowned.id}/contact").status_code == 404
    assert client.get("/providers/987654/contact").status_code == 404
    profile = client.get(f"/providers/{unowned.id}").get_data(as_text=True)
    assert "Call them at" in profile and "/contact" not in profile


@pytest.mark.parametrize("slug", ["phq-9", "gad-7"])
def test_a_self_check_sets_its_cookie_only_once_the_visitor_starts(csrf_on, client, slug):
    intro = client.get(f"/check/{slug}")
    html = intro.get_data(as_text=True)
    assert intro.status_code == 200 and not sets_cookie(intro)
    assert f'href="/check/{slug}/questions"' in html and 'method="post"' not in html
    questions = client.get(f"/check/{slug}/questions")
    assert questions.status_code == 200 and sets_cookie(questions)
    assert questions.headers["Cache-Control"] == "no-store"
    form = questions.get_data(as_text=True)
    assert f'<form class="check-form" method="post" action="/check/{slug}"' in form
    answers = {f"q{n}": "1" for n in range(1, 10)}
    result = client.post(f"/check/{slug}", data={**answers, "csrf_token": TOKEN.search(form).group(1)})
    assert result.status_code == 200 and "result" in result.get_data(as_text=True)
