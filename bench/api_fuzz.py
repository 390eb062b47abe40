"""Schemathesis over the served API, signed out and signed in: the figures of a run against production.

Makes a fresh SQLite directory (`flask db upgrade`, `flask seed`), adds a provider who owns a demo listing
and an approved referrer who sent that listing a referral, serves it with gunicorn (2 sync workers,
APP_ENV=production, rate limits in the local Redis) and runs `schemathesis run` against
/api/v1/openapi.json (the API, FHIR and HSDS operations) three times: signed out, as the provider and as
the referrer (session cookie and CSRF header). For each run it prints the test cases schemathesis made
and failed, and from the server's access log the requests answered by status class; a 5xx anywhere, or a
traceback in the server's log, makes the exit status 1.

    .venv/bin/python bench/api_fuzz.py --max-examples 50
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from served import BIN, FAILURE_MARKS, ROOT, BenchError, Server, server_environment  # noqa: E402

PASSWORD = "a long served fuzzing passphrase 7Q"
STATUS = re.compile(r'" (\d{3}) ')
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=30, help="examples per operation and phase (default 30)")
    parser.add_argument("--workers", default="1", help="schemathesis' concurrent workers (default 1: its generator's own errors appear with more)")
    return parser.parse_args(argv)


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)


def add_people(database_url: str, secret_key: str) -> dict[str, str]:
    """A provider owning a demo listing and an approved referrer who referred to it; their emails by role."""
    from config import ProductionConfig
    from referral import create_app
    from referral.extensions import db
    from referral.models import REFERRER_APPROVED, Provider, ReferrerProfile, User, utcnow
    from referral.services import referrals as referral_service
    from referral.services.accounts import hash_password

    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secret_key,
                     RATELIMIT_STORAGE_URI="memory://", SERVER_WORKERS=1)
    with app.test_request_context():
        people = {}
        for role in ("provider", "referrer"):
            user = User(email=f"fuzz-{role}@example.org", password_hash=hash_password(PASSWORD), role=role,
                        email_confirmed_at=utcnow())
            db.session.add(user)
            people[role] = user
        db.session.flush()
        listing = db.session.query(Provider).filter(Provider.owner_id.is_(None)).order_by(Provider.id).first()
        listing.owner_id, listing.listing_status, listing.source = people["provider"].id, "verified", "owner"
        db.session.add(ReferrerProfile(user_id=people["referrer"].id, npi="1234567893", clinician_name="Dr Fuzz",
                                       credentials="MD", status=REFERRER_APPROVED, decided_at=utcnow()))
        db.session.commit()
        referral_service.send_referral(people["referrer"], {
            "patient_reference": "F-1", "age_group": "adults", "patient_zip": "10025", "telehealth_state": "",
            "concerns": ["depression"], "modality": "psychodynamic", "frequency": "weekly", "insurance": "aetna",
            "urgency": "routine", "note": "Prefers evenings.", "consent": True}, [listing.id])
        db.session.commit()
        emails = {role: user.email for role, user in people.items()}
        db.engine.dispose()
    return emails


def sign_in(url: str, email: str) -> list[str]:
    """The headers of a signed-in session: its cookie and a CSRF token for writes."""
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=30).text
    token = CSRF_INPUT.search(page).group(1)
    answer = session.post(f"{url}/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise BenchError(f"could not sign in as {email}: {answer.status_code}")
    account = session.get(f"{url}/account", timeout=30)
    found = CSRF_INPUT.search(account.text)
    if account.status_code != 200 or not found:
        raise BenchError(f"no form on /account for {email}: {account.status_code}")
    csrf = found.group(1)
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf}"]


def run_schemathesis(url: str, headers: list[str], args, report_dir: Path) -> tuple[int, int]:
    """One schemathesis run; (test cases, failed cases) from its JUnit report."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "schemathesis"), "run", f"{url}/api/v1/openapi.json", "--url", url, "--checks", CHECKS,
               "--max-examples", str(args.max_examples), "--workers", args.workers, "--report", "junit",
               "--report-dir", str(report_dir), "--suppress-health-check", "all", "--continue-on-failure",
               "--request-timeout", "30", *headers]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    cases = failures = 0
    for report in report_dir.glob("*.xml"):
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            cases += int(suite.get("tests", 0))
            failures += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return cases, failures


def main(argv: list[str] | None = None) -> int:
    """Run the three passes and print their figures; 1 when the server answered 5xx or logged a traceback."""
    args = parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
    database_url = f"sqlite:///{directory / 'fuzz.sqlite'}"
    env = server_environment(database_url)
    access_log = directory / "access.log"
    env["ACCESS_LOG"] = str(access_log)
    env["SESSION_COOKIE_SECURE"] = "false"  # plain HTTP on loopback: a Secure cookie would not come back
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    emails = add_people(database_url, env["SECRET_KEY"])
    server = Server(env, directory)
    server_errors = 0
    try:
        server.start()
        print(f"server: gunicorn 2 sync workers, APP_ENV=production, {server.url}; schemathesis checks: {CHECKS}; "
              f"--max-examples {args.max_examples}")
        passes = [("signed out", [])] + [(f"signed in ({role})", sign_in(server.url, email))
                                         for role, email in emails.items()]
        print(f"{'pass':24} {'cases':>7} {'failed':>7} {'requests':>9} {'2xx':>6} {'3xx':>5} {'4xx':>6} {'5xx':>5}")
        for label, headers in passes:
            before = len(access_log.read_text().splitlines()) if access_log.exists() else 0
            cases, failed = run_schemathesis(server.url, headers, args, directory / label.replace(" ", "-"))
            lines = access_log.read_text().splitlines()[before:]
            classes = Counter(match.group(1)[0] + "xx" for line in lines if (match := STATUS.search(line)))
            server_errors += classes["5xx"]
            print(f"{label:24} {cases:7} {failed:7} {len(lines):9} {classes['2xx']:6} {classes['3xx']:5} "
                  f"{classes['4xx']:6} {classes['5xx']:5}")
    finally:
        server.stop()
    logged = server.log_text()
    tracebacks = sum(logged.count(mark) for mark in FAILURE_MARKS)
    print(f"server errors: {server_errors} answered 5xx; {tracebacks} tracebacks or worker timeouts logged "
          f"(reports and logs in {directory})")
    return 1 if server_errors or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
