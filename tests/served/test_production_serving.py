"""Production under gunicorn: rate limits shared between workers, and an access log without secrets."""
from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from .server import start_server
from .visitor import Visitor

WRONG_PASSWORD = "not the password at all"


def test_the_login_limit_holds_across_two_workers(served, world):
    if served.config_name != "production":
        pytest.skip("production shares its limits through Redis; development serves with the limits in memory")
    # Every password check allowed to wait for a slot: what is refused here is the rate limit's doing.
    env = {**served.env, "RATELIMIT_KEY_PREFIX": f"limit-test-{secrets.token_hex(6)}", "RATELIMIT_LOGIN": "10 per minute",
           "PASSWORD_CHECK_SLOTS": "8", "PASSWORD_CHECK_WAIT_SECONDS": "10"}
    server = start_server(env, served.directory / "limits", workers=2)
    try:
        visitors = [Visitor(server.url) for _ in range(8)]
        tokens = [visitor.form_token("/login") for visitor in visitors]

        def attempt(number: int) -> int:
            visitor, token = visitors[number % 8], tokens[number % 8]
            return visitor.post("/login", {"csrf_token": token, "email": world.spare_email,
                                           "password": WRONG_PASSWORD}).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(attempt, range(40)))
    finally:
        server.stop()
    assert statuses.count(429) == 30, statuses
    assert set(statuses) == {200, 429}, statuses


def test_the_access_log_holds_no_link_token_and_no_query_string(served, world, visitor):
    from referral.extensions import db
    from referral.models import User
    from referral.services.accounts import reset_token

    with served.app.test_request_context():
        token = reset_token(db.session.query(User).filter_by(email=world.spare_email).one())
    visitor.get(f"/reset/{token}")
    visitor.get("/search?near=10025&q=grief")
    visitor.get("/api/v1/providers?near=83702")
    access_log = served.access_log.read_text(encoding="utf-8")
    assert '"GET /reset/… HTTP/1.1"' in access_log and '"GET /search HTTP/1.1"' in access_log
    for secret in (token, token.split(".")[-1], "10025", "grief", "83702"):
        assert secret not in access_log
