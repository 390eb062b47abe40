"""Production is the default, refuses to start unsafe, and signs sessions under a __Host- cookie with its own key."""
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

import pytest

from config import CONFIGS, DevelopmentConfig, ProductionConfig, config_from_env
from referral import create_app
from referral.access_log import RedactingLogger
from referral.extensions import db
from referral.logging_setup import redact_request_target
from referral.settings_check import UnsafeSettings

STRONG_KEY = secrets.token_urlsafe(32)


def _production(tmp_path, **overrides):
    settings = dict(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'production.sqlite'}", SECRET_KEY=STRONG_KEY,
                    RATELIMIT_STORAGE_URI="memory://", SERVER_WORKERS=1)
    settings.update(overrides)
    return create_app(ProductionConfig, **settings)


def test_production_is_the_default_and_development_must_be_asked_for(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    assert config_from_env() is ProductionConfig and not ProductionConfig.DEBUG
    monkeypatch.setenv("APP_ENV", "development")
    assert config_from_env() is DevelopmentConfig
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config_from_env()
    assert set(CONFIGS) == {"development", "testing", "production"}


def test_an_app_made_without_a_configuration_is_production_and_needs_a_key(monkeypatch, tmp_path):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(UnsafeSettings, match="SECRET_KEY is not set"):
        create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'default.sqlite'}")


@pytest.mark.parametrize("key, reason", [
    ("", "not set"),
    ("dev-only-secret-change-me", "published development value"),
    ("testing-secret", "published development value"),
    ("s3cr3t-but-short", "at least 32"),
    ("a" * 64, "too few characters"),
    ("abababababababababababababababab", "too few characters"),
])
def test_production_refuses_a_weak_secret_key(tmp_path, key, reason):
    with pytest.raises(UnsafeSettings, match=reason):
        _production(tmp_path, SECRET_KEY=key)


@pytest.mark.parametrize("make_key", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16),
                                      lambda: secrets.token_hex(32)], ids=["token_urlsafe-32", "token_hex-16", "token_hex-32"])
def test_production_starts_with_a_generated_key(tmp_path, make_key):
    assert not _production(tmp_path, SECRET_KEY=make_key()).debug


def test_production_refuses_per_worker_rate_limits_when_several_workers_serve(tmp_path):
    with pytest.raises(UnsafeSettings, match="2 workers serve, but RATELIMIT_STORAGE_URI is memory://"):
        _production(tmp_path, SERVER_WORKERS=2)
    assert _production(tmp_path, SERVER_WORKERS=1)  # one process: its memory is the whole count


def test_both_problems_are_named_at_once(tmp_path):
    with pytest.raises(UnsafeSettings) as refused:
        _production(tmp_path, SECRET_KEY="", SERVER_WORKERS=3)
    assert "SECRET_KEY is not set" in str(refused.value) and "3 workers" in str(refused.value)
    assert "token_urlsafe" in str(refused.value)


def _session_cookie(app, role: str, signing_app) -> str:
    """A session cookie for a new account with `role`, signed with `signing_app`'s key, as its holder could make."""
    from referral.models import User, utcnow

    with app.app_context():
        db.create_all()
        user = User(email=f"{role}-{secrets.token_hex(4)}@example.org", password_hash="x", role=role,
                    email_confirmed_at=utcnow())
        db.session.add(user)
        db.session.commit()
        session_id = user.get_id()
    return app.session_interface.get_signing_serializer(signing_app).dumps({"_user_id": session_id, "_fresh": True})


def _client_with_session(app, cookie: str):
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie, secure=True)
    return client


def test_a_session_signed_with_the_development_key_opens_nothing(tmp_path):
    app = _production(tmp_path)
    development = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    forged = {"admin": _session_cookie(app, "admin", development), "provider": _session_cookie(app, "provider", development)}
    for role, path in (("admin", "/admin/reviews"), ("admin", "/admin/export.csv"), ("provider", "/dashboard")):
        answer = _client_with_session(app, forged[role]).get(path, base_url="https://localhost")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    # The same kind of session signed with the production key is accepted: the refusal above is the signature's.
    genuine = _session_cookie(app, "provider", app)
    answer = _client_with_session(app, genuine).get("/dashboard", base_url="https://localhost")
    assert answer.status_code == 200, answer.headers.get("Location")


