"""Sign-in flood: a light API call's latency alone, and while concurrent wrong-password logins keep arriving.

Starts gunicorn (2 sync workers, production configuration, bench/served.py's Server) on the database named
by DATABASE_URL or --database-url (migrated and seeded beforehand: `flask db upgrade`, `flask seed`), with
rate limits off so that every login reaches the password check (as logins spread over many addresses
would) and slot lock files of its own. It times --samples sequential GETs of one provider from the API
(/api/v1/providers/<id>) with nothing else running, then again while --attackers threads each post wrong
passwords to /login (with the form's CSRF token) without pause, and prints the median and 90th
percentile of both, their ratio, and what the logins were answered (200: wrong password, 429: every
password-check slot busy).

    DATABASE_URL=sqlite:////tmp/demo.sqlite .venv/bin/python bench/sign_in_flood.py
    .venv/bin/python bench/sign_in_flood.py --attackers 8 --samples 60 --set PASSWORD_CHECK_SLOTS=64 \\
        --set ARGON2_PARALLELISM=4     # no cap, argon2-cffi's default lanes: the state before the cap
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from json import loads
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import served  # noqa: E402  (bench/served.py: the gunicorn server and its environment)

WRONG_PASSWORD = "not the password of anyone here"
SETTLE_SECONDS = 1.0  # the flood runs this long before the timed calls start


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the database to serve (default: $DATABASE_URL); migrated and seeded beforehand")
    parser.add_argument("--attackers", type=int, default=8, help="concurrent wrong-password logins (default 8)")
    parser.add_argument("--samples", type=int, default=60, help="timed API calls in each phase (default 60)")
    parser.add_argument("--ratelimit-storage",
                        default=os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379"),
                        help="a shared rate-limit store, which production requires with 2 workers (limits are off)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the server, e.g. PASSWORD_CHECK_SLOTS=1 (repeatable)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("no database named: set DATABASE_URL or pass --database-url (a migrated and seeded database)")
    if args.attackers < 1 or args.samples < 5:
        parser.error("--attackers must be at least 1 and --samples at least 5")
    if any("=" not in setting for setting in args.set):
        parser.error("--set takes NAME=VALUE")
    return args


def environment(args: argparse.Namespace, directory: Path) -> dict[str, str]:
    """The server's environment: bench/served.py's production one over plain HTTP, rate limits off, slots of its
    own, then --set."""
    env = served.server_environment(args.database_url)
    # Plain HTTP here: a Secure session cookie would never come back, and every login would fail its CSRF check.
    env.update(RATELIMIT_ENABLED="false", RATELIMIT_STORAGE_URI=args.ratelimit_storage, SESSION_COOKIE_SECURE="false",
               RATELIMIT_KEY_PREFIX=f"bench-flood-{secrets.token_hex(4)}",
               PASSWORD_CHECK_LOCK_DIR=str(directory / "password-checks"), ACCESS_LOG="")
    env.update(setting.split("=", 1) for setting in args.set)
    return env


def light_path(server_url: str) -> str:
    """The API path of one provider near 10025 (BenchError when the database has none)."""
    status, body = served.fetch(server_url + "/api/v1/providers?near=10025&per_page=1")
    results = loads(body).get("results") if status == 200 else None
    if not results:
        raise served.BenchError(f"the API search answered {status} with no provider: is the database seeded?")
    return f"/api/v1/providers/{results[0]['id']}"


def timed_calls(url: str, count: int) -> list[float]:
    """Milliseconds of `count` sequential GETs of `url` (BenchError on any answer but 200)."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status, _body = served.fetch(url)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise served.BenchError(f"GET {url} answered {status} during the measurement")
    return timings


class Attacker(threading.Thread):
    """Posts wrong passwords to /login, each with a fresh form token, until told to stop."""

    def __init__(self, server_url: str, number: int, stop: threading.Event, answers: Counter, lock: threading.Lock):
        super().__init__(daemon=True)
        self.server_url, self.number, self.stop, self.answers, self.lock = server_url, number, stop, answers, lock
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _status(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def run(self) -> None:
        """Log in with a wrong password, over and over; count the answers."""
        while not self.stop.is_set():
            _status, page = self._status(self.server_url + "/login")
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            form = {"email": f"flood{self.number}@example.org", "password": WRONG_PASSWORD,
                    "csrf_token": token.group(1) if token else ""}
            status, _page = self._status(urllib.request.Request(
                self.server_url + "/login", data=urllib.parse.urlencode(form).encode(), method="POST"))
            with self.lock:
                self.answers[status] += 1


def summary(timings: list[float]) -> tuple[float, float]:
    """Median and 90th percentile."""
    return statistics.median(timings), statistics.quantiles(timings, n=10)[-1]


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; 0 when it ran, 2 when it could not."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    directory = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    server = served.Server(environment(args, directory), directory)
    stop, answers, lock = threading.Event(), Counter(), threading.Lock()
    attackers: list[Attacker] = []
    keep_log = False
    try:
        server.start()
        url = server.url + light_path(server.url)
        print(f"database: {served.redacted(args.database_url)}")
        print(f"server: gunicorn {served.WORKERS} sync workers, APP_ENV=production, rate limits off; "
              f"settings: {', '.join(args.set) or 'defaults'}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"load average before {os.getloadavg()[0]:.2f}")
        timed_calls(url, 5)  # warm both workers
        alone = timed_calls(url, args.samples)
        attackers = [Attacker(server.url, number, stop, answers, lock) for number in range(args.attackers)]
        for attacker in attackers:
            attacker.start()
        time.sleep(SETTLE_SECONDS)
        flooded = timed_calls(url, args.samples)
        stop.set()
        for attacker in attackers:
            attacker.join(timeout=90)
        if not server.alive():
            raise served.BenchError(f"gunicorn stopped:\n{server.log_text()[-3000:]}")
        (alone_median, alone_p90), (flood_median, flood_p90) = summary(alone), summary(flooded)
        print(f"\nGET {url.removeprefix(server.url)}, {args.samples} calls each")
        print(f"{'':<34}{'median ms':>10}{'p90 ms':>10}")
        print(f"{'alone':<34}{alone_median:>10.1f}{alone_p90:>10.1f}")
        print(f"{f'during {args.attackers} wrong-password logins':<34}{flood_median:>10.1f}{flood_p90:>10.1f}")
        print(f"ratio (during / alone): median {flood_median / alone_median:.1f}x, p90 {flood_p90 / alone_p90:.1f}x")
        print("login answers: " + ", ".join(f"{status}: {count}" for status, count in sorted(answers.items())))
        print(f"load average after {os.getloadavg()[0]:.2f}")
        if any(mark in server.log_text() for mark in served.FAILURE_MARKS):
            keep_log = True
            print(f"\nthe server logged failures: see {server.log}")
            return 1
        return 0
    except served.BenchError as error:
        keep_log = True
        print(f"bench/sign_in_flood.py: {error}", file=sys.stderr)
        print(f"(server log: {server.log})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        server.stop()
        if not keep_log:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
