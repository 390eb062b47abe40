"""Writing one batch of mapped registry rows: bulk inserts and updates keyed by NPI."""
from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import bindparam, delete, insert, select, update

from ...extensions import db
from ...models import LISTING_UNCLAIMED, License, NppesRecord, Office, Provider, utcnow
from ..geocoding import Geocoder
from .mapper import MappedProvider

SOURCE_NPPES = "nppes"
# IN lists are padded to a multiple of this, so that each statement keeps a few shapes: the SQLite
# driver caches a prepared statement per distinct SQL text, and endless shapes grow memory.
IN_LIST_STEP = 256
_providers = Provider.__table__
_offices = Office.__table__
_licenses = License.__table__
_records = NppesRecord.__table__


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


def _padded(values) -> list:
    """The values, repeated at the end up to a multiple of IN_LIST_STEP (repeats change no IN result)."""
    values = list(values)
    if values:
        values += [values[0]] * (-len(values) % IN_LIST_STEP)
    return values


def _is_protected(existing) -> bool:
    """Only unclaimed registry listings take registry updates; anything an owner holds is theirs."""
    return (existing.source != SOURCE_NPPES or existing.owner_id is not None
            or existing.listing_status != LISTING_UNCLAIMED)


class Upserter:
    """Inserts, updates and deactivates listings by NPI, one batch at a time."""

    def __init__(self, geocoder: Geocoder, *, dry_run: bool = False, now=None):
        self.geocoder = geocoder
        self.dry_run = dry_run
        self.now = now
        self._points: dict[str, tuple[float | None, float | None]] = {}

    def write(self, kept: dict[str, MappedProvider], deactivated: set[str]) -> BatchCounts:
        """Apply one batch (kept rows by NPI, deactivated NPIs); flushes, never commits."""
        counts = BatchCounts()
        now = self.now or utcnow()
        existing = self._existing(set(kept) | deactivated)
        new: list[tuple[MappedProvider, str]] = []
        changed: list[tuple[int, MappedProvider, str]] = []
        records: list[tuple[int, str]] = []  # protected listings whose registry row changed
        for npi, provider in kept.items():
            row_hash = provider.row_hash()
            found = existing.get(npi)
            if found is None:
                new.append((provider, row_hash))
            elif _is_protected(found):
                counts.protected += 1
                if found.row_hash != row_hash:
                    records.append((found.id, row_hash))
            elif found.row_hash == row_hash and found.active:
                counts.unchanged += 1
            else:
                changed.append((found.id, provider, row_hash))
        to_deactivate = []
        for npi in deactivated:
            found = existing.get(npi)
            if found is None or not found.active:
                continue
            if _is_protected(found):
                counts.deactivated_protected += 1
            else:
                to_deactivate.append(found.id)
        counts.added, counts.updated, counts.deactivated = len(new), len(changed), len(to_deactivate)
        if self.dry_run:
            return counts

        ids = self._insert(new, now) if new else {}
        if changed:
            self._update(changed, now)
        if to_deactivate:
            db.session.execute(
                update(_providers).where(_providers.c.id.in_(_padded(to_deactivate)))
                .values(active=False, updated_at=now, version_id=_providers.c.version_id + 1)
            )
        placed = [(ids[p.npi], p) for p, _ in new] + [(pid, p) for pid, p, _ in changed]
        if placed:
            counts.geocode_misses = self._insert_children(placed)
        hashes = [(ids[p.npi], h) for p, h in new] + [(pid, h) for pid, _, h in changed] + records
        if hashes:
            replaced = [pid for pid, _, _ in changed] + [pid for pid, _ in records]
            if replaced:
                db.session.execute(delete(_records).where(_records.c.provider_id.in_(_padded(replaced))))
            db.session.execute(insert(_records), [
                {"provider_id": pid, "row_hash": h, "imported_at": now} for pid, h in hashes
            ])
        db.session.flush()
        return counts

    def _existing(self, npis: set[str]) -> dict:
        if not npis:
            return {}
        query = (
            select(_providers.c.id, _providers.c.npi, _providers.c.owner_id, _providers.c.listing_status,
                   _providers.c.source, _providers.c.active, _records.c.row_hash)
            .select_from(_providers.outerjoin(_records, _records.c.provider_id == _providers.c.id))
            .where(_providers.c.npi.in_(_padded(npis)))
        )
        return {row.npi: row for row in db.session.execute(query)}

    def _insert(self, new: list[tuple[MappedProvider, str]], now) -> dict[str, int]:
        values = [
            {
                "npi": p.npi, "first_name": p.first_name, "last_name": p.last_name, "credentials": p.credentials,
                "provider_type_id": p.provider_type_id, "taxonomy_code": p.taxonomy_code, "phone": p.phone,
                "statement": "", "accepting_new_patients": False, "telehealth": False, "in_person": True,
                "sliding_scale": False, "website": "", "listing_status": LISTING_UNCLAIMED,
                "source": SOURCE_NPPES, "active": True, "created_at": now, "updated_at": now, "version_id": 1,
            }
            for p, _ in new
        ]
        # A plain executemany, then the ids by NPI: INSERT ... RETURNING of many rows makes a new
        # multi-row statement for every batch length.
        db.session.execute(insert(_providers), values)
        query = select(_providers.c.npi, _providers.c.id).where(_providers.c.npi.in_(_padded(v["npi"] for v in values)))
        return dict(db.session.execute(query).all())

    def _update(self, changed: list[tuple[int, MappedProvider, str]], now) -> None:
        statement = (
            update(_providers).where(_providers.c.id == bindparam("pid"))
            .values(version_id=_providers.c.version_id + 1)
        )
        db.session.execute(statement, [
            {
                "pid": pid, "first_name": p.first_name, "last_name": p.last_name, "credentials": p.credentials,
                "provider_type_id": p.provider_type_id, "taxonomy_code": p.taxonomy_code, "phone": p.phone,
                "active": True, "updated_at": now,
            }
            for pid, p, _ in changed
        ])
        ids = [pid for pid, _, _ in changed]
        db.session.execute(delete(_offices).where(_offices.c.provider_id.in_(_padded(ids))))
        db.session.execute(delete(_licenses).where(_licenses.c.provider_id.in_(_padded(ids))))

    def _insert_children(self, placed: list[tuple[int, MappedProvider]]) -> int:
        """Insert each listing's office (geocoded by ZIP) and licenses; returns how many ZIPs were not found."""
        misses = 0
        offices, licenses = [], []
        for pid, p in placed:
            lat, lng = self._point(p.office.zip[:5])
            misses += lat is None
            o = p.office
            offices.append({"provider_id": pid, "address1": o.address1, "address2": o.address2, "city": o.city,
                            "state": o.state, "zip": o.zip, "lat": lat, "lng": lng})
            licenses.extend({"provider_id": pid, "state": state, "number": number} for state, number in p.licenses)
        db.session.execute(insert(_offices), offices)
        if licenses:
            db.session.execute(insert(_licenses), licenses)
        return misses

    def _point(self, zip5: str) -> tuple[float | None, float | None]:
        point = self._points.get(zip5)
        if point is None:
            place = self.geocoder.locate(zip5)
            point = self._points[zip5] = (place.lat, place.lng) if place else (None, None)
        return point
