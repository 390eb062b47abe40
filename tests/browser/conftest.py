"""Browser tests: Playwright driving Debian's Chromium against the app served by gunicorn (see tests/served/server.py)."""
import os
from pathlib import Path

import pytest

from served.server import copy_sqlite, prepare_database, server_environment, sqlite_url, start_server

CHROMIUM = "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test, run by one worker (pytest -n: its servers start once)."""
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    """Skip (or, where REQUIRE_BROWSER=1, fail) when Debian's Chromium is missing."""
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's Chromium headless, with nothing that calls out to the network."""
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory) -> Path:
    """A SQLite file migrated and seeded with the reference lists only (`flask db upgrade`, `flask seed --no-demo`)."""
    directory = tmp_path_factory.mktemp("browser-database")
    path = directory / "browser.sqlite"
    prepare_database(server_environment(sqlite_url(path), "development"), demo=False, log=directory / "commands.log")
    return path


@pytest.fixture
def live_server(browser_database, tmp_path):
    """The app served by gunicorn (development configuration) on its own copy of that database.

    `.url` to visit; `.app`, a `create_app()` on the same file, for set-up code (`with live_server.app.app_context():`);
    `.log_text()` for what the server logged. The test fails when the server logged a traceback.
    """
    path = tmp_path / "browser.sqlite"
    copy_sqlite(browser_database, path)
    env = server_environment(sqlite_url(path), "development")
    env["PASSWORD_CHECK_LOCK_DIR"] = str(tmp_path / "password-checks")  # this server's own slots
    server = start_server(env, tmp_path / "server", workers=2)
    try:
        yield server
    finally:
        server.stop()
    logged = server.new_failures()
    if logged:
        pytest.fail(f"the server logged a failure:\n{logged[-6000:]}", pytrace=False)
