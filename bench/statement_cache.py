"""The ranked search statement: a hand-made per-shape SQL cache against SQLAlchemy's own compiled cache.

Times `nearest_provider_ids` (SQL text compiled once per filter shape, executed with each search's
values) and `nearest_provider_ids_sqlalchemy` below (the statement built for every search; SQLAlchemy's
compiled cache skips the compile) alternately on the same searches, over a generated directory
(bench/search.py's generator), and prints p50 of each and their same-run ratio. Both must return
the same ids; the run stops if they differ.

    .venv/bin/python bench/statement_cache.py --providers 50000 [--reuse] [--queries 400]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

import search as search_bench  # noqa: E402  (bench/search.py: the generator and the places)

from referral import create_app  # noqa: E402
from referral.database import read_only_transaction  # noqa: E402
from referral.extensions import db  # noqa: E402
from referral.models import utcnow  # noqa: E402
from referral.services.geocoding import Place  # noqa: E402
from referral.services import search as search_service  # noqa: E402
from referral.services.search import AvailabilityRules, nearest_provider_ids  # noqa: E402


def nearest_provider_ids_sqlalchemy(criteria, limit: int, offset: int = 0, *, now=None,
                                    rules=search_service.AvailabilityRules(), widen: bool = True) -> list[tuple[int, float]]:
    """nearest_provider_ids without the hand-made cache: the statement built for each search, compiled by
    SQLAlchemy once (its compiled cache) and executed with the values it carries."""
    now = now or utcnow()
    wanted = offset + limit
    place = criteria.place
    filters = search_service.provider_filters(criteria, now, rules, located=True)
    miles = search_service.FIRST_RADIUS_MILES
    if widen and miles < criteria.radius:
        partial = search_service._ranked_statement(criteria, filters, now, rules, inclusive=False)
        while miles < criteria.radius:
            rows = db.session.execute(partial, {**search_service._circle(place, miles), "limit": wanted, "offset": 0}).all()
            if len(rows) >= wanted:
                return [(row[0], row[1]) for row in rows[offset:wanted]]
            miles = search_service._next_radius(miles, len(rows), wanted)
    full = search_service._ranked_statement(criteria, filters, now, rules, inclusive=True)
    rows = db.session.execute(full, {**search_service._circle(place, criteria.radius), "limit": limit, "offset": offset}).all()
    return [(row[0], row[1]) for row in rows]


def main() -> None:
    """Generate or reuse the directory, then time both paths alternately at each place."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = f"sqlite:///{BENCH_DIR / f'search-{args.providers}.sqlite'}"
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(BENCH_DIR / f"search-{args.providers}.sqlite{suffix}").unlink(missing_ok=True)
    app = create_app(search_bench.bench_config(url))
    with app.app_context():
        search_bench.prepare_database(args.providers, args.reuse, analyze=True)
        ids = search_bench.reference_ids()
        db.session.remove()
        rules = AvailabilityRules()
        rng = random.Random(7)
        read_only_transaction.set(True)
        print(f"{args.providers:,} providers, {args.queries} searches per place, p50 in ms (load "
              "%.2f)" % __import__("os").getloadavg()[0])
        print(f"{'place':10} {'hand-made':>10} {'SQLAlchemy':>11} {'ratio':>6}")
        for label, lat, lng, state in search_bench.SEARCH_PLACES:
            hand, cached = [], []
            for number in range(args.queries):
                point = search_bench.jitter(rng, lat, lng, 1.0)
                pair = search_bench.FILTER_PAIRS[number % len(search_bench.FILTER_PAIRS)]
                criteria = search_bench.criteria_for(Place(*point, label, state), pair, ids)
                now = utcnow()
                order = (nearest_provider_ids, nearest_provider_ids_sqlalchemy)
                results = {}
                for function in order if number % 2 else order[::-1]:
                    started = time.perf_counter()
                    results[function] = function(criteria, 20, now=now, rules=rules)
                    elapsed = (time.perf_counter() - started) * 1000
                    (hand if function is nearest_provider_ids else cached).append(elapsed)
                    db.session.remove()
                if [r[0] for r in results[order[0]]] != [r[0] for r in results[order[1]]]:
                    raise SystemExit(f"the two paths disagree at {label}: {pair}")
            a, b = statistics.median(hand[20:]), statistics.median(cached[20:])
            print(f"{label:10} {a:10.3f} {b:11.3f} {b / a:6.2f}")


if __name__ == "__main__":
    main()
