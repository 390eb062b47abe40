"""Benchmark of `flask import-nppes`: rows per second and peak memory into SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                 # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/import.py --rows 200000 --skip-postgres

It writes an NPPES-format CSV (the real 330-column header; rows shaped like the sample's, about 15%
behavioral-health individuals, the rest other individuals, organizations and deactivated NPIs) into
a temporary directory, then imports it in a fresh child process per run so that each peak resident
memory figure (getrusage maxrss) belongs to that run alone. The PostgreSQL run uses a database of
its own (bench_import), created and dropped here; the tests' database is never touched.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "tests" / "data" / "nppes" / "npidata_pfile_sample.csv"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
POSTGRES_DB = "bench_import"
BEHAVIORAL_SHARE = 0.15
ORGANIZATION_SHARE = 0.18
DEACTIVATED_SHARE = 0.01
OTHER_TAXONOMIES = ["207Q00000X", "207R00000X", "363L00000X", "163W00000X", "122300000X", "225100000X",
                    "152W00000X", "208D00000X", "367500000X", "111N00000X", "213E00000X", "1223G0001X"]
ORG_TAXONOMIES = ["261QP2300X", "282N00000X", "332B00000X", "333600000X", "251E00000X", "261QR1300X"]
FIRST = ["MARIA", "JAMES", "LINDA", "ROBERT", "PATRICIA", "MICHAEL", "JENNIFER", "DAVID", "ELIZABETH", "WEI"]
LAST = ["GARCIA", "SMITH", "NGUYEN", "JOHNSON", "OKAFOR", "WILLIAMS", "BROWN", "PATEL", "KOWALSKI", "DIAZ-GREEN"]


def npi_with_check_digit(base9: int) -> str:
    """Nine digits plus their Luhn check digit over the 80840 prefix."""
    digits = [int(d) for d in "80840" + f"{base9:09d}"]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return f"{base9:09d}{(10 - total % 10) % 10}"


def generate(path: Path, rows: int, seed: int = 5) -> dict:
    """Write an NPPES-format CSV of `rows` rows; returns what it holds."""
    with open(SAMPLE, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        templates = list(reader)
    col = {name: i for i, name in enumerate(header)}
    taxonomy_slots = [col[f"Healthcare Provider Taxonomy Code_{n}"] for n in range(1, 16)]
    license_slots = [col[f"Provider License Number_{n}"] for n in range(1, 16)]
    state_slots = [col[f"Provider License Number State Code_{n}"] for n in range(1, 16)]
    switch_slots = [col[f"Healthcare Provider Primary Taxonomy Switch_{n}"] for n in range(1, 16)]
    person = [col[name] for name in ("Provider Last Name (Legal Name)", "Provider First Name", "Provider Middle Name",
                                     "Provider Credential Text", "Provider Sex Code")]
    rng = random.Random(seed)
    counts = {"rows": rows, "behavioral": 0, "other_individual": 0, "organization": 0, "deactivated": 0}
    blank = [""] * len(header)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for i in range(rows):
            npi = npi_with_check_digit(100_000_000 + i)
            draw = rng.random()
            if draw < DEACTIVATED_SHARE:
                row = blank.copy()
                row[0] = npi
                row[col["NPI Deactivation Date"]] = "03/15/2021"
                counts["deactivated"] += 1
                writer.writerow(row)
                continue
            row = list(rng.choice(templates))
            row[0] = npi
            row[person[0]] = rng.choice(LAST)
            row[person[1]] = rng.choice(FIRST)
            if draw < DEACTIVATED_SHARE + BEHAVIORAL_SHARE:
                counts["behavioral"] += 1  # the template's own behavioral-health taxonomies and licenses
            else:
                for slot in range(15):
                    row[taxonomy_slots[slot]] = row[license_slots[slot]] = ""
                    row[state_slots[slot]] = row[switch_slots[slot]] = ""
                state = row[col["Provider Business Practice Location Address State Name"]]
                organization = draw > 1 - ORGANIZATION_SHARE
                codes = ORG_TAXONOMIES if organization else OTHER_TAXONOMIES
                for slot in range(rng.choice((1, 1, 1, 2, 3))):
                    row[taxonomy_slots[slot]] = rng.choice(codes)
                    row[license_slots[slot]] = "" if organization else f"{rng.randrange(10**5, 10**8)}"
                    row[state_slots[slot]] = "" if organization else state
                    row[switch_slots[slot]] = "Y" if slot == 0 else "N"
                if organization:
                    row[1] = "2"
                    for index in person:
                        row[index] = ""
                    row[col["Provider Organization Name (Legal Business Name)"]] = f"{rng.choice(LAST)} HEALTH SERVICES LLC"
                    row[col["Authorized Official Last Name"]] = rng.choice(LAST)
                    row[col["Authorized Official First Name"]] = rng.choice(FIRST)
                    row[col["Authorized Official Telephone Number"]] = f"{rng.randrange(2000000000, 9999999999)}"
                    counts["organization"] += 1
                else:
                    counts["other_individual"] += 1
            writer.writerow(row)
    counts["bytes"] = path.stat().st_size
    return counts


def _app(url: str):
    from config import TestingConfig
    from referral import create_app

    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)


def worker(mode: str, url: str, path: Path, batch_size: int, runs: int) -> dict:
    """In a child process: set up the database, import the file `runs` times, report the figures."""
    from referral.extensions import db
    from referral.services.geocoding import OfflineGeocoder, zip_index
    from referral.services.nppes import NppesImport
    from referral.services.nppes.mapper import Kept, RowMapper
    from referral.services.nppes.columns import resolve_columns
    from referral.services.nppes.importer import load_taxonomy_index
    from referral.services.nppes.reader import open_source
    from referral.services.reference import load_reference_data

    app = _app(url)
    results = {}
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        zip_index()  # the geocoder's ZIP table loads once per process; not part of the import's rate
        if mode == "scan":
            # Reading, filtering and mapping only: no database writes.
            started, cpu = time.perf_counter(), time.process_time()
            rows = kept = 0
            with open_source(path) as source:
                columns = resolve_columns(source.header)
                mapper = RowMapper(columns, load_taxonomy_index())
                taxonomy = mapper.taxonomy.behavioral
                for row in source.rows:
                    rows += 1
                    if len(row) == columns.width and (
                        (row[columns.entity_type] == "1" and not taxonomy.isdisjoint(row[i] for i in columns.taxonomy_indexes))
                        or row[columns.deactivation_date]
                    ):
                        kept += isinstance(mapper.map(row), Kept)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            results["scan"] = {"rows": rows, "kept": kept, "seconds": elapsed, "rows_per_second": rows / elapsed,
                               "cpu_seconds": cpu}
        else:
            for run in range(1, runs + 1):
                job = NppesImport(path, geocoder=OfflineGeocoder(), batch_size=batch_size)
                cpu = time.process_time()
                stats = job.run()
                cpu = time.process_time() - cpu
                results[f"run{run}"] = {
                    "rows": stats.rows_read, "kept": stats.kept, "added": stats.written.added,
                    "updated": stats.written.updated, "unchanged": stats.written.unchanged,
                    "deactivations_seen": stats.deactivations_seen, "rejected": stats.rejected,
                    "seconds": stats.elapsed, "rows_per_second": stats.rows_per_second, "cpu_seconds": cpu,
                }
        db.session.remove()
        db.engine.dispose()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _child(mode: str, url: str, path: Path, batch_size: int, runs: int) -> dict:
    command = [sys.executable, __file__, "--worker", mode, "--url", url, "--file", str(path),
               "--batch-size", str(batch_size), "--runs", str(runs)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def _postgres(action: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)"))
        if action == "create":
            connection.execute(text(f"CREATE DATABASE {POSTGRES_DB}"))
    engine.dispose()


def _show(label: str, figures: dict) -> None:
    for key, run in figures.items():
        if isinstance(run, dict):
            detail = ", ".join(f"{k} {v:,}" for k, v in run.items() if k not in ("seconds", "rows_per_second", "cpu_seconds"))
            print(f"  {label:<18} {key:<5} {run['rows_per_second']:>8,.0f} rows/s wall ({run['seconds']:6.1f} s), "
                  f"{run['rows'] / run['cpu_seconds']:>8,.0f} rows per CPU-second ({run['cpu_seconds']:6.1f} s)  ({detail})")
    print(f"  {label:<18} peak RSS {figures['peak_rss_mb']:,.0f} MB (the whole process: app, ZIP table, import)")


def main() -> None:
    """Generate the file, run the imports, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=2, help="imports of the same file per database (the second is a no-op)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, Path(args.file), args.batch_size, args.runs)))
        return

    with tempfile.TemporaryDirectory(prefix="nppes-bench-") as tmp:
        path = Path(tmp) / "npidata_pfile_bench.csv"
        started = time.perf_counter()
        counts = generate(path, args.rows)
        print(f"Generated {path.name}: {counts['rows']:,} rows, {counts['bytes'] / 2**20:,.0f} MiB "
              f"({counts['bytes'] / counts['rows']:,.0f} bytes/row), {counts['behavioral']:,} behavioral-health, "
              f"{counts['other_individual']:,} other individuals, {counts['organization']:,} organizations, "
              f"{counts['deactivated']:,} deactivated, in {time.perf_counter() - started:.0f} s")
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, batch size {args.batch_size}, "
              f"load average {os.getloadavg()[0]:.1f} at the start")
        _show("scan (no writes)", _child("scan", "sqlite://", path, args.batch_size, 1))
        _show("SQLite (file)", _child("import", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", path, args.batch_size, args.runs))
        if not args.skip_postgres:
            _postgres("create")
            try:
                _show("PostgreSQL", _child("import", f"{POSTGRES_SERVER}/{POSTGRES_DB}", path, args.batch_size, args.runs))
            finally:
                _postgres("drop")


if __name__ == "__main__":
    main()
