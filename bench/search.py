"""Search benchmark: nearest-20 searches with two filters over N synthetic providers.

Builds a directory of N fictional providers (default 500,000) placed at real US places in
proportion to population (GeoNames, see bench/data/GEONAMES_NOTICE.txt), then times 25-mile
nearest-20 searches with two filters around New York (dense), Boise (medium) and Pierre, SD
(sparse):

  (a) ``nearest_provider_ids``: the ranked SQL fetch of the 20 nearest ids and distances;
  (b) ``search_providers``: a whole result page (the 20 providers loaded, nothing counted beyond);
  (c) a naive search that loads every provider with offices and filter sets into Python,
      measures with geopy and sorts (run only a few times: it is slow);
  (d) whole requests in-process, through the app's WSGI stack as a served request goes: a static
      file, /healthz, the API search, the HTML results page and a profile, with each one's p50 as
      a multiple of the static file's in the same run.

It prints a table of p50/p95 per place, the row counts, the database's version, the machine, and
the query plan of one (a) query. Goals at 500,000 providers, p50: (a) at most 2 ms on SQLite; the
API search at most 6x the static file, the page 10x, a profile 4x; PostgreSQL's API search at most
1.5x SQLite's (give both databases in one run); from 500,000 to 2,000,000 providers the API search
grows at most 1.3x and Pierre's (a) stays at most 1 ms (give --providers 500000,2000000).

    .venv/bin/python bench/search.py                       # 500,000 providers, bench/search-500000.sqlite
    .venv/bin/python bench/search.py --reuse               # keep the generated database from a previous run
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench500k .venv/bin/python bench/search.py --reuse
    .venv/bin/python bench/search.py --providers 500000 --database sqlite:///bench/search-500000.sqlite \
        --database postgresql+psycopg://postgres@127.0.0.1/bench500k          # both engines, same run
    .venv/bin/python bench/search.py --providers 50000,500000,2000000 --reuse  # growth, same run

The databases are the ones named, by --database (repeatable, "{n}" in a URL is the provider count)
or DATABASE_URL; by default a SQLite file per size in bench/. A PostgreSQL database that does not
exist is created. A database is filled when it holds no providers, reused with --reuse when it
holds exactly N, and refused otherwise (a default SQLite file is rebuilt instead).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import statistics
import sys
import time
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # run as a script: make `config` and `referral` importable

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import Config  # noqa: E402
from referral import create_app  # noqa: E402
from referral.database import read_only_transaction  # noqa: E402
from referral.extensions import db  # noqa: E402
from referral.models import (  # noqa: E402
    SEARCHABLE_LISTING_STATUSES,
    AgeGroup,
    Concern,
    Frequency,
    InsurancePlan,
    Language,
    License,
    Modality,
    Office,
    Provider,
    ProviderType,
    provider_age_groups,
    provider_concerns,
    provider_frequencies,
    provider_insurance,
    provider_languages,
    provider_modalities,
    utcnow,
)
from referral.services.geocoding import EARTH_RADIUS_MILES, Place, distance_miles  # noqa: E402
from referral.services.reference import load_reference_data  # noqa: E402
from referral.services.search import (  # noqa: E402
    BAND_MILES,
    AvailabilityRules,
    nearest_provider_ids,
    search_providers,
)
from referral.services.search_params import SearchCriteria  # noqa: E402
from referral.services.attributes import BY_NAME  # noqa: E402

# The lists the generator fills: search parameter -> (association table, its item column).
ASSOCIATIONS = {name: (BY_NAME[name].association, BY_NAME[name].item_column)
                for name in ("modality", "frequency", "condition", "insurance", "language", "age_group")}

CITIES_FILE = BENCH_DIR / "data" / "us_cities_geonames_pop500.csv"
MATCHES_CAP = 200
SEED = 7
CHUNK = 20_000
RADIUS_MILES = 25
PER_PAGE = 20
NAIVE_RUNS = 3
WARMUP_QUERIES = 5
TARGET_P50_MS = 2.0
# Whole requests (d): each one's p50 as a multiple of the static file's, at most.
REQUEST_GOALS = {"api": 6.0, "page": 10.0, "profile": 4.0}
REQUEST_KINDS = ("static", "healthz", "api", "page", "profile")
STATIC_FILE = "/static/css/site.css"
MILES_PER_DEGREE = EARTH_RADIUS_MILES * math.pi / 180

# Where the searches are made: label, latitude, longitude, state.
SEARCH_PLACES = (
    ("New York, NY", 40.7831, -73.9712, "NY"),
    ("Boise, ID", 43.6150, -116.2023, "ID"),
    ("Pierre, SD", 44.3683, -100.3510, "SD"),
)
# Each query uses one of these two-filter searches, in turn (parameter -> slug).
FILTER_PAIRS = (
    {"modality": "psychodynamic", "frequency": "weekly"},
    {"modality": "cbt", "insurance": "aetna"},
    {"type": "psychologist", "language": "es"},
    {"modality": "psychoanalytic", "frequency": "several-weekly"},
)

# --------------------------------------------------------------------------------------------
# The synthetic directory's mix (shares and chances per provider).
# --------------------------------------------------------------------------------------------
TYPE_SHARES = {
    "clinical-social-worker": 30, "psychologist": 25, "counselor": 15, "psychiatrist": 12,
    "marriage-family-therapist": 8, "psychiatric-nurse-practitioner": 6, "psychoanalyst": 4,
}
# Chance of offering psychodynamic therapy by type: about 20% of all providers.
PSYCHODYNAMIC_CHANCE = {
    "clinical-social-worker": 0.20, "psychologist": 0.25, "counselor": 0.10, "psychiatrist": 0.15,
    "marriage-family-therapist": 0.08, "psychiatric-nurse-practitioner": 0.0, "psychoanalyst": 1.0,
}
PRESCRIBERS = {"psychiatrist", "psychiatric-nurse-practitioner"}
CREDENTIALS = {
    "clinical-social-worker": "LCSW", "psychologist": "PhD", "counselor": "LPC", "psychiatrist": "MD",
    "marriage-family-therapist": "LMFT", "psychiatric-nurse-practitioner": "PMHNP-BC", "psychoanalyst": "LP",
}
FEES = {
    "clinical-social-worker": (90, 200), "psychologist": (150, 300), "counselor": (90, 190),
    "psychiatrist": (250, 500), "marriage-family-therapist": (100, 200),
    "psychiatric-nurse-practitioner": (150, 300), "psychoanalyst": (150, 300),
}
# Weights for the other modalities a provider lists (any modality not named weighs 1).
MODALITY_WEIGHTS = {
    "cbt": 30, "person-centered": 10, "act": 8, "emdr": 8, "dbt": 6, "ifs": 6, "ipt": 5, "mbct": 5,
    "family-systems": 5, "couples": 5, "mi": 5, "sfbt": 4, "psychoanalytic": 2, "eft": 3, "gottman": 3,
    "narrative": 3, "somatic": 3, "tf-cbt": 3, "schema": 2, "medication-management": 0, "psychodynamic": 0,
}
FREQUENCY_WEIGHTS = {"weekly": 80, "biweekly": 40, "monthly": 12, "as-needed": 10, "several-weekly": 6}
PRESCRIBER_FREQUENCY_WEIGHTS = {"monthly": 70, "as-needed": 30, "biweekly": 25, "weekly": 15, "several-weekly": 1}
ANALYST_FREQUENCY_WEIGHTS = {"several-weekly": 80, "weekly": 60, "biweekly": 5, "monthly": 1, "as-needed": 1}
INSURANCE_CHANCE = {
    "self-pay": 0.70, "blue-cross-blue-shield": 0.35, "aetna": 0.30, "unitedhealthcare": 0.30, "cigna": 0.28,
    "medicare": 0.25, "medicaid": 0.20, "humana": 0.10, "tricare": 0.08, "kaiser-permanente": 0.03,
}
SECOND_LANGUAGE_WEIGHTS = {
    "es": 60, "zh": 6, "fr": 5, "ru": 4, "vi": 3, "ko": 3, "tl": 3, "pt": 3, "ar": 3, "de": 2, "hi": 2,
    "he": 2, "fa": 2, "ht": 2, "it": 1, "pl": 1, "ja": 1, "uk": 1, "yi": 1,
}
CONCERN_WEIGHTS = {"depression": 12, "anxiety": 12, "relationship": 6, "ptsd": 6, "grief": 5, "adhd": 4}
AGE_GROUP_CHANCE = {"adults": 0.95, "older-adults": 0.40, "teens": 0.30, "children": 0.18}
STATE_NEIGHBOURS = {"NY": ("NJ", "CT"), "NJ": ("NY", "PA"), "CT": ("NY",), "ID": ("OR", "WA", "UT"),
                    "SD": ("ND", "NE"), "DC": ("MD", "VA"), "MD": ("DC", "VA"), "VA": ("DC", "MD")}
FIRST_NAMES = ("Ada Blair Cass Dara Emre Faye Gil Hana Ines Jory Kit Lior Mara Nico Odile Pell Quin Rae "
               "Sol Tova Una Vale Wren Xan Yael Zev").split()
SURNAME_HEADS = "Quill Marrow Thistle Hollow Lark Kestrel Fern Dusk Mirrow Brindle Amber Wren Cinder Moss".split()
SURNAME_TAILS = "feather by wynd mere row vale combe brook leigh fallow quist hythe dale worth".split()


@dataclass(frozen=True)
class Town:
    """A populated place providers are drawn to: name, state, point, and how far it spreads."""

    name: str
    state: str
    lat: float
    lng: float
    spread_miles: float


@dataclass
class PlaceResult:
    """What one search place measured."""

    label: str
    matches: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    nearest_ms: list[float] = field(default_factory=list)
    nearest_cpu_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    page_cpu_ms: list[float] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)
    naive_agrees: int = 0
    pair_matches: dict[str, int] = field(default_factory=dict)
    requests_ms: dict[str, list[float]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Places and the generator
# --------------------------------------------------------------------------------------------
def read_towns(path: Path = CITIES_FILE) -> tuple[list[Town], list[int]]:
    """The GeoNames places and their populations (New York City counted once, by borough)."""
    towns, populations = [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            # GeoNames lists New York City and, separately, its five boroughs.
            if row["name"] == "New York City" and row["state"] == "NY":
                continue
            population = int(row["population"])
            spread = 2.0 + 3.0 * math.sqrt(population / 1_000_000)  # 2 mi for a village, ~7 for Brooklyn
            towns.append(Town(row["name"], row["state"], float(row["latitude"]), float(row["longitude"]), spread))
            populations.append(population)
    return towns, populations


def jitter(rng: random.Random, lat: float, lng: float, miles: float) -> tuple[float, float]:
    """A point uniformly within `miles` of (lat, lng)."""
    distance = miles * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    dlat = distance * math.cos(bearing) / MILES_PER_DEGREE
    dlng = distance * math.sin(bearing) / (MILES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def _weighted_distinct(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys drawn by weight (k is small, so rejection is cheap)."""
    keys = [key for key, weight in weights.items() if weight > 0]
    cum = list(accumulate(weights[key] for key in keys))
    chosen: list[str] = []
    while len(chosen) < min(k, len(keys)):
        key = keys[bisect_left(cum, rng.random() * cum[-1])]
        if key not in chosen:
            chosen.append(key)
    return chosen


