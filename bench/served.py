"""Served benchmark: the app under gunicorn (2 sync workers, production configuration) driven by wrk.

Starts gunicorn on a free port against the database named by DATABASE_URL or --database-url (migrated
and seeded beforehand: `flask db upgrade`, `flask seed`), waits until /healthz answers, then runs
`wrk -t2 -c<connections> -d<duration>s --timeout 10s --latency` against, one after the other:
/healthz (the cheapest request the app answers: the ceiling), a static file, the API search, the
search page and one provider profile. It prints requests/s and p50 latency per row, each row's rate
as a share of /healthz's and of the static file's, and the goals (API search at least 25% of
/healthz's rate, the search page at least 12%). A row fails when any answer was not 2xx, or on a
socket error (a timeout included). gunicorn is stopped at the end, on an error and on Ctrl-C.

    DATABASE_URL=sqlite:////tmp/demo.sqlite .venv/bin/python bench/served.py
    .venv/bin/python bench/served.py --database-url postgresql://postgres@127.0.0.1:5432/bench_served \\
        --duration 20 --connections 32 --places 10025 83702 "lat=40.79&lng=-73.96"

wrk is Debian's `wrk` package; run as root, the benchmark installs it when it is missing.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from json import loads
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent if (Path(sys.executable).parent / "gunicorn").exists() else ROOT / ".venv" / "bin"
WORKERS = 2
WRK_THREADS = 2
MODALITY = "psychodynamic"
START_TIMEOUT_SECONDS = 60
# Goals: a row's rate as a share of /healthz's, by row kind.
GOALS = {"api": 25.0, "page": 12.0}
# Settings a developer's shell may hold that would make the served app differ from a production one.
_CLEARED = ("FLASK_APP", "FLASK_DEBUG", "FLASK_ENV", "MAIL_TO_CONSOLE", "TEST_DATABASE_URL", "SESSION_COOKIE_SECURE")
FAILURE_MARKS = ("Traceback", "WORKER TIMEOUT")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


@dataclass
class Row:
    """One URL driven by wrk, and what wrk measured."""

    label: str
    path: str
    kind: str  # health, static, api, page, profile
    requests_per_second: float | None = None
    p50_ms: float | None = None
    requests: int = 0
    non_2xx: int = 0
    socket_errors: str = ""
    failure: str = ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the database to serve (default: $DATABASE_URL); migrated and seeded beforehand")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections (default 16)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per URL first (default 2)")
    parser.add_argument("--places", nargs="+", default=["10025"],
                        help="where the searches look: a ZIP or 'City, ST' (sent as near=...) or a query "
                             "string such as 'lat=40.79&lng=-73.96' (default 10025)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("no database named: set DATABASE_URL or pass --database-url (a migrated and seeded "
                     "database, e.g. sqlite:////tmp/demo.sqlite after `flask db upgrade` and `flask seed`)")
    if args.duration < 1 or args.connections < WRK_THREADS or args.warmup < 0:
        parser.error(f"--duration must be at least 1, --connections at least {WRK_THREADS}, --warmup at least 0")
    return args


def redacted(url: str) -> str:
    """The database URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def ensure_wrk() -> str:
    """The path of wrk, installed with apt-get when missing and running as root (BenchError otherwise)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError("wrk is not installed and this is not root on a Debian-like system: "
                         "install the Debian package `wrk` (apt-get install -y wrk), then run again")
    print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode != 0:
        # A package list that was never fetched (or is stale) does not know wrk yet.
        subprocess.run(["apt-get", "update", "-qq"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get could not install wrk: install the Debian package `wrk`, then run again")
    return found


def server_environment(database_url: str) -> dict[str, str]:
    """The served app's environment: the production configuration on the named database, a fresh secret key,
    and rate limits shared by the workers (RATELIMIT_STORAGE_URI, default the local Redis; production refuses
    to start several workers with limits kept in each one's memory)."""
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    env.update(DATABASE_URL=database_url, APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(32),
               GEOCODER="offline", PYTHONUNBUFFERED="1")  # offline: no request of the benchmark leaves the machine
    env.setdefault("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    env["RATELIMIT_KEY_PREFIX"] = f"bench-{secrets.token_hex(6)}"
    env["ACCESS_LOG"] = ""  # a line per request of the load would measure the log file too
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop_with_parent() -> None:
    # In the child before exec (Linux): the server gets SIGTERM if the benchmark dies without stopping it.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """gunicorn serving wsgi:app with sync workers on a free port; its output goes to a log file."""

    def __init__(self, env: dict[str, str], directory: Path):
        self.env = env
        self.log = directory / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, attempts: int = 3) -> None:
        """Start gunicorn and wait until /healthz answers 200 (BenchError if it does not)."""
        for _ in range(attempts):
            if self._start_once():
                return
        raise BenchError("gunicorn could not bind a free port")

    def _start_once(self) -> bool:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        start = self.log.stat().st_size if self.log.exists() else 0
        command = [
            str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
            "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "10", "--no-control-socket",
            "--error-logfile", "-", "--capture-output", "wsgi:app",
        ]
        with self.log.open("ab") as output:
            # A session of its own: Ctrl-C reaches the benchmark, which then stops the server in order.
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_stop_with_parent)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                logged = self.log_text(start)
                if "Connection in use" in logged or "Address already in use" in logged:
                    return False
                raise BenchError(f"gunicorn exited with {self.process.returncode}:\n{logged[-3000:]}")
            try:
                status, _body = fetch(self.url + "/healthz")
            except OSError:
                time.sleep(0.25)
                continue
            if status == 200:
                return True
            if status == 503:
                raise BenchError("the app started but /healthz answered 503: the database named did not answer")
            raise BenchError(f"/healthz answered {status}:\n{self.log_text(start)[-3000:]}")
        raise BenchError(f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s:\n{self.log_text(start)[-3000:]}")

    def log_text(self, start: int = 0) -> str:
        """What gunicorn and the app logged (from byte `start`)."""
        return self.log.read_bytes()[start:].decode("utf-8", "replace") if self.log.exists() else ""

    def alive(self) -> bool:
        """Whether the master process is still running."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop gunicorn: gracefully, then by force."""
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def fetch(url: str) -> tuple[int, bytes]:
    """GET a URL: its status and body (HTTP errors included; OSError when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def search_query(place: str) -> str:
    """The query string of a search at `place` (a ZIP or 'City, ST', or a ready query string) for the modality."""
    pairs = parse_qsl(place, keep_blank_values=True) if "=" in place else [("near", place)]
    return urlencode([*pairs, ("modality", MODALITY)])


def build_rows(server_url: str, places: list[str]) -> list[Row]:
    """The rows to measure; the static file and the provider id are read from the running app (BenchError if absent)."""
    status, home = fetch(server_url + "/")
    found = re.search(rb'href="(/static/[^"?#]+)', home)
    if status != 200:
        raise BenchError(f"GET / answered {status}: is the database migrated and seeded "
                         "(flask db upgrade, flask seed)?")
    if not found:
        raise BenchError("the home page links to no file under /static/")
    static = found.group(1).decode()
    rows = [Row("/healthz", "/healthz", "health"), Row(f"static {static}", static, "static")]
    for place in places:
        query = search_query(place)
        rows.append(Row(f"API search {place}", f"/api/v1/providers?{query}", "api"))
        rows.append(Row(f"search page {place}", f"/search?{query}", "page"))
    first_search = rows[2].path
    status, body = fetch(server_url + first_search)
    if status != 200:
        raise BenchError(f"GET {first_search} answered {status}: {body[:500].decode('utf-8', 'replace')}")
    results = loads(body).get("results")
    if not results:
        raise BenchError(f"GET {first_search} found no provider: is the database seeded (flask seed), and are "
                         "there providers near the first place?")
    provider_id = results[0]["id"]
    rows.append(Row(f"profile /providers/{provider_id}", f"/providers/{provider_id}", "profile"))
    # The same pages in Spanish: what the catalogue lookups and the /es prefix cost, in the same run.
    spanish_search = next(row.path for row in rows if row.kind == "page")
    rows.append(Row("search page in Spanish", "/es" + spanish_search, "page"))
    rows.append(Row(f"profile in Spanish /es/providers/{provider_id}", f"/es/providers/{provider_id}", "profile"))
    for row in rows:
        status, _body = fetch(server_url + row.path)
        # wrk flags only answers of 400 and up: a redirect is refused here, before the load.
        if status != 200:
            raise BenchError(f"GET {row.path} answered {status}, not 200: is the database migrated and seeded?")
    return rows


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str, row: Row) -> None:
    """Fill a row from wrk's report (run with --latency); a row whose report cannot be read fails."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rate and p50 and total):
        row.failure = "wrk's report could not be read:\n" + output[-2000:]
        return
    row.requests_per_second = float(rate.group(1))
    row.p50_ms = _milliseconds(*p50.groups())
    row.requests = int(total.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    row.non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    sockets = re.search(r"Socket errors:\s+(.+)", output)
    row.socket_errors = sockets.group(1).strip() if sockets else ""
    failures = []
    if row.non_2xx:
        failures.append(f"{row.non_2xx} of {row.requests} answers not 2xx")
    if row.socket_errors:
        failures.append(f"socket errors: {row.socket_errors}")
    if not row.requests:
        failures.append("no request completed")
    row.failure = "; ".join(failures)


def run_wrk(wrk: str, url: str, connections: int, seconds: int) -> str:
    """wrk's report of `seconds` of load on one URL (BenchError if wrk fails)."""
    command = [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def _share(rate: float | None, of: float | None) -> str:
    return f"{100 * rate / of:.1f}%" if rate and of else "-"


def print_table(rows: list[Row]) -> None:
    """The results: requests/s, p50, share of /healthz's and of the static file's rate, goal and verdict."""
    health = next(row.requests_per_second for row in rows if row.kind == "health")
    static = next(row.requests_per_second for row in rows if row.kind == "static")
    width = max(len(row.label) for row in rows)
    print(f"{'row':<{width}}  {'req/s':>8}  {'p50 ms':>7}  {'% healthz':>9}  {'% static':>8}  {'goal':>13}  result")
    for row in rows:
        rate = f"{row.requests_per_second:.1f}" if row.requests_per_second is not None else "-"
        p50 = f"{row.p50_ms:.2f}" if row.p50_ms is not None else "-"
        goal = GOALS.get(row.kind)
        goal_text = f">= {goal:.0f}% healthz" if goal else ""
        if row.failure:
            verdict = "FAILED: " + row.failure.splitlines()[0]
        elif goal and health and row.requests_per_second is not None:
            verdict = "meets goal" if 100 * row.requests_per_second / health >= goal else "BELOW GOAL"
        else:
            verdict = "ok"
        print(f"{row.label:<{width}}  {rate:>8}  {p50:>7}  {_share(row.requests_per_second, health):>9}  "
              f"{_share(row.requests_per_second, static):>8}  {goal_text:>13}  {verdict}")


def _versions(wrk: str) -> str:
    wrk_line = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[:1]
    gunicorn = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout.strip()
    return f"{gunicorn}; {wrk_line[0].split(' Copyright')[0] if wrk_line else 'wrk'}"


def _raise_exit(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every row passed, 1 when one failed, 2 when it could not run."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_exit)  # stopped by kill: still stop the server (finally below)
    directory = Path(tempfile.mkdtemp(prefix="bench-served-"))
    server = Server(server_environment(args.database_url), directory)
    keep_log = False
    try:
        wrk = ensure_wrk()
        server.start()
        rows = build_rows(server.url, args.places)
        print(f"database: {redacted(args.database_url)}")
        print(f"server: gunicorn {WORKERS} sync workers, APP_ENV=production, {server.url}; "
              f"load: wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s "
              f"(after {args.warmup}s unmeasured)")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{_versions(wrk)}; load average before {os.getloadavg()[0]:.2f}")
        for row in rows:
            url = server.url + row.path
            if args.warmup:
                run_wrk(wrk, url, args.connections, args.warmup)
            parse_wrk(run_wrk(wrk, url, args.connections, args.duration), row)
            if not server.alive():
                raise BenchError(f"gunicorn stopped during {row.path}:\n{server.log_text()[-3000:]}")
        print(f"load average after {os.getloadavg()[0]:.2f}\n")
        print_table(rows)
        logged = server.log_text()
        failed = any(row.failure for row in rows)
        if any(mark in logged for mark in FAILURE_MARKS):
            print(f"\nthe server logged failures: see {server.log}")
            failed = True
        for row in rows:
            if row.failure and "\n" in row.failure:
                print(f"\n{row.label}: {row.failure}")
        keep_log = failed
        return 1 if failed else 0
    except BenchError as error:
        keep_log = True
        print(f"bench/served.py: {error}", file=sys.stderr)
        if server.log.exists():
            print(f"(server log: {server.log})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        server.stop()
        if not keep_log:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
