"""Schemathesis over the served /hsds API with the upstream HSDS 3.0 OpenAPI document as the contract.

Makes a fresh SQLite directory (`flask db upgrade`, `flask seed`), serves it with gunicorn (2 sync workers,
APP_ENV=production) and then:
1. runs `schemathesis run` against the upstream document (seed_data/hsds_v3_schema/openapi.json, its schema
   files inlined from seed_data, served under /hsds; see referral/hsds/contract.py) with the checks
   not_a_server_error, content_type_conformance, response_schema_conformance and negative_data_rejection,
   and prints, per operation, whether it failed and the requests it made by status class (from the server's
   access log);
2. reads every record of every list with format=ndjson (and the full, full_service and minimal variants)
   and fetches each one's single-item answer (up to --records per list), validating both against the
   contract's schemas with jsonschema, and prints how many were read and how many failed.
Upstream documents only the 200 answers, so status_code_conformance is not among the checks: each refusal
(400, 404) would count against it. A 5xx anywhere, a traceback in the server's log, a failed operation or an
invalid record makes the exit status 1.

    .venv/bin/python bench/hsds_fuzz.py --max-examples 100 --records 200
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import requests
from jsonschema import Draft202012Validator, FormatChecker

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from served import BIN, FAILURE_MARKS, ROOT, Server, server_environment  # noqa: E402

from referral.hsds.contract import upstream_contract  # noqa: E402

STATUS = re.compile(r'" (\d{3}) ')
REQUEST = re.compile(r'"GET /hsds(/[^/?\s]*)(/[^?\s]+)?[^"]*" (\d{3}) ')
CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance,negative_data_rejection"
LIST_VARIANTS = (("services", ""), ("services", "full=true"), ("services", "minimal=true"), ("organizations", ""),
                 ("organizations", "full=true"), ("organizations", "full_service=true"), ("service_at_locations", ""),
                 ("service_at_locations", "full=true"), ("taxonomies", ""), ("taxonomy_terms", ""))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=50, help="examples per operation and phase (default 50)")
    parser.add_argument("--records", type=int, default=100,
                        help="single-item answers fetched per list in the record pass (default 100)")
    return parser.parse_args(argv)


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)


def run_schemathesis(contract_file: Path, url: str, max_examples: int, report_dir: Path) -> dict[str, bool]:
    """One schemathesis run; whether each operation (and the stateful phase) failed, from its JUnit report."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "schemathesis"), "run", str(contract_file), "--url", f"{url}/hsds", "--checks", CHECKS,
               "--max-examples", str(max_examples), "--workers", "1", "--report", "junit",
               "--report-dir", str(report_dir), "--suppress-health-check", "all", "--continue-on-failure",
               "--request-timeout", "30"]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return {case.get("name", "?"): any(child.tag in ("failure", "error") for child in case)
            for report in report_dir.glob("*.xml") for case in ElementTree.parse(report).getroot().iter("testcase")}


def requests_by_operation(lines: list[str]) -> dict[str, Counter]:
    """GET requests under /hsds from the access log, by operation and status class."""
    counts: dict[str, Counter] = {}
    for line in lines:
        match = REQUEST.search(line)
        if match:
            collection, record, status = match.groups()
            operation = f"GET {collection}" + ("/{id}" if record else "")
            counts.setdefault(operation, Counter())[status[0] + "xx"] += 1
    return counts


def _validator(contract: dict, path: str) -> Draft202012Validator:
    answer = contract["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = answer["properties"]["contents"]["items"] if "contents" in answer.get("properties", {}) else answer
    return Draft202012Validator(schema, format_checker=FormatChecker())


def check_records(url: str, contract: dict, limit: int) -> dict[str, tuple[int, int, int, int]]:
    """Per list and variant: (items read, invalid items, single items fetched, invalid single items).

    A list's fully nested variant (full=true, or full_service=true for organizations) is checked against the
    single-item schema as well as the list's; its single items are not fetched again.
    """
    figures = {}
    with requests.Session() as session:
        for kind, variant in LIST_VARIANTS:
            listed, single = _validator(contract, f"/{kind}"), _validator(contract, f"/{kind}/{{id}}")
            answer = session.get(f"{url}/hsds/{kind}?format=ndjson{'&' + variant if variant else ''}", timeout=300)
            answer.raise_for_status()
            items = [json.loads(line) for line in answer.text.splitlines()]
            validators = (listed, single) if variant.startswith("full") else (listed,)
            bad_items = sum(1 for item in items if any(next(v.iter_errors(item), None) for v in validators))
            fetched = bad_singles = 0
            for item in items[:limit] if not variant else []:
                record = session.get(f"{url}/hsds/{kind}/{item['id']}", timeout=30)
                fetched += 1
                if record.status_code != 200 or next(single.iter_errors(record.json()), None) is not None:
                    bad_singles += 1
            figures[f"{kind}{'?' + variant if variant else ''}"] = (len(items), bad_items, fetched, bad_singles)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Serve a seeded directory, fuzz it against the upstream contract, check every record; print the figures."""
    args = parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="bench-hsds-"))
    env = server_environment(f"sqlite:///{directory / 'hsds.sqlite'}")
    access_log = directory / "access.log"
    env["ACCESS_LOG"] = str(access_log)
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    server = Server(env, directory)
    contract = upstream_contract()
    contract_file = directory / "hsds_upstream_contract.json"
    contract_file.write_text(json.dumps(contract), encoding="utf-8")
    failed_operations = bad_records = 0
    try:
        server.start()
        print(f"server: gunicorn 2 sync workers, APP_ENV=production, {server.url}; contract: upstream HSDS 3.0 "
              f"openapi.json under /hsds; checks: {CHECKS}; --max-examples {args.max_examples}")
        failed = run_schemathesis(contract_file, server.url, args.max_examples, directory / "schemathesis")
        lines = access_log.read_text().splitlines() if access_log.exists() else []
        by_operation = requests_by_operation(lines)
        print(f"{'operation':32} {'failed':>7} {'requests':>9} {'2xx':>6} {'4xx':>6} {'5xx':>5}")
        for operation in sorted(set(failed) | {f"GET {path}" for path in contract["paths"]}):
            classes = by_operation.get(operation, Counter())
            print(f"{operation:32} {'yes' if failed.get(operation) else 'no':>7} {sum(classes.values()):9} "
                  f"{classes['2xx']:6} {classes['4xx']:6} {classes['5xx']:5}")
        failed_operations = sum(failed.values())
        print(f"operations failed: {failed_operations} of {len(failed)}")
        figures = check_records(server.url, contract, args.records)
        print(f"\n{'list (format=ndjson)':38} {'items':>7} {'invalid':>8} {'single':>7} {'invalid':>8}")
        for listing, (items, bad_items, fetched, bad_singles) in figures.items():
            bad_records += bad_items + bad_singles
            print(f"{listing:38} {items:7} {bad_items:8} {fetched:7} {bad_singles:8}")
    finally:
        server.stop()
    lines = access_log.read_text().splitlines() if access_log.exists() else []
    classes = Counter(match.group(1)[0] + "xx" for line in lines if (match := STATUS.search(line)))
    tracebacks = sum(server.log_text().count(mark) for mark in FAILURE_MARKS)
    print(f"\nrequests: {len(lines)} ({', '.join(f'{k} {v}' for k, v in sorted(classes.items()))}); "
          f"{tracebacks} tracebacks or worker timeouts logged (reports and logs in {directory})")
    return 1 if classes["5xx"] or tracebacks or failed_operations or bad_records else 0


if __name__ == "__main__":
    sys.exit(main())
