"""The report of rows an import rejected (or kept with something left out): one CSV line each."""
from __future__ import annotations

import csv
from pathlib import Path

REPORT_HEADER = ("line", "npi", "outcome", "reason")
REJECTED = "rejected"
WARNING = "kept, with a warning"


class RejectReport:
    """A CSV file of (line, npi, outcome, reason), created on the first entry unless `always` is set."""

    def __init__(self, path: str | Path | None, *, always: bool = False):
        self.path = Path(path) if path else None
        self.entries = 0
        self._handle = None
        self._writer = None
        if self.path and always:
            self._open()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REPORT_HEADER)

    def add(self, line: int | str, npi: str, outcome: str, reason: str) -> None:
        """Record one row."""
        self.entries += 1
        if self.path is None:
            return
        if self._writer is None:
            self._open()
        self._writer.writerow((line, npi, outcome, reason))

    @property
    def written(self) -> bool:
        """Whether the report file exists."""
        return self._handle is not None

    def close(self) -> None:
        """Close the file, if one was opened."""
        if self._handle is not None:
            self._handle.close()
