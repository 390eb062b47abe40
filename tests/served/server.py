"""The app served by gunicorn in its own processes, on a database prepared with the real `flask` commands.

Shared by the served tests (tests/served) and the browser tests (tests/browser). Everything the server
and the commands write goes to log files in the server's directory; nothing is printed.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
# The virtualenv running the tests (normally the project's .venv) has flask and gunicorn.
BIN = Path(sys.executable).parent if (Path(sys.executable).parent / "gunicorn").exists() else ROOT / ".venv" / "bin"
GUNICORN_CONFIG = Path(__file__).resolve().with_name("gunicorn_conf.py")
START_TIMEOUT_SECONDS = 60
COMMAND_TIMEOUT_SECONDS = 600
# What the served app reads from the environment that a developer's shell could set differently.
_CLEARED = (
    "APP_ENV", "DATABASE_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE", "FLASK_APP", "FLASK_DEBUG", "FLASK_ENV",
    "GEOCODER", "MAIL_TO_CONSOLE", "SMTP_HOST", "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "TEST_DATABASE_URL",
    "RATELIMIT_KEY_PREFIX", "WEB_CONCURRENCY", "RATELIMIT_LOGIN",
)
# Signs of a request that failed on the server: any of these in the error log fails the served layer.
FAILURE_MARKS = ("Traceback", "WORKER TIMEOUT")


class ServerError(RuntimeError):
    """A command or the server failed; the message holds the end of its output."""


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def postgres_url(server_url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (created by `create_schema`)."""
    return f"{server_url}{'&' if '?' in server_url else '?'}options=-csearch_path%3D{schema}"


