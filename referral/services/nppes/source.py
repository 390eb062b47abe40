"""What a reader hands the scan: an open file's header and rows, where the reading stands, and what it noticed."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Callable, Iterator


class BadRow(csv.Error):
    """A line or record the reader could not make a row of; its message is the report's reason.

    A csv.Error, so that the scan reports it where it reports the lines csv.reader refuses.
    """


@dataclass
class Source:
    """An open NPPES file: its header, its rows, and where the reading stands."""

    kind: str  # "csv" or "json"
    header: list[str]
    rows: Iterator[list[str]]
    position: Callable[[], int]  # the line (CSV) or record (JSON) number of the row last read
    bytes_read: Callable[[], int]
    total_bytes: int | None
    ends_mid_row: Callable[[], bool]
    bad_line: Callable[[list[str]], str | None]  # why a short row stands for a line that was not read, if it does
    notes: Callable[[], tuple[str, ...]]  # what the reading noticed about the whole file, to tell at the end

    @property
    def unit(self) -> str:
        """What a position counts: lines of a CSV file, records of a JSON file."""
        return "record" if self.kind == "json" else "line"
