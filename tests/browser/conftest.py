"""Browser tests: Playwright driving Debian's Chromium against the app served by gunicorn (see tests/served/server.py)."""
import os
from pathlib import Path
from urllib.parse import urlsplit

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


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Schemes that load nothing over the network.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def origin_of(url: str) -> str:
    """The scheme, host and port of `url` ("http://127.0.0.1:5000")."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(autouse=True)
def requests_elsewhere(request, browser, monkeypatch):
    """Fails the test when any page it opens requests a host other than the live server's; yields those requests.

    Every context the test makes (the `page` fixture's, `browser.new_context()`, `browser.new_page()`) is watched from
    its creation, so a request from any page, frame or popup is counted, whether or not it succeeded.
    """
    home = origin_of(request.getfixturevalue("live_server").url) if "live_server" in request.fixturenames else None
    elsewhere: list[str] = []

    def watch(context):
        context.on("request", lambda sent: None if sent.url.startswith(LOCAL_SCHEMES)
                   or origin_of(sent.url) == home else elsewhere.append(f"{sent.method} {sent.url}"))
        return context

    new_context, new_page = browser.new_context, browser.new_page

    def watched_page(*args, **kwargs):
        # Browser.new_page makes its own context without new_context; the page requests nothing before goto().
        page = new_page(*args, **kwargs)
        watch(page.context)
        return page

    monkeypatch.setattr(browser, "new_context", lambda *args, **kwargs: watch(new_context(*args, **kwargs)))
    monkeypatch.setattr(browser, "new_page", watched_page)
    yield elsewhere
    if elsewhere:
        pytest.fail("pages requested other hosts than the live server's:\n" + "\n".join(elsewhere), pytrace=False)


def assert_accessible(page, context_name: str) -> None:
    """Run the vendored axe-core on the page and fail on any serious or critical WCAG 2.0-2.2 A/AA violation."""
    # Evaluated rather than added as a <script>: the app's Content-Security-Policy refuses inline scripts, and stays on.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    found = [
        f"{violation['id']} ({violation['impact']}) at {', '.join(map(str, node['target']))}: {violation['help']}"
        for violation in results["violations"] if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]
    if found:
        raise AssertionError(f"{context_name}: axe found serious or critical violations:\n" + "\n".join(found))
