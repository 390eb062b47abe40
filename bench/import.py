"""Benchmark of `flask import-nppes` against merely reading the file with csv.reader, on SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                 # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/import.py --rows 200000 --skip-postgres
    .venv/bin/python bench/import.py --postgres-url postgresql://user@host:5432/scratch

It writes an NPPES-format CSV (the real 330-column header; rows shaped like the sample's, about 15%
behavioral-health individuals, the rest other individuals, organizations and deactivated NPIs; street
numbers and surnames vary as in the registry, so that nothing repeats more than it would there) into
a temporary directory. Then, each in a fresh child process (so that each peak resident memory figure,
getrusage maxrss, belongs to that measurement alone): csv.reader over the file, which is the pace to
compare with, measured again between and after the imports; reading, picking out and mapping the
rows in one process without writing (where the time goes); the import into a new SQLite file; the
import into PostgreSQL. Each import runs twice (the second finds every listing unchanged). The
ratios printed divide an import's rows per second by csv.reader's in the same run (the mean of the
readings taken just before and just after it), as a shared machine's speed varies from minute to
minute. CPU seconds include the import's file-reading child process.

PostgreSQL: the URL comes from --postgres-url, else DATABASE_URL when that names PostgreSQL, else the
local server's admin database (BENCH_POSTGRES_SERVER, default postgresql+psycopg://postgres@127.0.0.1:5432,
database postgres). The run creates a schema of its own there (bench_import_<pid>) and drops it at the
end: no table of that database is read or written.
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
POSTGRES_ADMIN_URL = f"{POSTGRES_SERVER}/postgres"
POSTGRES_SCHEMA = f"bench_import_{os.getpid()}"
GOALS = {"SQLite": 0.8, "PostgreSQL": 0.6}  # an import's rows/s over csv.reader's
BEHAVIORAL_SHARE = 0.15
ORGANIZATION_SHARE = 0.18
DEACTIVATED_SHARE = 0.01
OTHER_TAXONOMIES = ["207Q00000X", "207R00000X", "363L00000X", "163W00000X", "122300000X", "225100000X",
                    "152W00000X", "208D00000X", "367500000X", "111N00000X", "213E00000X", "1223G0001X"]
ORG_TAXONOMIES = ["261QP2300X", "282N00000X", "332B00000X", "333600000X", "251E00000X", "261QR1300X"]
FIRST = ["MARIA", "JAMES", "LINDA", "ROBERT", "PATRICIA", "MICHAEL", "JENNIFER", "DAVID", "ELIZABETH", "WEI",
         "JOSE", "SARAH", "KAREN", "DANIEL", "NANCY", "ANTHONY", "LISA", "MARK", "SANDRA", "PAUL", "AISHA",
         "KEVIN", "ASHLEY", "BRIAN", "EMILY", "JASON", "MELISSA", "JUAN", "AMANDA", "ERIC", "PRIYA", "NGOC"]
# Surnames: stems and endings combined (about 2,000), drawn with Zipf-like weights as real surnames are.
STEMS = ["GARC", "SMITH", "NGUY", "JOHN", "OKAF", "WILL", "BROWN", "PAT", "KOWAL", "DIAZ", "HERN", "LOP",
         "MART", "ANDERS", "TAYL", "THOM", "MOOR", "JACKS", "WHIT", "HARR", "CLARK", "LEW", "ROBINS", "WALK",
         "YOUNG", "ALL", "KING", "WRIGHT", "SCOTT", "GREEN", "BAK", "ADAMS", "NELS", "HILL", "CAMPB", "MITCH",
         "ROBERTS", "CART", "PHILL", "EVANS", "TURN", "TORR", "PARK", "COLL", "EDWARDS", "STEW", "FLOR", "MORR"]
ENDINGS = ["", "IA", "EN", "SON", "OR", "IAMS", "E", "EL", "SKI", "-GREEN", "ANDEZ", "EZ", "IN", "ER", "S",
           "AS", "ELL", "ON", "ISON", "ER-LEE", "Y", "OWSKI", "ENKO", "ETTE", "ING", "ES", "MAN", "OTT", "ERS",
           "OS", "ANO", "IK", "OVA", "ULA", "AR", "EY", "INS", "OLD", "ARD", "AN", "OCK"]


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
    address1 = col["Provider First Line Business Practice Location Address"]
    rng = random.Random(seed)
    surnames = [stem + ending for stem in STEMS for ending in ENDINGS]
    rng.shuffle(surnames)
    weights = [1 / rank for rank in range(1, len(surnames) + 1)]
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
            row[person[0]] = rng.choices(surnames, weights)[0]
            row[person[1]] = rng.choice(FIRST)
            street = row[address1].split(" ", 1)[-1]
            row[address1] = f"{rng.randrange(1, 20000)} {street}"
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
                    row[col["Provider Organization Name (Legal Business Name)"]] = f"{rng.choice(surnames)} HEALTH SERVICES LLC"
                    row[col["Authorized Official Last Name"]] = rng.choice(surnames)
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


def read_only(path: Path) -> dict:
    """Rows per second of csv.reader over the file, doing nothing with the rows: the pace to compare with."""
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with open(path, newline="", encoding="utf-8") as handle:
        for _ in csv.reader(handle):
            rows += 1
    rows -= 1  # the header
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"read": {"rows": rows, "seconds": elapsed, "rows_per_second": rows / elapsed, "cpu_seconds": cpu}}


def worker(mode: str, url: str, path: Path, batch_size: int, runs: int) -> dict:
    """In a child process: set up the database, import the file `runs` times (or only read it), report the figures."""
    if mode == "read":
        results = read_only(path)
        results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return results

    from referral.extensions import db
    from referral.services.geocoding import OfflineGeocoder, zip_index
    from referral.services.nppes import NppesImport
    from referral.services.reference import load_reference_data

    app = _app(url)
    results = {}
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        zip_index()  # the geocoder's ZIP table loads once per process; not part of the import's rate
        if mode == "scan":
            # Reading, picking out and mapping, in this one process: no database writes.
            from referral.services.nppes.columns import compact_columns, resolve_columns
            from referral.services.nppes.importer import load_taxonomy_index
            from referral.services.nppes.mapper import Kept, RowMapper
            from referral.services.nppes.reader import open_source
            from referral.services.nppes.scan import ROW, Chunk, scan

            started, cpu = time.perf_counter(), time.process_time()
            rows = kept = 0
            with open_source(path) as source:
                columns = resolve_columns(source.header)
                taxonomy = load_taxonomy_index()
                mapper = RowMapper(compact_columns(columns)[1], taxonomy)
                for chunk in scan(source, columns, taxonomy.behavioral):
                    if isinstance(chunk, Chunk):
                        kept += sum(isinstance(mapper.map(row), Kept) for kind, _, row in chunk.events if kind == ROW)
                    else:
                        rows = chunk.rows_read
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            results["scan"] = {"rows": rows, "kept": kept, "seconds": elapsed, "rows_per_second": rows / elapsed,
                               "cpu_seconds": cpu}
        else:
            for run in range(1, runs + 1):
                job = NppesImport(path, geocoder=OfflineGeocoder(), batch_size=batch_size)
                cpu = _cpu_with_children()
                stats = job.run()
                cpu = _cpu_with_children() - cpu
                results[f"run{run}"] = {
                    "rows": stats.rows_read, "kept": stats.kept, "added": stats.written.added,
                    "updated": stats.written.updated, "unchanged": stats.written.unchanged,
                    "deactivations_seen": stats.deactivations_seen, "rejected": stats.rejected,
                    "seconds": stats.elapsed, "rows_per_second": stats.rows_per_second, "cpu_seconds": cpu,
                }
        db.session.remove()
        db.engine.dispose()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["reader_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return results


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its children that have ended (the import's file reader)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(mode: str, url: str, path: Path, batch_size: int, runs: int) -> dict:
    command = [sys.executable, __file__, "--worker", mode, "--url", url, "--file", str(path),
               "--batch-size", str(batch_size), "--runs", str(runs)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def postgres_url(given: str | None) -> str:
    """The PostgreSQL database to use: --postgres-url, else DATABASE_URL if it names PostgreSQL, else the admin URL."""
    url = given or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        url = POSTGRES_ADMIN_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def in_schema(url: str, schema: str) -> str:
    """The URL with the schema as its search path (psycopg's options), so that everything lands in it."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _postgres_schema(url: str, action: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{POSTGRES_SCHEMA}" CASCADE'))
        if action == "create":
            connection.execute(text(f'CREATE SCHEMA "{POSTGRES_SCHEMA}"'))
    engine.dispose()


