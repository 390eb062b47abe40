"""Writing one batch of mapped registry rows: decide per NPI what changes, then let the engine write it in bulk."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from ...extensions import db
from ...models import utcnow
from ..geocoding import Geocoder
from .bulk_postgres import PostgresBatchWriter
from .bulk_sql import Plan, takes_registry_updates
from .bulk_sqlite import SqliteBatchWriter
from .mapper import MappedProvider

WRITERS = {"sqlite": SqliteBatchWriter, "postgresql": PostgresBatchWriter}
SAVEPOINT = "nppes_batch"
ROW_SAVEPOINT = "nppes_row"


@dataclass
class BatchCounts:
    """What writing the batches did (or, in a dry run, would do)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    protected: int = 0  # claimed or owner-created listings: the registry never overwrites them
    deactivated: int = 0
    deactivated_protected: int = 0  # deactivated NPIs whose listing an owner holds: left for an admin
    geocode_misses: int = 0

    def add(self, other: "BatchCounts") -> None:
        """Add another batch's counts to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class Target(NamedTuple):
    """Where a batch is written: the dialect, and the driver's connection inside the session's transaction."""

    dialect: Any
    raw: Any


@dataclass
class Written:
    """One batch's counts, and the rows the database refused (NPI -> the database's reason)."""

    counts: BatchCounts
    refused: dict[str, str] = field(default_factory=dict)


class Upserter:
    """Inserts, updates and deactivates listings by NPI, one batch at a time, on the session's connection."""

    def __init__(self, geocoder: Geocoder, *, dry_run: bool = False, now=None):
        self.geocoder = geocoder
        self.dry_run = dry_run
        self.now = now
        self._points: dict[str, tuple[float | None, float | None]] = {}
        self._writers: dict[str, SqliteBatchWriter | PostgresBatchWriter] = {}

    def connection(self) -> Target:
        """The session's connection for the next batch (its transaction begun), to hand to write()."""
        connection = db.session.connection()
        return Target(connection.dialect, connection.connection.driver_connection)

    def write(self, target: Target, kept: dict[str, MappedProvider], deactivated: set[str]) -> Written:
        """Apply one batch (kept rows by NPI, deactivated NPIs) on the target's transaction; never commits.

        Safe to run in another thread than the session's, as it uses only the driver connection.
        """
        dialect, raw = target
        writer = self._writers.get(dialect.name)
        if writer is None:
            writer = self._writers[dialect.name] = WRITERS[dialect.name](dialect)
        existing = {row[0]: row[1:] for row in writer.existing(raw, [*kept, *deactivated])}
        plan, changed, counts = self._plan(kept, deactivated, existing)
        written = Written(counts)
        if self.dry_run or not plan:
            return written
        counts.geocode_misses = self._place(plan)
        now = self.now or utcnow()
        errors = (dialect.dbapi.DataError, dialect.dbapi.IntegrityError, UnicodeEncodeError)
        raw.execute(f"SAVEPOINT {SAVEPOINT}")
        try:
            writer.apply(raw, plan, now)
        except errors:
            # Something in the batch broke a rule of the database that the mapper does not know:
            # write the listings one by one, so that only the offending rows stay out.
            raw.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            self._apply_one_by_one(writer, raw, plan, changed, written, errors, now)
        raw.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
        return written

    def _plan(self, kept, deactivated, existing) -> tuple[Plan, dict[str, int], BatchCounts]:
        """What the batch changes, from the listings that already hold its NPIs; changed listings' ids by NPI."""
        counts = BatchCounts()
        plan = Plan()
        changed: dict[str, int] = {}
        for npi, provider in kept.items():
            found = existing.get(npi)
            if found is None:
                plan.listings.append((provider, None, None))
                counts.added += 1
                continue
            pid, source, owner_id, listing_status, active, row_hash = found
            if not takes_registry_updates(source, owner_id, listing_status):
                counts.protected += 1
                if row_hash != provider.row_hash:
                    plan.records.append((pid, provider.row_hash))
            elif row_hash == provider.row_hash and active:
                counts.unchanged += 1
            else:
                plan.listings.append((provider, None, None))
                plan.replaced.append(pid)
                changed[npi] = pid
                counts.updated += 1
        for npi in deactivated:
            found = existing.get(npi)
            if found is None or not found[4]:
                continue
            pid, source, owner_id, listing_status = found[:4]
            if takes_registry_updates(source, owner_id, listing_status):
                plan.deactivate.append(pid)
                counts.deactivated += 1
            else:
                counts.deactivated_protected += 1
        return plan, changed, counts

    def _place(self, plan: Plan) -> int:
        """Give each listing's office its ZIP's point; returns how many ZIPs were not found."""
        misses = 0
        points = self._points
        placed = []
        for provider, _, _ in plan.listings:
            zip5 = provider.zip[:5]
            point = points.get(zip5)
            if point is None:
                place = self.geocoder.locate(zip5)
                point = points[zip5] = (place.lat, place.lng) if place else (None, None)
            misses += point[0] is None
            placed.append((provider, *point))
        plan.listings = placed
        return misses

    def _apply_one_by_one(self, writer, raw, plan: Plan, changed: dict[str, int], written: Written, errors,
                          now) -> None:
        for listing in plan.listings:
            npi = listing[0].npi
            pid = changed.get(npi)
            raw.execute(f"SAVEPOINT {ROW_SAVEPOINT}")
            try:
                writer.apply(raw, Plan(listings=[listing], replaced=[] if pid is None else [pid]), now)
            except errors as error:
                raw.execute(f"ROLLBACK TO SAVEPOINT {ROW_SAVEPOINT}")
                written.refused[npi] = _first_line(error)
                if pid is None:
                    written.counts.added -= 1
                else:
                    written.counts.updated -= 1
            raw.execute(f"RELEASE SAVEPOINT {ROW_SAVEPOINT}")
        writer.apply(raw, Plan(records=plan.records, deactivate=plan.deactivate), now)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
