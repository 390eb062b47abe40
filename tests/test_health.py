"""/healthz: 200 while the database answers, 503 naming nothing but that when it does not; no cookie, no
cache, no rate limit, GET and HEAD only."""
import logging

from sqlalchemy import create_engine

from conftest import build_test_app
from referral.extensions import db, limiter


def unreachable_engine(backend: str, tmp_path):
    """An engine of the backend's kind on a database that cannot be reached."""
    if backend == "sqlite":
        return create_engine(f"sqlite:///{tmp_path / 'no-such-directory' / 'gone.sqlite'}")
    # Port 1 on the loopback interface: nothing listens there, so the connection is refused at once.
    return create_engine("postgresql+psycopg://postgres:secret-password@127.0.0.1:1/gone?connect_timeout=3")


def test_answers_ok_while_the_database_answers(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_head_answers_as_get_without_a_body(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_other_methods_are_not_allowed(client):
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        response = client.open("/healthz", method=method)
        assert response.status_code == 405, method


def test_unreachable_database_answers_503_naming_nothing_else(app, client, backend, tmp_path, caplog):
    with app.app_context():
        engines = db.engines
    reachable, unreachable = engines[None], unreachable_engine(backend, tmp_path)
    engines[None] = unreachable
    try:
        with caplog.at_level(logging.INFO):
            response = client.get("/healthz")
            head = client.head("/healthz")
    finally:
        engines[None] = reachable
        unreachable.dispose()
    assert response.status_code == 503 and head.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database unreachable"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    for secret in ("127.0.0.1", "secret-password", "sqlite", "postgresql", "gone", "Error", "Traceback"):
        assert secret not in body
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in warnings] == ["health check: the database did not answer "
                                                            "(OperationalError)"] * 2
    # The failed check left nothing behind: with the database back, the next check passes.
    assert client.get("/healthz").status_code == 200


def test_is_not_rate_limited():
    application = build_test_app("sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_APPLICATION="2 per minute")
    # An application-wide limit stays on the one Limiter object after its app is gone: take it off again.
    manager = limiter.limit_manager
    try:
        client = application.test_client()
        assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
        assert [client.get("/about").status_code for _ in range(3)] == [200, 200, 429]
        answer = client.get("/healthz")
        assert answer.status_code == 200
        assert not any(name.startswith("X-RateLimit") for name in answer.headers.keys())
    finally:
        manager.set_application_limits([])
        with application.app_context():
            db.engine.dispose()
