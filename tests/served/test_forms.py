"""Form posts over HTTP with the real CSRF protection: signed in and out with the token, refused without it."""
from __future__ import annotations

from .visitor import Visitor, hidden_inputs


def test_login_without_the_token_is_refused(served, world):
    visitor = Visitor(served.url)
    visitor.get("/login")
    answer = visitor.post("/login", {"email": world.spare_email, "password": world.password})
    assert answer.status_code == 400
    assert not visitor.is_signed_in()


def test_log_in_then_log_out_with_the_token(served, world):
    visitor = Visitor(served.url)
    visitor.log_in(world.spare_email, world.password)
    assert visitor.is_signed_in()
    copy_of_cookie = Visitor(served.url)
    copy_of_cookie.session.cookies.update(visitor.session.cookies)
    assert copy_of_cookie.is_signed_in()

    refused = visitor.post("/logout", {})
    assert refused.status_code == 400
    assert visitor.is_signed_in()

    token = hidden_inputs(visitor.get("/account").text)["csrf_token"]
    answer = visitor.post("/logout", {"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] in ("/", f"{served.url}/")
    assert not visitor.is_signed_in()
    assert not copy_of_cookie.is_signed_in(), "a copy of the session cookie still works after logout"


def test_shortlist_post_needs_the_token(world, signed_in):
    referrer = signed_in("referrer")
    refused = referrer.post("/referrals/shortlist", {"provider_id": str(world.listing_id)})
    assert refused.status_code == 400
    token = referrer.form_token("/referrals/new")
    added = referrer.post("/referrals/shortlist", {"csrf_token": token, "provider_id": str(world.listing_id),
                                                   "next": "/referrals/new"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/referrals/new")
    page = referrer.get("/referrals/new")
    assert page.status_code == 200 and world.recipient_name in page.text