def _show(label: str, figures: dict) -> None:
    for key, run in figures.items():
        if isinstance(run, dict):
            detail = ", ".join(f"{k} {v:,}" for k, v in run.items() if k not in ("seconds", "rows_per_second", "cpu_seconds"))
            print(f"  {label:<18} {key:<5} {run['rows_per_second']:>8,.0f} rows/s wall ({run['seconds']:6.1f} s), "
                  f"{run['rows'] / run['cpu_seconds']:>8,.0f} rows per CPU-second ({run['cpu_seconds']:6.1f} s)  ({detail})")
    memory = f"  {label:<18} peak RSS {figures['peak_rss_mb']:,.0f} MB"
    if figures.get("reader_peak_rss_mb"):
        memory += f" (its file reader process: {figures['reader_peak_rss_mb']:,.0f} MB)"
    print(memory)


def _ratios(label: str, figures: dict, reads: list[dict]) -> str:
    pace = sum(read["read"]["rows_per_second"] for read in reads) / len(reads)
    runs = {key: run["rows_per_second"] / pace for key, run in figures.items() if isinstance(run, dict)}
    goal = GOALS[label]
    worst = min(runs.values())
    listed = ", ".join(f"{key} {ratio:.2f}x" for key, ratio in runs.items())
    return (f"  {label:<11} {listed} of csv.reader's {pace:,.0f} rows/s; goal >= {goal}x: "
            f"{'met' if worst >= goal else 'not met'} (slowest run {worst:.2f}x)")