class DirectoryGenerator:
    """Deterministic rows for synthetic providers, their offices, licenses and filter lists."""

    def __init__(self, rng: random.Random, ids: dict[str, dict[str, int]], now: datetime) -> None:
        self.rng = rng
        self.ids = ids
        self.now = now
        self.towns, populations = read_towns()
        self.town_cum = list(accumulate(populations))
        self.type_names = list(TYPE_SHARES)
        self.type_cum = list(accumulate(TYPE_SHARES.values()))
        self.modality_weights = {slug: MODALITY_WEIGHTS.get(slug, 1) for slug in ids["modality"]}
        self.concern_weights = {slug: CONCERN_WEIGHTS.get(slug, 1) for slug in ids["condition"]}

    def _pick(self, names: list, cum: list[int]):
        return names[bisect_left(cum, self.rng.random() * cum[-1])]

    def _town(self) -> Town:
        return self.towns[bisect_left(self.town_cum, self.rng.random() * self.town_cum[-1])]

    def _modalities(self, kind: str) -> list[str]:
        rng = self.rng
        chosen = ["medication-management"] if kind in PRESCRIBERS else []
        if kind == "psychoanalyst":
            chosen.append("psychoanalytic")
        if rng.random() < PSYCHODYNAMIC_CHANCE[kind]:
            chosen.append("psychodynamic")
        total = max(len(chosen), rng.randint(1, 4))
        for slug in _weighted_distinct(rng, self.modality_weights, total + 2):
            if len(chosen) >= total:
                break
            if slug not in chosen:
                chosen.append(slug)
        return chosen

    def _frequencies(self, kind: str) -> list[str]:
        weights = (PRESCRIBER_FREQUENCY_WEIGHTS if kind in PRESCRIBERS
                   else ANALYST_FREQUENCY_WEIGHTS if kind == "psychoanalyst" else FREQUENCY_WEIGHTS)
        return _weighted_distinct(self.rng, weights, self.rng.choices((1, 2, 3), (50, 35, 15))[0])

    def _insurance(self, kind: str) -> list[str]:
        rng = self.rng
        chosen = [slug for slug, chance in INSURANCE_CHANCE.items()
                  if rng.random() < (chance * 2 if slug == "medicare" and kind in PRESCRIBERS else chance)]
        return chosen or ["self-pay"]

    def _languages(self) -> list[str]:
        rng = self.rng
        chosen = ["en"] if rng.random() < 0.97 else []
        if rng.random() < 0.22 or not chosen:
            chosen += [slug for slug in _weighted_distinct(rng, SECOND_LANGUAGE_WEIGHTS, 1) if slug not in chosen]
        return chosen

    def provider_rows(self, start: int, count: int) -> dict[str, list[dict]]:
        """Rows for providers start+1 .. start+count, keyed by table name."""
        rng, ids, now = self.rng, self.ids, self.now
        rows: dict[str, list[dict]] = {name: [] for name in (
            "providers", "offices", "licenses", "modality", "frequency", "insurance", "language",
            "condition", "age_group")}
        office_id = start * 2  # at most two offices each, so ids never collide between chunks
        license_id = start * 2
        for provider_id in range(start + 1, start + count + 1):
            kind = self._pick(self.type_names, self.type_cum)
            town = self._town()
            accepting = rng.random() < 0.65
            confirmed = None if rng.random() < 0.05 else now - timedelta(days=rng.uniform(0, 200))
            fee_low, fee_high = FEES[kind]
            fee_min = rng.randrange(fee_low, fee_high + 1, 5)
            rows["providers"].append({
                "id": provider_id,
                "npi": f"9{provider_id:09d}",  # NPIs never start with 9: clearly fictional
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS),
                "credentials": CREDENTIALS[kind],
                "provider_type_id": ids["type"][kind],
                "taxonomy_code": None,
                "statement": f"Fictional benchmark listing {provider_id}.",
                "accepting_new_patients": accepting,
                "availability_confirmed_at": confirmed,
                "telehealth": rng.random() < 0.70,
                "in_person": rng.random() < 0.95,
                "fee_min": fee_min,
                "fee_max": fee_min + rng.randrange(0, 101, 10),
                "sliding_scale": rng.random() < 0.30,
                "phone": "",
                "website": "",
                "owner_id": None,
                "listing_status": "verified" if rng.random() < 0.13 else "unclaimed",
                "source": "bench",
                "active": rng.random() < 0.99,
                "verified_at": None,
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            })
            states = {town.state}
            for number in range(2 if rng.random() < 0.12 else 1):
                lat, lng = jitter(rng, town.lat, town.lng, town.spread_miles if number == 0 else 10)
                office_id += 1
                rows["offices"].append({
                    "id": office_id, "provider_id": provider_id, "address1": "", "address2": "",
                    "city": town.name, "state": town.state, "zip": "", "lat": lat, "lng": lng,
                })
            if rng.random() < 0.15:
                states.add(rng.choice(STATE_NEIGHBOURS.get(town.state, ("CA", "NY", "TX", "FL"))))
            for state in sorted(states):
                license_id += 1
                rows["licenses"].append({"id": license_id, "provider_id": provider_id, "state": state,
                                         "number": f"B{provider_id}"})
            lists = {
                "modality": self._modalities(kind),
                "frequency": self._frequencies(kind),
                "insurance": self._insurance(kind),
                "language": self._languages(),
                "condition": _weighted_distinct(rng, self.concern_weights, rng.randint(1, 4)),
                "age_group": [slug for slug, chance in AGE_GROUP_CHANCE.items() if rng.random() < chance]
                or ["adults"],
            }
            for parameter, slugs in lists.items():
                column = ASSOCIATIONS[parameter][1]
                rows[parameter].extend({"provider_id": provider_id, column: ids[parameter][slug]} for slug in slugs)
        return rows


