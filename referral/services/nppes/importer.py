"""The NPPES import: stream a file, keep behavioral-health clinicians, write them in committed batches."""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from ...extensions import db
from ...models import TaxonomyCode
from ..errors import ValidationFailed
from ..geocoding import Geocoder
from .columns import resolve_columns
from .mapper import (
    SKIP_NOT_LISTED_TYPE, SKIP_OUTSIDE_US, Deactivated, Kept, Rejected, RowMapper, Skipped, TaxonomyIndex,
)
from .reader import Source, open_source
from .report import REJECTED, WARNING, RejectReport
from .upsert import BatchCounts, Upserter

PROGRESS_EVERY = 1 << 14  # rows between progress callbacks (a power of two: checked with a mask)
MAX_CONSECUTIVE_CSV_ERRORS = 1000


@dataclass
class ImportStats:
    """Counts of one import run, kept current while it runs."""

    path: str = ""
    unit: str = "line"
    rows_read: int = 0
    kept: int = 0
    rejected: int = 0
    warnings: int = 0
    deactivations_seen: int = 0
    skipped_no_listed_type: int = 0
    skipped_outside_us: int = 0
    batches_committed: int = 0
    truncated_at: int | None = None
    written: BatchCounts = field(default_factory=BatchCounts)
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the run started (until it finished)."""
        return (self.finished or time.perf_counter()) - self.started

    @property
    def rows_per_second(self) -> float:
        """Rows read per second."""
        return self.rows_read / self.elapsed if self.elapsed > 0 else 0.0


def load_taxonomy_index() -> TaxonomyIndex:
    """The behavioral-health codes from the taxonomy table (facilities left out) and their provider types."""
    rows = db.session.execute(select(TaxonomyCode.code, TaxonomyCode.provider_type_id, TaxonomyCode.app_role)).all()
    if not rows:
        raise ValidationFailed({"taxonomy": "The taxonomy list is empty: load the reference lists first (flask seed --no-demo)."})
    return TaxonomyIndex(
        behavioral=frozenset(code for code, _, role in rows if role != "facility"),
        provider_types={code: type_id for code, type_id, _ in rows if type_id is not None},
    )


class NppesImport:
    """One run of the import over one file; `stats` stays readable if the run is interrupted."""

    def __init__(
        self,
        path: str | Path,
        *,
        geocoder: Geocoder,
        batch_size: int = 2000,
        dry_run: bool = False,
        commit: Callable[[], None] | None = None,
        report: RejectReport | None = None,
        on_progress: Callable[[ImportStats, int, int | None], None] | None = None,
        now=None,
    ):
        self.path = Path(path)
        self.batch_size = max(1, batch_size)
        self.dry_run = dry_run
        self.commit = commit or db.session.commit
        self.report = report or RejectReport(None)
        self.on_progress = on_progress
        self.upserter = Upserter(geocoder, dry_run=dry_run, now=now)
        self.stats = ImportStats(path=str(path))
        self._batch: dict = {}
        self._deactivated: set[str] = set()
        self._last_kept: tuple[int, str] | None = None

    def run(self) -> ImportStats:
        """Read the whole file and write it; raises MissingColumns before writing anything."""
        try:
            with open_source(self.path) as source:
                self.stats.unit = source.unit
                mapper = RowMapper(resolve_columns(source.header), load_taxonomy_index())
                last_row = self._scan(source, mapper)
                self._check_truncation(source, last_row[mapper.c.npi].strip() if len(last_row) > mapper.c.npi else "")
                self._flush()
                self._progress(source)
        except BaseException:
            db.session.rollback()
            raise
        finally:
            self.stats.finished = time.perf_counter()
        return self.stats

    def _scan(self, source: Source, mapper: RowMapper) -> list[str]:
        """The hot loop: cheap checks on the raw row before anything is built. Returns the last row."""
        columns = mapper.c
        width, entity, deactivation = columns.width, columns.entity_type, columns.deactivation_date
        taxonomy_indexes = columns.taxonomy_indexes
        if len(taxonomy_indexes) == 1:
            only = taxonomy_indexes[0]
            taxonomy_of = lambda row: (row[only],)  # noqa: E731 - itemgetter of one index returns a bare string
        else:
            taxonomy_of = itemgetter(*taxonomy_indexes)
        no_behavioral_code = mapper.taxonomy.behavioral.isdisjoint
        position = source.position
        mask = PROGRESS_EVERY - 1
        n = self.stats.rows_read
        errors_in_a_row = 0
        rows = iter(source.rows)
        row: list[str] = []
        while True:
            try:
                for row in rows:
                    n += 1
                    errors_in_a_row = 0
                    if not n & mask:
                        self.stats.rows_read = n
                        self._progress(source)
                    if len(row) != width:
                        if row:
                            self._short_row(position(), row, width)
                        else:
                            n -= 1  # a blank line is not a row
                        continue
                    if row[entity] == "1" and not no_behavioral_code(taxonomy_of(row)):
                        pass
                    elif not row[deactivation]:
                        continue
                    self._handle(mapper.map(row), position())
                break
            except csv.Error as error:
                n += 1
                errors_in_a_row += 1
                self._reject(position(), "", f"unreadable CSV: {error}")
                if errors_in_a_row >= MAX_CONSECUTIVE_CSV_ERRORS:
                    raise ValidationFailed({"path": f"The file stopped being readable CSV near line {position()}."})
        self.stats.rows_read = n
        return row

    def _short_row(self, line: int, row: list[str], width: int) -> None:
        npi = row[0].strip() if row and row[0].strip().isdigit() else ""
        self._reject(line, npi, f"truncated line: {len(row)} of {width} fields" if len(row) < width
                     else f"malformed line: {len(row)} fields, the header has {width}")
        self.stats.truncated_at = line if len(row) < width else None

    def _handle(self, outcome, line: int) -> None:
        if isinstance(outcome, Kept):
            provider = outcome.provider
            self._make_room()
            self._batch[provider.npi] = provider
            self._last_kept = (line, provider.npi)
            self.stats.kept += 1
            for warning in outcome.warnings:
                self.stats.warnings += 1
                self.report.add(line, provider.npi, WARNING, warning)
        elif isinstance(outcome, Deactivated):
            self._make_room()
            self._deactivated.add(outcome.npi)
            self._batch.pop(outcome.npi, None)
            self.stats.deactivations_seen += 1
        elif isinstance(outcome, Skipped):
            if outcome.reason == SKIP_NOT_LISTED_TYPE:
                self.stats.skipped_no_listed_type += 1
            elif outcome.reason == SKIP_OUTSIDE_US:
                self.stats.skipped_outside_us += 1
        elif isinstance(outcome, Rejected):
            self._reject(line, outcome.npi, outcome.reason)

    def _reject(self, line: int, npi: str, reason: str) -> None:
        self.stats.rejected += 1
        self.report.add(line, npi, REJECTED, reason)

    def _make_room(self) -> None:
        """Write the batch once full, before the next row joins it (so the last row is never written early)."""
        if len(self._batch) + len(self._deactivated) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        if not self._batch and not self._deactivated:
            return
        counts = self.upserter.write(self._batch, self._deactivated)
        if self.dry_run:
            db.session.rollback()
        else:
            self.commit()
            self.stats.batches_committed += 1
        self.stats.written.add(counts)
        self._batch, self._deactivated = {}, set()

    def _check_truncation(self, source: Source, last_npi: str) -> None:
        """A file cut off mid-row: the partial last row is rejected, everything whole before it stays."""
        last_line = source.position()
        if self.stats.truncated_at is not None and self.stats.truncated_at == last_line:
            return  # the short last row was already reported
        self.stats.truncated_at = None
        if not source.ends_mid_row():
            return
        self.stats.truncated_at = last_line
        if self._last_kept and self._last_kept[0] == last_line and self._batch.pop(self._last_kept[1], None):
            self.stats.kept -= 1
        self._reject(last_line, last_npi, "truncated line: the file ends inside this row")

    def _progress(self, source: Source) -> None:
        if self.on_progress is not None:
            self.on_progress(self.stats, source.bytes_read(), source.total_bytes)


def import_nppes(path: str | Path, *, geocoder: Geocoder, **options) -> ImportStats:
    """Import an NPPES file (see NppesImport for the options); returns the counts."""
    return NppesImport(path, geocoder=geocoder, **options).run()


def summary_line(stats: ImportStats, *, dry_run: bool = False) -> str:
    """One line that says what the run did."""
    w = stats.written
    verb = "would be " if dry_run else ""
    parts = [
        f"{stats.rows_read:,} rows read in {stats.elapsed:.1f} s ({stats.rows_per_second:,.0f} rows/s)",
        f"{stats.kept:,} behavioral-health listings kept: {w.added:,} {verb}added, {w.updated:,} {verb}updated, "
        f"{w.unchanged:,} unchanged, {w.protected:,} held by their owners and left as they are",
        f"{w.deactivated:,} {verb}hidden as deactivated"
        + (f" ({w.deactivated_protected:,} deactivated NPIs have an owner's listing: review them)" if w.deactivated_protected else ""),
        f"{stats.rejected:,} rejected",
    ]
    if stats.warnings:
        parts.append(f"{stats.warnings:,} kept with a warning")
    if stats.skipped_no_listed_type or stats.skipped_outside_us:
        parts.append(f"left out: {stats.skipped_no_listed_type:,} behavioral-health rows of kinds the directory "
                     f"does not list, {stats.skipped_outside_us:,} practising outside the US")
    prefix = "Dry run, nothing written: " if dry_run else "NPPES import: "
    return prefix + "; ".join(parts) + "."
