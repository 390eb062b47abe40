"""Reading every row of a source and picking out the few the import looks at, as chunks of events.

Most of an import's time is spent here, parsing CSV: this loop does as little as it can per row, and
it can run in a process of its own (see forked_scan) while the importer maps and writes.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Iterator

from ..errors import ValidationFailed
from .columns import ColumnMap, compact_columns, values_at
from .mapper import reported_npi
from .source import BadRow, Source

# What an event says about one line: (kind, line, payload).
ROW = "row"  # a row to map; payload: the row cut down to compact_columns()
SHORT = "short"  # a row with another number of fields than the header; payload: (NPI or "", fields)
UNREADABLE = "unreadable"  # a line or record that could not be read as a row; payload: the reason
CHUNK_ROWS = 1 << 11  # rows read per chunk (a power of two: checked with a mask)
MAX_CONSECUTIVE_CSV_ERRORS = 1000


@dataclass(frozen=True)
class Chunk:
    """The events of the rows read since the previous chunk, and how far the reading got."""

    events: list[tuple]
    rows_read: int
    bytes_read: int


@dataclass(frozen=True)
class ScanEnd:
    """The end of the file: the rows read, the last line, whether the file stops inside that line, and what the
    reading noticed about the whole file."""

    rows_read: int
    last_line: int
    last_npi: str
    ends_mid_row: bool
    notes: tuple[str, ...]


def scan(source: Source, columns: ColumnMap, behavioral: frozenset[str]) -> Iterator[Chunk | ScanEnd]:
    """Chunks of events for the rows worth mapping (behavioral-health individuals, deactivations) and bad lines."""
    width, entity, deactivation = columns.width, columns.entity_type, columns.deactivation_date
    taxonomy_of = values_at(columns.taxonomy_indexes)
    compact = values_at(compact_columns(columns)[0])
    no_behavioral_code = behavioral.isdisjoint
    position, bad_line = source.position, source.bad_line
    mask = CHUNK_ROWS - 1
    n = blanks = errors_in_a_row = last_error = 0  # n counts every line read, blank ones (rare) too
    events: list[tuple] = []
    rows = iter(source.rows)
    row: list[str] = []
    while True:
        try:
            for row in rows:
                n += 1
                if not n & mask:
                    yield Chunk(events, n - blanks, source.bytes_read())
                    events = []
                if len(row) == width:
                    if (row[entity] != "1" or no_behavioral_code(taxonomy_of(row))) and not row[deactivation]:
                        continue
                    events.append((ROW, position(), compact(row)))
                elif row:
                    reason = bad_line(row)
                    if reason is not None:
                        events.append((UNREADABLE, position(), reason))
                        continue
                    first = row[0].strip()
                    events.append((SHORT, position(), (reported_npi(first) if first.isdigit() else "", len(row))))
                else:
                    blanks += 1  # a blank line is not a row
            break
        except csv.Error as error:
            n += 1
            errors_in_a_row = errors_in_a_row + 1 if last_error == n - 1 else 1
            last_error = n
            events.append((UNREADABLE, position(), str(error) if isinstance(error, BadRow) else f"unreadable CSV: {error}"))
            if errors_in_a_row >= MAX_CONSECUTIVE_CSV_ERRORS:
                kind = "CSV" if source.kind == "csv" else "NPI Registry JSON"
                message = f"The file stopped being readable {kind} near {source.unit} {position()}."
                raise ValidationFailed({"path": message}) from None
    yield Chunk(events, n - blanks, source.bytes_read())
    last_npi = row[columns.npi].strip() if len(row) > columns.npi else ""
    yield ScanEnd(n - blanks, position(), last_npi, source.ends_mid_row(), tuple(source.notes()))
