"""FHIR request benchmark: whole /fhir requests in-process against a generated directory, with the API search
and /healthz of the same run as yardsticks.

Uses a database bench/search.py built (default bench/search-100000.sqlite: run
`.venv/bin/python bench/search.py --providers 100000 --queries 5` first). For each request it prints the
p50 and p95 in milliseconds, the statements one request runs, and its p50 as a multiple of the API search's
and of /healthz's.

    .venv/bin/python bench/fhir.py [--database sqlite:///bench/search-100000.sqlite] [--queries 40]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from sqlalchemy import event  # noqa: E402

from referral import create_app  # noqa: E402
from referral.extensions import db  # noqa: E402
from search import bench_config  # noqa: E402  (bench/search.py)

NEAR = "40.7831|-73.9712|10|mi"
REQUESTS = {
    "healthz": "/healthz",
    "api search": "/api/v1/providers?lat=40.7831&lng=-73.9712&modality=psychodynamic",
    "Practitioner?name": "/fhir/Practitioner?name=Mar",
    "Practitioner?family:exact": "/fhir/Practitioner?family:exact=Garcia",
    "PractitionerRole?specialty&location.near": f"/fhir/PractitionerRole?specialty=2084P0800X&location.near={NEAR}",
    "PractitionerRole?location.address-city": "/fhir/PractitionerRole?location.address-city=Boise",
    "PractitionerRole?_include=*": "/fhir/PractitionerRole?_count=20&_include=*",
    "Location?near": f"/fhir/Location?near={NEAR}",
    "Location?near&_revinclude": f"/fhir/Location?near={NEAR}&_revinclude=PractitionerRole:location",
    "Organization?name": "/fhir/Organization?name=Aetna",
    "Practitioner?_summary=count": "/fhir/Practitioner?_summary=count",
    "Practitioner read": "/fhir/Practitioner/{id}",
}


def main() -> None:
    """Time each request and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=f"sqlite:///{BENCH_DIR / 'search-100000.sqlite'}")
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    app = create_app(bench_config(args.database))
    client = app.test_client()
    statements = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *_a: statements.__setitem__("n", statements["n"] + 1))
    first = client.get("/fhir/Practitioner?_count=1").get_json(force=True)["entry"][0]["resource"]["id"]
    timings: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for number in range(args.queries + 3):
        for label, url in REQUESTS.items():
            statements["n"] = 0
            started = time.perf_counter()
            response = client.get(url.format(id=first))
            response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
            if number >= 3:
                timings.setdefault(label, []).append(elapsed)
                counts[label] = statements["n"]
    api = statistics.median(timings["api search"])
    health = statistics.median(timings["healthz"])
    print(f"{args.database}, {args.queries} requests each")
    print(f"{'request':45} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'x API':>6} {'x healthz':>9}")
    for label, values in timings.items():
        values.sort()
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{label:45} {p50:8.1f} {p95:8.1f} {counts[label]:4d} {p50 / api:6.2f} {p50 / health:9.1f}")


if __name__ == "__main__":
    main()
