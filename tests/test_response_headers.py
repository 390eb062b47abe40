"""Headers every answer carries: no cache keeps what a signed-in person sees, no frame holds a page, HSTS in production."""
import pytest

from config import ProductionConfig
from referral import create_app


@pytest.mark.parametrize("path", ["/dashboard", "/account", "/search?near=10025", "/", "/api/v1/providers?near=10025"])
def test_what_a_signed_in_person_sees_is_never_cached(client, make_user, make_provider, login, path):
    login(client, make_user(role="provider"))
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"


def test_an_owners_listing_in_the_api_is_never_cached(client, make_user, make_provider, login):
    owner = make_user(role="provider")
    listing = make_provider(owner_id=owner.id, listing_status="verified", source="owner")
    login(client, owner)
    answer = client.get(f"/api/v1/listings/{listing.id}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_stay_cacheable(client, make_user, make_provider, login):
    provider = make_provider()
    assert "no-store" not in client.get(f"/providers/{provider.id}").headers.get("Cache-Control", "")
    login(client, make_user(role="provider"))
    assert "no-store" not in client.get("/static/css/site.css").headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/search?near=10025", "/static/css/site.css", "/healthz", "/api/v1/providers"])
def test_no_page_may_be_framed_and_only_production_asks_for_https(client, path):
    answer = client.get(path)
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in answer.headers


def test_production_asks_browsers_to_use_https_for_a_year():
    app = create_app(ProductionConfig, SECRET_KEY="a-production-secret-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://")
    answer = app.test_client().get("/about")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert answer.headers["X-Frame-Options"] == "DENY"