def main() -> None:
    """Generate the file, read it, run the imports, print the figures and the ratios."""
    from sqlalchemy.engine import make_url

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", help="PostgreSQL database to work in (a scratch schema is made there)")
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
        reads = [_child("read", "", path, args.batch_size, 1)]
        _show("csv.reader", reads[-1])
        _show("scan (no writes)", _child("scan", "sqlite://", path, args.batch_size, 1))
        imports = {}
        imports["SQLite"] = _child("import", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", path, args.batch_size, args.runs)
        _show("SQLite (file)", imports["SQLite"])
        reads.append(_child("read", "", path, args.batch_size, 1))
        _show("csv.reader", reads[-1])
        paces = {"SQLite": reads[0:2]}
        if not args.skip_postgres:
            url = postgres_url(args.postgres_url)
            shown = make_url(url).render_as_string(hide_password=True)
            print(f"  PostgreSQL at {shown}, in a schema of its own: {POSTGRES_SCHEMA} (dropped at the end)")
            _postgres_schema(url, "create")
            try:
                imports["PostgreSQL"] = _child("import", in_schema(url, POSTGRES_SCHEMA), path, args.batch_size, args.runs)
            finally:
                _postgres_schema(url, "drop")
            _show("PostgreSQL", imports["PostgreSQL"])
            reads.append(_child("read", "", path, args.batch_size, 1))
            _show("csv.reader", reads[-1])
            paces["PostgreSQL"] = reads[1:3]
        print(f"Import rows/s over csv.reader rows/s (load average {os.getloadavg()[0]:.1f} at the end):")
        for label, figures in imports.items():
            print(_ratios(label, figures, paces[label]))


if __name__ == "__main__":
    main()