# --------------------------------------------------------------------------------------------
# Building the database
# --------------------------------------------------------------------------------------------
def bench_config(url: str) -> type[Config]:
    """A configuration class for the bench database."""

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        RATELIMIT_ENABLED = False
        MAIL_TO_CONSOLE = False

    return BenchConfig


def reference_ids() -> dict[str, dict[str, int]]:
    """Slug -> id for every reference list a search filters by."""
    models = {"type": ProviderType, "modality": Modality, "frequency": Frequency, "condition": Concern,
              "insurance": InsurancePlan, "language": Language, "age_group": AgeGroup}
    return {parameter: dict(db.session.execute(select(model.slug, model.id).order_by(model.slug)).all())
            for parameter, model in models.items()}


def provider_count() -> int:
    """How many providers the bench database holds (0 when it has no tables yet)."""
    try:
        return db.session.scalar(select(func.count()).select_from(Provider)) or 0
    except Exception:
        db.session.rollback()
        return 0


def executemany_rows(table, rows: list[dict]) -> None:
    """Insert rows with one executemany (the driver's bulk path on SQLite)."""
    db.session.execute(insert(table), rows)


def copy_rows(table, rows: list[dict]) -> None:
    """Insert rows with COPY: psycopg's executemany is several times slower for millions of rows."""
    columns = list(rows[0])
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def generate_directory(n: int, now: datetime) -> float:
    """Insert n synthetic providers in bulk, chunk by chunk; returns the seconds taken."""
    started = time.perf_counter()
    generator = DirectoryGenerator(random.Random(SEED), reference_ids(), now)
    tables = {"providers": Provider.__table__, "offices": Office.__table__, "licenses": License.__table__}
    tables.update({parameter: table for parameter, (table, _) in ASSOCIATIONS.items()})
    bulk_insert = copy_rows if db.engine.dialect.name == "postgresql" else executemany_rows
    for start in range(0, n, CHUNK):
        rows = generator.provider_rows(start, min(CHUNK, n - start))
        for name, table in tables.items():
            if rows[name]:
                bulk_insert(table, rows[name])
        db.session.commit()
        done = min(start + CHUNK, n)
        if done % 100_000 == 0 or done == n:
            print(f"  {done:>9,} providers  {time.perf_counter() - started:6.1f} s", flush=True)
    return time.perf_counter() - started


