"""Accounts security: CSRF with protection on, rate limits (memory and Redis), role checks, the create-admin command."""
import random
import re

import pytest
from conftest import REDIS_URL, LifecycleClient, build_test_app, skip_without_redis
from sqlalchemy import select

from config import TestingConfig
from referral import create_app
from referral.extensions import db
from referral.models import User
from referral.web.auth import role_required

PASSWORD = "correct horse battery"


@pytest.fixture
def make_app():
    """Factory for an extra app on its own in-memory SQLite database (schema and reference lists made).

    No app context stays pushed: requests make their own; wrap direct database work in
    `with application.app_context():`.
    """
    return lambda **overrides: build_test_app("sqlite://", **overrides)


@pytest.fixture
def fresh_app(app):
    """A new app on the test's database connection, inside its rolled-back transaction.

    It has served no request yet, so a test may still add routes to it; users made with `make_user`
    are in its database.
    """
    with app.app_context():
        connection = db.engines[None]
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    application.test_client_class = LifecycleClient
    with application.app_context():
        engines = db.engines
    engine = engines[None]
    engines[None] = connection
    try:
        yield application
    finally:
        engines[None] = engine
        engine.dispose()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def client_from(application, address: str | None = None):
    """A test client coming from its own IP address (rate limits count per address)."""
    address = address or f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_posts_without_csrf_token_are_refused(make_app):
    application = make_app(WTF_CSRF_ENABLED=True)
    from referral.services.accounts import hash_password
    from referral.models import utcnow

    with application.app_context():
        db.session.add(User(email="csrf@example.org", password_hash=hash_password(PASSWORD), role="provider",
                            email_confirmed_at=utcnow(), session_version=1))
        db.session.commit()
    client = application.test_client()

    refused = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/account").status_code == 302  # not signed in

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    accepted = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    assert client.get("/account").status_code == 200

    # Logging out needs the token too (the button in the navigation carries it).
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    nav_token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": nav_token})
    assert client.get("/account").status_code == 302

    assert client.post("/register", data={"role": "provider", "email": "x@example.org", "password": PASSWORD,
                                          "confirm": PASSWORD}).status_code == 400
    with application.app_context():
        assert db.session.scalars(select(User).where(User.email == "x@example.org")).first() is None


def test_login_register_and_reset_are_rate_limited(make_app):
    application = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", RATELIMIT_REGISTER="2 per minute",
                           RATELIMIT_RESET="2 per minute")
    client = client_from(application)
    for _ in range(3):
        assert client.post("/login", data={"email": "a@example.org", "password": "wrong password!"}).status_code == 200
    blocked = client.post("/login", data={"email": "a@example.org", "password": "wrong password!"})
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # only attempts count, not reading the page
    assert client_from(application).post("/login", data={"email": "a@example.org", "password": "x"}).status_code == 200

    for n in range(2):
        client.post("/register", data={"role": "provider", "email": f"r{n}@example.org", "password": PASSWORD,
                                       "confirm": PASSWORD})
    assert client.post("/register", data={"role": "provider", "email": "r9@example.org", "password": PASSWORD,
                                          "confirm": PASSWORD}).status_code == 429
    with application.app_context():
        assert db.session.scalars(select(User).where(User.email == "r9@example.org")).first() is None

    for _ in range(2):
        assert client.post("/reset", data={"email": "a@example.org"}).status_code == 302
    assert client.post("/reset", data={"email": "a@example.org"}).status_code == 429


def test_rate_limit_is_shared_through_redis(make_app):
    skip_without_redis()
    settings = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_LOGIN="3 per minute")
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # this test's own counter
    first = make_app(**settings)
    for _ in range(3):
        assert client_from(first, address).post("/login", data={"email": "a@example.org", "password": "x"}).status_code == 200
    # A second app, as a second worker process would, binds a fresh storage client: with memory
    # storage its count would start again at zero; through Redis the fourth attempt is refused.
    second = make_app(**settings)
    assert client_from(second, address).post("/login", data={"email": "a@example.org", "password": "x"}).status_code == 429
    assert client_from(second).post("/login", data={"email": "a@example.org", "password": "x"}).status_code == 200


def test_role_required_sends_anonymous_to_login_and_others_away(fresh_app, make_user, login):
    @role_required("admin")
    def admin_only():
        return "admin area"

    fresh_app.add_url_rule("/test-admin-only", "test_admin_only", admin_only)
    client = fresh_app.test_client()
    anonymous = client.get("/test-admin-only")
    assert anonymous.status_code == 302 and "/login" in anonymous.location

    login(client, make_user(role="provider"))
    assert client.get("/test-admin-only").status_code == 403
    client.post("/logout")

    login(client, make_user(role="admin"))
    response = client.get("/test-admin-only")
    assert response.status_code == 200 and response.get_data(as_text=True) == "admin area"


def test_create_admin_command(app, runner, client):
    result = runner.invoke(args=["create-admin", "Boss@Example.org"], input="too short\ntoo short\n")
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalars(select(User)).first() is None

    result = runner.invoke(args=["create-admin", "Boss@Example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "boss@example.org")).one()
        assert admin.role == "admin" and admin.email_confirmed_at is not None
        assert admin.password_hash.startswith("$argon2id$")

    again = runner.invoke(args=["create-admin", "boss@example.org", "--password", "another long password"])
    assert again.exit_code != 0 and "already exists" in again.output

    # The new admin signs in, and is sent to set up two-step sign-in before any admin page opens.
    signed_in = client.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.location.endswith("/account/two-factor")
    assert client.get("/admin/reviews").location.endswith("/account/two-factor")
