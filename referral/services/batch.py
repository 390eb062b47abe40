"""Jobs that work row by row: one bad row is undone and reported, and the other rows go on.

A failure is named by the row's kind, its id and the class of the error only: an error's text can quote
the row's values, and those may be patient details.
"""
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowFailure:
    """A row a job could not process: what it is, its id, and the class of the error."""

    what: str
    row_id: object
    error: str

    def __str__(self) -> str:
        return f"{self.what} {self.row_id} failed ({self.error})"


@dataclass
class BatchReport:
    """What a row-by-row job did: how many rows it changed, and the rows that failed."""

    done: int = 0
    failures: list[RowFailure] = field(default_factory=list)


def for_each_row(what: str, row_ids: Iterable, process: Callable[[object], bool], *,
                 commits: bool = False) -> BatchReport:
    """Run process(row_id) on each row in turn; it returns whether it changed the row.

    Each row runs in a savepoint of its own, rolled back when it raises. A process that commits its own
    work (`commits`) runs outside any savepoint; when it raises, the session's open transaction is rolled back.
    """
    report = BatchReport()
    for row_id in row_ids:
        try:
            if commits:
                changed = process(row_id)
            else:
                with db.session.begin_nested():
                    changed = process(row_id)
        except Exception as error:  # any failure of one row: undo that row alone and go on with the next
            if commits:
                db.session.rollback()
            failure = RowFailure(what, row_id, error.__class__.__name__)
            report.failures.append(failure)
            log.error("%s; the other rows go on", failure)
            continue
        if changed:
            report.done += 1
    return report