def prepare_database(n: int, reuse: bool, analyze: bool) -> float | None:
    """Create the tables and reference lists and generate the directory unless --reuse finds it."""
    db.create_all()
    existing = provider_count()
    if reuse and existing == n:
        print(f"  reusing the {n:,} generated providers")
        seconds = None
    else:
        if existing:
            raise SystemExit(f"the bench database holds {existing:,} providers, not {n:,}: run without --reuse")
        load_reference_data()
        db.session.commit()
        seconds = generate_directory(n, utcnow())
    update_statistics(analyze)
    return seconds


def update_statistics(analyze: bool) -> None:
    """Gather planner statistics (ANALYZE) as one should after a bulk load, or drop them with --no-analyze.

    Without statistics SQLite's planner guesses that `listing_status IN (...)` on
    ix_providers_status_type is selective and walks every provider instead of the offices in the
    bounding box (see the printed query plan).
    """
    sqlite = db.engine.dialect.name == "sqlite"
    if analyze or not sqlite:  # PostgreSQL's autovacuum would analyze soon after a bulk load anyway
        db.session.execute(text("ANALYZE"))
    elif db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar():
        db.session.execute(text("DELETE FROM sqlite_stat1"))
    db.session.commit()
    db.engine.dispose()  # new connections read the statistics afresh


