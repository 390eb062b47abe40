"""Reference lists held per process: read once, refreshed when they change.

Reference lists (modalities, frequencies, insurance plans...) change only when `flask seed` loads
them, yet every search, result and form reads them. Each app keeps them in memory: a write to a
reference list through this process's session drops the copy at once, and a copy older than
REFERENCE_CACHE_SECONDS is read again, so another process's change shows within that time.
"""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import translated
from ..models.reference import ReferenceItem

EXTENSION_KEY = "reference_cache"


class ReferenceRecord(SimpleNamespace):
    """One reference item as plain values: every column of its table (id, slug, name, sort_order...)."""

    @property
    def label(self) -> str:
        """The name in the reader's language, as ReferenceItem.label gives it."""
        return translated(self.name)


class _ReferenceList:
    """One reference table's items in display order, and lookups by id and by slug."""

    def __init__(self, records: list[ReferenceRecord]) -> None:
        self.records = tuple(records)
        self.by_id = {record.id: record for record in records}
        self.id_by_slug = {record.slug: record.id for record in records}
        self._ranks: dict[tuple[str, ...], dict[int, int]] = {}

    def rank(self, order: tuple[str, ...]) -> dict[int, int]:
        """Each item's position when the list is ordered by these columns (then id): a sort key by id."""
        found = self._ranks.get(order)
        if found is None:
            ordered = sorted(self.records, key=lambda record: (*(getattr(record, key) for key in order), record.id))
            found = self._ranks[order] = {record.id: position for position, record in enumerate(ordered)}
        return found


class _ReferenceCache:
    """The reference lists one app has read, with the time each was read."""

    def __init__(self) -> None:
        self.lists: dict[str, tuple[float, _ReferenceList]] = {}
        self.lock = threading.Lock()

    def get(self, model, max_age: float) -> _ReferenceList:
        table = model.__table__
        found = self.lists.get(table.name)
        now = time.monotonic()
        if found is not None and now - found[0] < max_age:
            return found[1]
        rows = db.session.execute(select(table).order_by(table.c.sort_order, table.c.name, table.c.id)).mappings()
        loaded = _ReferenceList([ReferenceRecord(**row) for row in rows])
        with self.lock:
            self.lists[table.name] = (now, loaded)
        return loaded

    def clear(self) -> None:
        with self.lock:
            self.lists.clear()


def _cache() -> _ReferenceCache:
    return current_app.extensions.setdefault(EXTENSION_KEY, _ReferenceCache())


def reference_list(model) -> _ReferenceList:
    """A reference table's items (records, display order) and its id and slug lookups, from the cache."""
    max_age = current_app.config["REFERENCE_CACHE_SECONDS"]
    return _cache().get(model, max_age)


def forget_reference_lists() -> None:
    """Drop this app's copies, so the next read goes to the database."""
    cache = current_app.extensions.get(EXTENSION_KEY)
    if cache is not None:
        cache.clear()


@event.listens_for(Session, "after_flush")
def _forget_changed_lists(session, _context) -> None:
    """A reference item written through any session of this process drops the cached lists."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, ReferenceItem) for instance in changed):
        try:
            forget_reference_lists()
        except RuntimeError:  # outside an application context: no app's cache to drop
            pass