def create_schema(server_url: str, schema: str) -> None:
    """Make `schema` afresh on the PostgreSQL server."""
    engine = create_engine(server_url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


def drop_schema(server_url: str, schema: str) -> None:
    """Drop `schema` and everything in it."""
    engine = create_engine(server_url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def server_environment(database_url: str, config_name: str, redis_url: str | None = None) -> dict[str, str]:
    """The environment of the commands and the server: database, configuration, and in production a secret key
    and rate limits shared by the workers through Redis (under a prefix of this server's own).

    Production cookies are marked Secure by default; the tests talk plain http, so they are not.
    """
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    env.update(DATABASE_URL=database_url, APP_ENV=config_name, GEOCODER="offline", PYTHONUNBUFFERED="1")
    if config_name == "production":
        env.update(SECRET_KEY=secrets.token_urlsafe(32), SESSION_COOKIE_SECURE="false")
        if redis_url:
            env.update(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=f"served-{secrets.token_hex(6)}")
    return env


def run_flask(env: dict[str, str], *args: str, log: Path | None = None) -> str:
    """Run `flask --app wsgi ARGS` in the project; its output (appended to `log` when given), or ServerError."""
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    if log is not None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"$ flask --app wsgi {' '.join(args)}\n{output}\n")
    if result.returncode != 0:
        raise ServerError(f"flask {' '.join(args)} exited with {result.returncode}:\n{output[-4000:]}")
    return output


def prepare_database(env: dict[str, str], *, demo: bool, log: Path | None = None) -> None:
    """Migrate the database to the newest schema and load the reference lists (and the demo directory)."""
    run_flask(env, "db", "upgrade", log=log)
    run_flask(env, "seed", *([] if demo else ["--no-demo"]), log=log)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database that no process has open (with its write-ahead log, if one was left)."""
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServedApp:
    """A running gunicorn serving `wsgi:app`: its URL, environment, and log files."""

    url: str
    env: dict[str, str]
    config_name: str
    directory: Path
    process: subprocess.Popen
    error_log: Path
    access_log: Path
    _checked: int = 0
    _app: object = field(default=None, repr=False)

    @property
    def database_url(self) -> str:
        """The database the server uses."""
        return self.env["DATABASE_URL"]

    @property
    def app(self):
        """A `create_app()` of the server's configuration on the same database, for set-up code in the tests.

        It serves no requests; mail it queues stays in the outbox table for the server (or a test) to read.
        """
        if self._app is None:
            from config import CONFIGS
            from referral import create_app

            overrides = {"SQLALCHEMY_DATABASE_URI": self.database_url, "MAIL_TO_CONSOLE": False}
            if "SECRET_KEY" in self.env:
                overrides["SECRET_KEY"] = self.env["SECRET_KEY"]  # so that signed links made here work there
            if "PASSWORD_CHECK_LOCK_DIR" in self.env:
                overrides["PASSWORD_CHECK_LOCK_DIR"] = self.env["PASSWORD_CHECK_LOCK_DIR"]  # the server's own slots
            self._app = create_app(CONFIGS[self.config_name], **overrides)
        return self._app

    def flask(self, *args: str) -> str:
        """Run a `flask --app wsgi` command against the server's database."""
        return run_flask(self.env, *args, log=self.directory / "commands.log")

    def log_text(self) -> str:
        """Everything the server has logged so far: the error log (with the app's output), then the access log."""
        return _read(self.error_log) + _read(self.access_log)

    def new_failures(self) -> str | None:
        """The error log written since the last call, when it shows a failed request; else None."""
        data = self.error_log.read_bytes() if self.error_log.exists() else b""
        fresh, self._checked = data[self._checked:], len(data)
        text_ = fresh.decode("utf-8", "replace")
        return text_ if any(mark in text_ for mark in FAILURE_MARKS) else None

    def stop(self) -> None:
        """Stop the server (gracefully, then by force) and release the set-up app's connections."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self._app is not None:
            from referral.extensions import db

            with self._app.app_context():
                db.engine.dispose()
            self._app = None


def _read(path: Path, start: int = 0) -> str:
    return path.read_bytes()[start:].decode("utf-8", "replace") if path.exists() else ""


def start_server(env: dict[str, str], directory: Path, *, workers: int = 2, attempts: int = 3) -> ServedApp:
    """Start gunicorn on a free port with `workers` sync workers and wait until it answers (ServerError if not).

    A port taken between choosing it and binding it is retried with another one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    last_error = None
    for _ in range(attempts):
        try:
            return _start_once(env, directory, workers)
        except _PortTaken as error:
            last_error = error
    raise ServerError(f"gunicorn could not bind a port: {last_error}")


class _PortTaken(Exception):
    pass


def _start_once(env: dict[str, str], directory: Path, workers: int) -> ServedApp:
    port = free_port()
    error_log, access_log = directory / "server.log", directory / "access.log"
    command = [
        str(BIN / "gunicorn"), "--config", str(GUNICORN_CONFIG),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--timeout", "120", "--graceful-timeout", "10", "--no-control-socket",
        "--error-logfile", str(error_log), "--capture-output", "--access-logfile", str(access_log),
        "wsgi:app",
    ]
    start = error_log.stat().st_size if error_log.exists() else 0
    with error_log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**env, "SERVED_TEST_PID": str(os.getpid())},
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
    server = ServedApp(url=f"http://127.0.0.1:{port}", env=env, config_name=env.get("APP_ENV", "production"), directory=directory,
                       process=process, error_log=error_log, access_log=access_log, _checked=start)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = _read(error_log, start)
            if "Connection in use" in log or "Address already in use" in log:
                raise _PortTaken(f"port {port}")
            raise ServerError(f"gunicorn exited with {process.returncode}:\n{log[-4000:]}")
        try:
            answer = requests.get(f"{server.url}/about", timeout=10)
        except requests.RequestException:
            time.sleep(0.25)
            continue
        if answer.status_code == 200:
            return server
        server.stop()
        raise ServerError(f"GET /about answered {answer.status_code}:\n{_read(error_log, start)[-4000:]}")
    server.stop()
    raise ServerError(f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s:\n{_read(error_log, start)[-4000:]}")