def row_counts() -> dict[str, int]:
    """Rows in the directory's tables."""
    tables = [Provider.__table__, Office.__table__, License.__table__]
    tables += [provider_modalities, provider_frequencies, provider_insurance, provider_languages,
               provider_concerns, provider_age_groups]
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in tables}


# --------------------------------------------------------------------------------------------
# Searching
# --------------------------------------------------------------------------------------------
def criteria_for(place: Place, pair: dict[str, str], ids: dict[str, dict[str, int]]) -> SearchCriteria:
    """A 25-mile nearest-20 search at a place with two filters."""
    return SearchCriteria(
        place=place, radius=RADIUS_MILES, per_page=PER_PAGE,
        values={parameter: (slug,) for parameter, slug in pair.items()},
        filters={parameter: (ids[parameter][slug],) for parameter, slug in pair.items()},
    )


def pair_label(pair: dict[str, str]) -> str:
    """A filter pair as a query string fragment."""
    return "&".join(f"{parameter}={slug}" for parameter, slug in pair.items())


@contextmanager
def statement_log(engine):
    """Collect (sql, parameters) of every statement the engine runs inside the block."""
    seen: list[tuple[str, object]] = []

    def _record(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _record)


def timed(call) -> tuple[float, float, object]:
    """Wall and CPU milliseconds a call takes, and its result; the session is closed after, like a request's."""
    started, cpu_started = time.perf_counter(), time.process_time()
    result = call()
    elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
    db.session.remove()
    return elapsed, cpu, result


def naive_search(criteria: SearchCriteria, now: datetime, rules: AvailabilityRules) -> list[tuple[int, float]]:
    """Load every provider, office and needed filter set into Python, measure with geopy, sort."""
    providers = {
        row.id: row for row in db.session.execute(select(
            Provider.id, Provider.provider_type_id, Provider.listing_status, Provider.active,
            Provider.accepting_new_patients, Provider.availability_confirmed_at))
    }
    offices: dict[int, list[tuple[float, float]]] = {}
    for provider_id, lat, lng in db.session.execute(select(Office.provider_id, Office.lat, Office.lng)):
        offices.setdefault(provider_id, []).append((lat, lng))
    wanted_sets = {}
    for parameter, wanted in criteria.filters.items():
        if parameter == "type":
            continue
        table, column = ASSOCIATIONS[parameter]
        members: set[int] = set()
        for provider_id, item_id in db.session.execute(select(table.c.provider_id, table.c[column])):
            if item_id in wanted:
                members.add(provider_id)
        wanted_sets[parameter] = members

    origin = criteria.place
    accepting_cutoff = now - timedelta(days=rules.stale_days)
    ranked = []
    for provider_id, row in providers.items():
        if row.listing_status not in SEARCHABLE_LISTING_STATUSES or not row.active:
            continue
        if "type" in criteria.filters and row.provider_type_id not in criteria.filters["type"]:
            continue
        if any(provider_id not in members for members in wanted_sets.values()):
            continue
        distances = [distance_miles(origin.lat, origin.lng, lat, lng) for lat, lng in offices.get(provider_id, ())
                     if lat is not None and lng is not None]
        nearest = min(distances, default=None)
        if nearest is None or nearest > criteria.radius:
            continue
        confirmed = row.availability_confirmed_at
        if row.accepting_new_patients and confirmed is not None and confirmed >= accepting_cutoff:
            availability = 0
        else:
            availability = 2 if row.accepting_new_patients is False and confirmed is not None else 1
        ranked.append((math.floor(nearest / BAND_MILES), availability, nearest, provider_id))
    ranked.sort()
    return [(provider_id, nearest) for _, _, nearest, provider_id in ranked[:criteria.per_page]]


