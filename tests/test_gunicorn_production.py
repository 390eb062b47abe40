"""Gunicorn with the shipped settings refuses to start production unsafe: what an operator sees in its log."""
import pytest

from served.server import ServerError, server_environment, sqlite_url, start_server


def _refusal(tmp_path, **env_changes) -> str:
    """The log of a production gunicorn (two workers) that must refuse to start."""
    env = server_environment(sqlite_url(tmp_path / "refused.sqlite"), "production")
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    with pytest.raises(ServerError) as refused:
        server = start_server(env, tmp_path / "server", workers=2)
        server.stop()  # started after all: the assertion below fails with what it logged
    return str(refused.value)


def test_gunicorn_with_no_app_env_and_no_secret_key_refuses_to_start(tmp_path):
    log = _refusal(tmp_path, APP_ENV=None, SECRET_KEY=None)
    assert "Refusing to start in production: SECRET_KEY is not set" in log


def test_gunicorn_with_the_development_key_refuses_to_start(tmp_path):
    log = _refusal(tmp_path, SECRET_KEY="dev-only-secret-change-me")
    assert "SECRET_KEY is a published development value" in log


def test_two_workers_with_rate_limits_in_memory_refuse_to_start(tmp_path):
    log = _refusal(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    assert "2 workers serve, but RATELIMIT_STORAGE_URI is memory://" in log
