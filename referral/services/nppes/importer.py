"""The NPPES import: stream a file, keep behavioral-health clinicians, write them in committed batches."""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import TaxonomyCode
from ..errors import ValidationFailed
from ..geocoding import Geocoder
from .columns import compact_columns, resolve_columns
from .forked_scan import can_fork, forked_scan
from .mapper import (
    SKIP_NOT_LISTED_TYPE, SKIP_OUTSIDE_US, Deactivated, Kept, MappedProvider, Rejected, RowMapper, Skipped,
    TaxonomyIndex,
)
from .pipeline import WritePipeline, can_write_from_another_thread
from .reader import open_source
from .report import REJECTED, WARNING, RejectReport
from .scan import ROW, SHORT, Chunk, ScanEnd, scan
from .upsert import BatchCounts, Upserter

PROGRESS_EVERY = 1 << 14  # rows between progress callbacks (a power of two: checked with a mask)
# Full batches kept while the writer is busy: reading goes on until this many wait, then waits itself.
MAX_READY_BATCHES = 4


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
    notes: tuple[str, ...] = ()  # what the reading noticed about the whole file (its encoding)
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
    """One run of the import over one file; `stats` stays readable if the run is interrupted.

    The file is read (parsed, filtered) by scan(), in a child process where one can be forked (see
    forked_scan); this process maps the rows it picks out, and a background thread writes each batch
    (see WritePipeline) while the next one is read. Batches are committed here, in the session's thread.
    """

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
        read_in_child: bool | None = None,
    ):
        self.path = Path(path)
        self.batch_size = max(1, batch_size)
        self.dry_run = dry_run
        self.commit = commit or db.session.commit
        self.report = report or RejectReport(None)
        self.on_progress = on_progress
        self.read_in_child = can_fork() if read_in_child is None else read_in_child
        self.upserter = Upserter(geocoder, dry_run=dry_run, now=now)
        self.stats = ImportStats(path=str(path))
        self._batch: dict[str, MappedProvider] = {}
        self._lines: dict[str, int] = {}  # the line each NPI of the batch was read from
        self._deactivated: set[str] = set()
        self._ready: deque[tuple[dict[str, MappedProvider], set[str], dict[str, int]]] = deque()
        self._writing_lines: dict[str, int] = {}  # the lines of the batch being written
        self._last_kept: tuple[int, str] | None = None
        self._pipeline = WritePipeline(threaded=False)
        self._total_bytes: int | None = None
        self._width = 0  # fields in the file's header

    def run(self) -> ImportStats:
        """Read the whole file and write it; raises MissingColumns before writing anything."""
        self._pipeline = WritePipeline(threaded=can_write_from_another_thread(db.session.get_bind()))
        try:
            with open_source(self.path) as source:
                self.stats.unit = source.unit
                self._total_bytes = source.total_bytes
                columns = resolve_columns(source.header)
                self._width = columns.width
                taxonomy = load_taxonomy_index()
                mapper = RowMapper(compact_columns(columns)[1], taxonomy)
                if self.read_in_child and source.kind == "csv":
                    with forked_scan(self.path, columns, taxonomy.behavioral) as chunks:
                        end = self._take(chunks, mapper)
                else:
                    end = self._take(scan(source, columns, taxonomy.behavioral), mapper)
            self._check_truncation(end)
            self._flush()
            self._drain()
            self._progress(self._total_bytes or 0)
        except BaseException:
            self._pipeline.abandon()  # the session's connection is the writer's until it is done
            db.session.rollback()
            raise
        finally:
            self._pipeline.close()
            self.stats.finished = time.perf_counter()
        return self.stats

    def _take(self, chunks: Iterable[Chunk | ScanEnd], mapper: RowMapper) -> ScanEnd:
        """Map and batch the rows the scan picked out, chunk by chunk; returns the scan's end."""
        handle, map_row, width = self._handle, mapper.map, self._width
        progress_mask = ~(PROGRESS_EVERY - 1)
        for chunk in chunks:
            if type(chunk) is ScanEnd:
                self.stats.rows_read, self.stats.notes = chunk.rows_read, tuple(chunk.notes)
                return chunk
            for kind, line, payload in chunk.events:
                if kind == ROW:
                    handle(map_row(payload), line)
                elif kind == SHORT:
                    self._short_row(line, *payload, width)
                else:
                    self._reject(line, "", payload)
            passed_mark = (chunk.rows_read & progress_mask) != (self.stats.rows_read & progress_mask)
            self.stats.rows_read = chunk.rows_read
            # Commit a written batch at once, so that SQLite's write lock is not held while reading on.
            self._step(block=False)
            if passed_mark:
                self._progress(chunk.bytes_read)
        raise RuntimeError("the scan ended without its end")  # scan() always yields a ScanEnd last

    def _short_row(self, line: int, npi: str, fields: int, width: int) -> None:
        self._reject(line, npi, f"truncated line: {fields} of {width} fields" if fields < width
                     else f"malformed line: {fields} fields, the header has {width}")
        self.stats.truncated_at = line if fields < width else None

    def _handle(self, outcome, line: int) -> None:
        kind = type(outcome)
        if kind is Kept:
            provider = outcome.provider
            npi = provider.npi
            self._make_room()
            self._batch[npi] = provider
            self._lines[npi] = line
            if self._deactivated:
                self._deactivated.discard(npi)  # the later row of an NPI is the one that counts
            self._last_kept = (line, npi)
            self.stats.kept += 1
            for warning in outcome.warnings:
                self.stats.warnings += 1
                self.report.add(line, npi, WARNING, warning)
        elif kind is Deactivated:
            self._make_room()
            self._deactivated.add(outcome.npi)
            self._batch.pop(outcome.npi, None)
            self.stats.deactivations_seen += 1
        elif kind is Skipped:
            if outcome.reason == SKIP_NOT_LISTED_TYPE:
                self.stats.skipped_no_listed_type += 1
            elif outcome.reason == SKIP_OUTSIDE_US:
                self.stats.skipped_outside_us += 1
        elif kind is Rejected:
            self._reject(line, outcome.npi, outcome.reason)

    def _reject(self, line: int, npi: str, reason: str) -> None:
        self.stats.rejected += 1
        self.report.add(line, npi, REJECTED, reason)

    def _make_room(self) -> None:
        """Write the batch once full, before the next row joins it (so the last row is never written early)."""
        if len(self._batch) + len(self._deactivated) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        """Queue the batch for the writer and start the next; wait for the writer only when the queue is long."""
        if not self._batch and not self._deactivated:
            return
        self._ready.append((self._batch, self._deactivated, self._lines))
        self._batch, self._deactivated, self._lines = {}, set(), {}
        self._step(block=False)
        while len(self._ready) > MAX_READY_BATCHES:
            self._step(block=True)

    def _step(self, block: bool) -> None:
        """Commit the batch the writer has finished (waiting for it if `block`), and hand it the next one."""
        if self._pipeline.pending:
            if not block and not self._pipeline.done():
                return
            self._finish_write()
        if self._ready:
            batch, deactivated, lines = self._ready.popleft()
            target = self.upserter.connection()
            self._pipeline.submit(self.upserter.write, target, batch, deactivated)
            self._writing_lines = lines

    def _drain(self) -> None:
        """Write and commit every queued batch."""
        while self._pipeline.pending or self._ready:
            self._step(block=True)

    def _finish_write(self) -> None:
        """Wait for the batch being written, if any, commit it (roll it back in a dry run) and count it."""
        if not self._pipeline.pending:
            return
        written = self._pipeline.result()
        if self.dry_run:
            db.session.rollback()
        else:
            self.commit()
            self.stats.batches_committed += 1
        self.stats.written.add(written.counts)
        for npi, reason in written.refused.items():
            self.stats.kept -= 1
            self._reject(self._writing_lines[npi], npi, f"the database refused the row: {reason}")

    def _check_truncation(self, end: ScanEnd) -> None:
        """A file cut off mid-row: the partial last row is rejected, everything whole before it stays."""
        last_line = end.last_line
        if self.stats.truncated_at is not None and self.stats.truncated_at == last_line:
            return  # the short last row was already reported
        self.stats.truncated_at = None
        if not end.ends_mid_row:
            return
        self.stats.truncated_at = last_line
        if self._last_kept and self._last_kept[0] == last_line and self._batch.pop(self._last_kept[1], None):
            self.stats.kept -= 1
        self._reject(last_line, end.last_npi, "truncated line: the file ends inside this row")

    def _progress(self, bytes_read: int) -> None:
        if self.on_progress is not None:
            self.on_progress(self.stats, bytes_read, self._total_bytes)


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