def run_place(label: str, lat: float, lng: float, state: str, queries: int, naive_runs: int,
              rng: random.Random, ids: dict[str, dict[str, int]], rules: AvailabilityRules) -> PlaceResult:
    """Time (a), (b) and (c) around one place; search points vary within a mile of it."""
    result = PlaceResult(label)
    engine = db.engine
    origin = Place(lat, lng, label, state)
    for pair in FILTER_PAIRS:
        result.pair_matches[pair_label(pair)] = matches_within(criteria_for(origin, pair, ids), rules)
        db.session.remove()
    for number in range(WARMUP_QUERIES + queries):
        point_lat, point_lng = jitter(rng, lat, lng, 1.0)
        criteria = criteria_for(Place(point_lat, point_lng, label, state), FILTER_PAIRS[number % len(FILTER_PAIRS)], ids)
        now = utcnow()
        with statement_log(engine) as statements:
            nearest_ms, nearest_cpu_ms, _ = timed(lambda: nearest_provider_ids(criteria, PER_PAGE, now=now, rules=rules))
        page_ms, page_cpu_ms, page = timed(lambda: search_providers(criteria, now=now, rules=rules))
        if number >= WARMUP_QUERIES:
            result.nearest_ms.append(nearest_ms)
            result.nearest_cpu_ms.append(nearest_cpu_ms)
            result.page_ms.append(page_ms)
            result.page_cpu_ms.append(page_cpu_ms)
            result.statements.append(sum(sql.lstrip().upper().startswith("SELECT") for sql, _ in statements))
            result.matches.append(matches_within(criteria, rules))
    for number in range(naive_runs):
        criteria = criteria_for(origin, FILTER_PAIRS[number % len(FILTER_PAIRS)], ids)
        now = utcnow()
        naive_ms, _, naive = timed(lambda: naive_search(criteria, now, rules))
        expected = nearest_provider_ids(criteria, PER_PAGE, now=now, rules=rules)
        db.session.remove()
        result.naive_ms.append(naive_ms)
        result.naive_agrees += [pid for pid, _ in naive] == [pid for pid, _ in expected]
    return result


def matches_within(criteria: SearchCriteria, rules: AvailabilityRules) -> int:
    """How many providers match within the radius, counted up to MATCHES_CAP (for the table, not timed)."""
    return len(nearest_provider_ids(criteria, MATCHES_CAP, now=utcnow(), rules=rules))


def request_urls(lat: float, lng: float, pair: dict[str, str], profile_id: int) -> dict[str, str]:
    """The whole requests (d) for one search point: the API search, the page, a profile, and the baselines."""
    query = "&".join([f"lat={lat:.5f}", f"lng={lng:.5f}", *(f"{key}={value}" for key, value in pair.items())])
    return {"static": STATIC_FILE, "healthz": "/healthz", "api": f"/api/v1/providers?{query}",
            "page": f"/search?{query}", "profile": f"/providers/{profile_id}"}


def time_requests(app, result: PlaceResult, lat: float, lng: float, queries: int, rng: random.Random,
                  profile_ids: list[int]) -> None:
    """Time (d): each kind of request in turn at jittered points, through the test client, no app context held."""
    client = app.test_client()
    for number in range(WARMUP_QUERIES + queries):
        point_lat, point_lng = jitter(rng, lat, lng, 1.0)
        pair = FILTER_PAIRS[number % len(FILTER_PAIRS)]
        urls = request_urls(point_lat, point_lng, pair, profile_ids[number % len(profile_ids)])
        for kind in REQUEST_KINDS:
            started = time.perf_counter()
            response = client.get(urls[kind])
            response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            response.close()
            if response.status_code != 200:
                raise SystemExit(f"{urls[kind]} answered {response.status_code}")
            if number >= WARMUP_QUERIES:
                result.requests_ms.setdefault(kind, []).append(elapsed)


def profile_ids_near(lat: float, lng: float, state: str, ids, rules) -> list[int]:
    """Ids of listings found near a place, for the profile requests."""
    found = nearest_provider_ids(criteria_for(Place(lat, lng, "", state), FILTER_PAIRS[0], ids), PER_PAGE,
                                 now=utcnow(), rules=rules)
    return [provider_id for provider_id, _ in found] or [1]


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share between 0 and 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def explain_plan(label: str, lat: float, lng: float, state: str, ids, rules) -> list[str]:
    """The query plan of the ranked SQL fetch (the first statement of one (a) query)."""
    criteria = criteria_for(Place(lat, lng, label, state), FILTER_PAIRS[0], ids)
    with statement_log(db.engine) as statements:
        nearest_provider_ids(criteria, PER_PAGE, now=utcnow(), rules=rules)
    db.session.remove()
    sql, parameters = next((sql, p) for sql, p in statements if sql.lstrip().upper().startswith("SELECT"))
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if db.engine.dialect.name == "sqlite":
            rows = raw.execute("EXPLAIN QUERY PLAN " + sql, parameters).fetchall()
            return [f"{'  ' * depth(rows, row)}{row[3]}" for row in rows]
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, parameters)
            return [row[0] for row in cursor.fetchall()]


def depth(rows, row) -> int:
    """How deep a row of EXPLAIN QUERY PLAN sits in its tree."""
    parents = {r[0]: r[1] for r in rows}
    level, parent = 0, row[1]
    while parent in parents:
        level, parent = level + 1, parents[parent]
    return level