def test_the_production_session_cookie_is_host_prefixed_and_secure(tmp_path):
    app = _production(tmp_path)
    with app.app_context():
        db.create_all()
    answer = app.test_client().get("/login", base_url="https://localhost")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(part.startswith("domain=") for part in attributes)


def test_development_keeps_a_plain_cookie_name():
    assert create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://").config["SESSION_COOKIE_NAME"] == "session"


def _signed_links(app) -> list[str]:
    """The paths of every emailed link that carries a signed token, made by the real token functions."""
    from types import SimpleNamespace

    from referral.models import User
    from referral.services import accounts, availability

    with app.test_request_context():
        db.create_all()
        user = User(email="owner@example.org", password_hash="x", role="provider")
        db.session.add(user)
        db.session.flush()
        provider = SimpleNamespace(id=7, owner_id=user.id)
        return [f"/confirm/{accounts.confirmation_token(user)}", f"/reset/{accounts.reset_token(user)}",
                f"/availability/confirm/{availability.confirmation_token(app.config['SECRET_KEY'], provider)}"]


def test_signed_tokens_and_query_strings_never_reach_a_request_log_line(tmp_path):
    links = _signed_links(_production(tmp_path))
    for path in links:
        token = path.rsplit("/", 1)[1]
        line = f'"GET {path}?next=%2Fdashboard HTTP/1.1" 200'
        redacted = redact_request_target(line)
        assert token not in redacted and "next" not in redacted and redacted.startswith(f'"GET /{path.split("/")[1]}/')
    assert redact_request_target("/providers/12?near=10025") == "/providers/12?…"
    assert redact_request_target("/check/phq-9") == "/check/phq-9"


class _Response:
    status = "200 OK"
    sent = 512
    headers = [("Set-Cookie", "__Host-session=abc")]


def test_gunicorns_access_log_line_holds_no_token_query_or_cookie(tmp_path):
    from gunicorn.config import Config as GunicornConfig

    path = _signed_links(_production(tmp_path))[1]
    config = GunicornConfig()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(t)s "%(r)s" "%(m)s %(U)s?%(q)s" %(s)s %(f)s %({cookie}i)s %({query_string}e)s')
    log = RedactingLogger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?near=10025", "PATH_INFO": path, "QUERY_STRING": "near=10025",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": "https://example.org/search?near=10025",
               "REMOTE_ADDR": "203.0.113.9", "HTTP_COOKIE": "__Host-session=abc"}
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    log.access_log.handlers = [handler]
    log.access(_Response(), {"Cookie": "__Host-session=abc"}, environ, timedelta(milliseconds=12))
    line = records[0].getMessage()
    for secret in (path.rsplit("/", 1)[1], "10025", "abc"):
        assert secret not in line, line
    assert '"GET /reset/…?… HTTP/1.1"' in line


def test_the_shipped_gunicorn_settings_use_the_redacting_logger_and_export_the_worker_count(monkeypatch):
    settings: dict = {}
    source = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    exec(compile(source.read_text(), str(source), "exec"), settings)
    assert settings["logger_class"] == "referral.access_log.RedactingLogger"
    from referral.api.openapi import REQUEST_LINE_LIMIT

    assert settings["limit_request_line"] == REQUEST_LINE_LIMIT  # the 414 the API description names
    assert "%(h)s" not in settings["access_log_format"] and "%(r)s" not in settings["access_log_format"]

    class _Server:
        class cfg:
            workers = 5

    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # restored (unset) after the test, whatever the hook wrote
    settings["on_starting"](_Server)
    assert os.environ["WEB_CONCURRENCY"] == "5"