def print_results(backend: str, results: list[PlaceResult], queries: int, naive_runs: int) -> None:
    """The figures table for one database."""
    print(f"\n{backend}: {queries} queries per place, 25-mile nearest-{PER_PAGE}, two filters, "
          f"pairs in turn: {'; '.join(pair_label(p) for p in FILTER_PAIRS)}")
    header = (f"{'place':<14} {'matches<=25mi':>13} {'stmts(a)':>8} {'(a) p50':>8} {'(a) p95':>8} {'cpu p50':>8} "
              f"{'(b) p50':>8} {'(b) p95':>8} {'cpu p50':>8} {'naive med':>10} {'naive=SQL':>9}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.label:<14} {statistics.median(r.matches):>13,.0f} {statistics.median(r.statements):>8.0f} "
              f"{percentile(r.nearest_ms, .5):>8.2f} {percentile(r.nearest_ms, .95):>8.2f} "
              f"{percentile(r.nearest_cpu_ms, .5):>8.2f} "
              f"{percentile(r.page_ms, .5):>8.2f} {percentile(r.page_ms, .95):>8.2f} "
              f"{percentile(r.page_cpu_ms, .5):>8.2f} "
              f"{statistics.median(r.naive_ms) if r.naive_ms else math.nan:>10,.0f} {r.naive_agrees:>5}/{naive_runs}")
    print("times in ms (wall clock; cpu = this process's CPU time, less disturbed by other load; the SQLite work"
          f" runs in-process, PostgreSQL's does not); matches = median count (up to {MATCHES_CAP}) over the queries;"
          " stmts(a) = SQL statements per (a) call (widening steps)")
    print(f"matches within 25 mi of the place itself, per filter pair (counted up to {MATCHES_CAP}):")
    for r in results:
        print(f"  {r.label:<14} " + ", ".join(f"{k}: {v:,}" for k, v in r.pair_matches.items()))
    misses = [r.label for r in results if percentile(r.nearest_ms, .5) > TARGET_P50_MS]
    verdict = "met" if not misses else f"missed in {', '.join(misses)}"
    print(f"target p50 of (a) <= {TARGET_P50_MS:g} ms: {verdict}")
    print_requests(backend, results)


def print_requests(backend: str, results: list[PlaceResult]) -> None:
    """The whole-request table (d): p50 per kind and each as a multiple of the static file's."""
    print(f"\n{backend}: whole requests in-process (d), p50 in ms, and x = multiple of the static file's p50")
    header = f"{'place':<14} " + " ".join(f"{kind:>9}" for kind in REQUEST_KINDS) + "   " + " ".join(
        f"{kind + ' x':>10}" for kind in REQUEST_GOALS)
    print(header)
    print("-" * len(header))
    for r in results:
        p50 = {kind: percentile(r.requests_ms[kind], .5) for kind in REQUEST_KINDS}
        print(f"{r.label:<14} " + " ".join(f"{p50[kind]:>9.2f}" for kind in REQUEST_KINDS) + "   " + " ".join(
            f"{p50[kind] / p50['static']:>10.1f}" for kind in REQUEST_GOALS))
    goals = ", ".join(f"{kind} <= {goal:g}x" for kind, goal in REQUEST_GOALS.items())
    misses = [f"{kind} at {r.label}" for r in results for kind, goal in REQUEST_GOALS.items()
              if percentile(r.requests_ms[kind], .5) / percentile(r.requests_ms["static"], .5) > goal]
    print(f"goals ({goals}): {'met' if not misses else 'missed: ' + ', '.join(misses)}")


def print_comparisons(runs: list[tuple[str, int, list[PlaceResult]]]) -> None:
    """Same-run ratios between databases of one size (engines) and between sizes of one engine (growth)."""
    def api(results, label):
        return percentile(next(r for r in results if r.label == label).requests_ms["api"], .5)

    def ranked(results, label):
        return percentile(next(r for r in results if r.label == label).nearest_ms, .5)

    labels = [place[0] for place in SEARCH_PLACES]
    for size in sorted({n for _, n, _ in runs}):
        same = [(backend, results) for backend, n, results in runs if n == size]
        base = next((results for backend, results in same if backend == "SQLite"), None)
        for backend, results in same:
            if base is not None and backend != "SQLite":
                print(f"\n{size:,} providers: {backend} API search p50 / SQLite's (goal <= 1.5): " + ", ".join(
                    f"{label} {api(results, label) / api(base, label):.2f}" for label in labels))
    for backend in dict.fromkeys(backend for backend, _, _ in runs):
        sizes = sorted((n, results) for b, n, results in runs if b == backend)
        for (small, before), (large, after) in zip(sizes, sizes[1:]):
            print(f"\n{backend}, {small:,} -> {large:,} providers: API search p50 grows (goal <= 1.3x) " + ", ".join(
                f"{label} {api(after, label) / api(before, label):.2f}x" for label in labels))
            print(f"  ranking SQL (a) p50 at {large:,}: " + ", ".join(
                f"{label} {ranked(after, label):.2f} ms ({ranked(after, label) / ranked(before, label):.2f}x)"
                for label in labels) + " (goal: Pierre <= 1 ms)")


def benchmark(url: str, n: int, args) -> tuple[str, list[PlaceResult]]:
    """Build (or reuse) the directory of n providers at url and run every measurement on it."""
    app = create_app(bench_config(url))
    backend = "SQLite" if make_url(url).get_backend_name() == "sqlite" else "PostgreSQL"
    with app.app_context():
        print(f"\n== {backend}, {n:,} providers: {make_url(url).render_as_string(hide_password=True)}")
        seconds = prepare_database(n, args.reuse, args.analyze)
        if seconds is not None:
            print(f"  generated {n:,} providers in {seconds:.1f} s")
        counts = row_counts()
        print("  rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        if backend == "SQLite":
            stat = db.session.execute(text(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
            stat = stat and db.session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar()
            print(f"  SQLite {db.session.execute(text('SELECT sqlite_version()')).scalar()}; "
                  f"planner statistics (sqlite_stat1): {'yes' if stat else 'none, ANALYZE not run'}")
        else:
            print(f"  {db.session.execute(text('SELECT version()')).scalar()}")
        db.session.remove()
        ids = reference_ids()
        db.session.remove()
        rules = AvailabilityRules.from_config(app.config)
        token = read_only_transaction.set(True)  # searches run as GET requests do: deferred BEGIN
        try:
            rng = random.Random(SEED)
            results = [run_place(*place, args.queries, args.naive_runs, rng, ids, rules) for place in SEARCH_PLACES]
            profile_ids = {place[0]: profile_ids_near(*place[1:], ids, rules) for place in SEARCH_PLACES}
            plans = {place[0]: explain_plan(*place, ids, rules)
                     for place in (SEARCH_PLACES if args.all_plans else SEARCH_PLACES[:1])}
        finally:
            read_only_transaction.reset(token)
        db.session.remove()
    rng = random.Random(SEED)
    for result, place in zip(results, SEARCH_PLACES):
        time_requests(app, result, place[1], place[2], args.queries, rng, profile_ids[place[0]])
    print_results(backend, results, args.queries, args.naive_runs)
    for label, plan in plans.items():
        print(f"\nquery plan of the first statement of one (a) query at {label} ({backend}):")
        for line in plan:
            print("  " + (line if len(line) <= 150 else line[:147] + "..."))
    with app.app_context():
        db.engine.dispose()
    return backend, results


def ensure_database(url: str) -> None:
    """Create a PostgreSQL database that does not exist yet (SQLite creates its file itself)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": parsed.database}).scalar()
            if not exists:
                quoted = connection.dialect.identifier_preparer.quote(parsed.database)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", default="500000",
                        help="synthetic providers; several sizes separated by commas measure growth (default 500000)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per place (default 200)")
    parser.add_argument("--naive-runs", type=int, default=NAIVE_RUNS, help="naive searches per place (default 3)")
    parser.add_argument("--database", action="append", default=[],
                        help="a database URL, repeatable; {n} stands for the provider count "
                             "(default: DATABASE_URL, else sqlite:///bench/search-{n}.sqlite)")
    parser.add_argument("--reuse", action="store_true", help="reuse databases already holding N generated providers")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="time SQLite without planner statistics (by default ANALYZE runs after loading)")
    parser.add_argument("--all-plans", action="store_true", help="print the query plan at every place")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(size.replace("_", "")) for size in args.providers.split(",")]
    except ValueError:
        parser.error("--providers takes whole numbers separated by commas")
    if min(args.sizes) < 1 or args.queries < 1 or args.naive_runs < 0:
        parser.error("--providers and --queries must be positive, --naive-runs at least 0")
    named = args.database or ([os.environ["DATABASE_URL"]] if os.environ.get("DATABASE_URL") else [])
    args.default_files = not named
    args.databases = named or [f"sqlite:///{BENCH_DIR / 'search-{n}.sqlite'}"]
    if len(args.sizes) > 1 and any("{n}" not in url for url in args.databases):
        parser.error('several sizes need a database per size: put "{n}" in each --database URL')
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark on every database and size named and print the figures and same-run ratios."""
    args = parse_args(argv)
    print(f"search benchmark: {', '.join(f'{n:,}' for n in args.sizes)} providers, {args.queries} queries per place; "
          f"machine: {cpu_model()}, nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}")
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    runs = []
    for n in args.sizes:
        for template in args.databases:
            url = template.replace("{n}", str(n))
            database_file = make_url(url).database if make_url(url).get_backend_name() == "sqlite" else None
            if args.default_files and database_file and not args.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(database_file + suffix).unlink(missing_ok=True)
            ensure_database(url)
            backend, results = benchmark(url, n, args)
            runs.append((backend, n, results))
    print_comparisons(runs)
    print("\nload average after: %.2f %.2f %.2f (other work on the machine inflates the times)" % os.getloadavg())


if __name__ == "__main__":
    main()
