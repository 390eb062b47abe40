"""Reading listings to show them: four plain statements for any number of listings.

Result cards, profiles, the JSON API and the CSV exports read listings through here rather than
through the ORM's relationship loaders, whose cost is per statement and per object (about a
millisecond a list). The providers' columns, their offices with hours, and their licenses with every
attribute list (one UNION ALL) are read as plain rows; reference items come from the per-process
cache. A ListingRecord answers the same attribute names as a Provider, so templates, the API and
the CSV export read either. The providers' statement also says whether a photo exists (never its bytes).
The fourth statement reads the messages the listings received, for their responsiveness figures.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import String, bindparam, cast, literal_column, null, select, union_all

from ..extensions import db
from ..models import License, Office, OfficeHours, Provider, utcnow
from ..models.types import UTCDateTime
from ..models.listing import ProviderPhoto
from ..models.provider import ListingFacts, OfficeFacts
from .attributes import ATTRIBUTES
from .reference_cache import reference_list
from .responsiveness import ResponsivenessRules, contacts_statement, current_rules, figures_by_listing


class ListingRecord(ListingFacts, SimpleNamespace):
    """A listing as read for display: every provider column, its references, lists, offices, licenses and photo."""


class OfficeRecord(OfficeFacts, SimpleNamespace):
    """An office as read for display: every office column and its weekly hours (day, opens, closes)."""


class Row(SimpleNamespace):
    """A plain row: an office's hours window or a license."""


# Multi-valued reference lists: (relationship name, association table, item column, reference model).
_LISTS = tuple((a.column, a.association, a.item_column, a.reference) for a in ATTRIBUTES if a.multiple)


@cache
def _list_orders() -> tuple[tuple[str, ...], ...]:
    """The item columns each list's relationship orders by (its display order); read once the mappers are set up."""
    return tuple(tuple(column.key for column in getattr(Provider, name).property.order_by) for name, *_rest in _LISTS)


# Single references: (relationship name, foreign key column, reference model).
_SINGLE = tuple((a.column, f"{a.column}_id", a.reference) for a in ATTRIBUTES if a.reference is not None and not a.multiple)

_IDS = bindparam("ids", expanding=True)
_PROVIDERS = (
    select(Provider.__table__, ProviderPhoto.updated_at.label("photo_updated_at"))
    .outerjoin(ProviderPhoto, ProviderPhoto.provider_id == Provider.id)
    .where(Provider.id.in_(_IDS))
)
_OFFICES = (
    select(Office.__table__, OfficeHours.day, OfficeHours.opens, OfficeHours.closes)
    .outerjoin(OfficeHours, OfficeHours.office_id == Office.id)
    .where(Office.provider_id.in_(_IDS))
    .order_by(Office.id, OfficeHours.day, OfficeHours.opens)
)
# Every list item and license of the listings in one statement: (list, provider, item id, state, number);
# list is the index in _LISTS, or _LICENSES for a license (whose state and number the other rows leave empty).
_LICENSES = len(_LISTS)
_NO_TEXT = cast(null(), String)
_LIST_ITEMS = union_all(
    *(select(literal_column(str(index)).label("list"), table.c.provider_id, table.c[item_column].label("item"),
             _NO_TEXT.label("state"), _NO_TEXT.label("number"))
      .where(table.c.provider_id.in_(_IDS))
      for index, (_name, table, item_column, _model) in enumerate(_LISTS)),
    select(literal_column(str(_LICENSES)), License.provider_id, License.id, License.state, License.number)
    .where(License.provider_id.in_(_IDS)),
)
_CONTACTS = contacts_statement(_IDS, bindparam("window", type_=UTCDateTime))
_OFFICE_COLUMNS = tuple(column.key for column in Office.__table__.columns)
_PROVIDER_COLUMNS = tuple(column.key for column in Provider.__table__.columns)


def read_listings(ids: list[int], *, now: datetime | None = None,
                  rules: ResponsivenessRules | None = None) -> dict[int, ListingRecord]:
    """The listings with these ids (any status), keyed by id; ids that name nothing are left out.

    Each carries `responsiveness`, its figures as of `now` under `rules` (the app's, by default).
    """
    if not ids:
        return {}
    connection = db.session.connection()
    values = {"ids": list(ids)}
    singles = [(name, foreign_key, reference_list(model).by_id) for name, foreign_key, model in _SINGLE]
    listings: dict[int, ListingRecord] = {}
    for row in connection.execute(_PROVIDERS, values).mappings():
        photo_updated_at = row["photo_updated_at"]
        listing = ListingRecord(**{key: row[key] for key in _PROVIDER_COLUMNS}, offices=[], licenses=[],
                                photo=Row(updated_at=photo_updated_at) if photo_updated_at is not None else None)
        for name, foreign_key, by_id in singles:
            setattr(listing, name, by_id.get(row[foreign_key]))
        listings[listing.id] = listing
    _attach_offices(listings, connection.execute(_OFFICES, values).all())
    _attach_lists(listings, connection.execute(_LIST_ITEMS, values).all())
    if listings:
        now, rules = now or utcnow(), rules or current_rules()
        rows = connection.execute(_CONTACTS, {"ids": list(listings), "window": rules.window_start(now)})
        for provider_id, figures in figures_by_listing(rows, list(listings), now, rules).items():
            listings[provider_id].responsiveness = figures
    return listings


def _attach_offices(listings: dict[int, ListingRecord], rows) -> None:
    office = None
    for row in rows:
        if office is None or office.id != row.id:
            office = OfficeRecord(**{key: row[index] for index, key in enumerate(_OFFICE_COLUMNS)}, hours=[])
            listings[office.provider_id].offices.append(office)
        if row.day is not None:
            office.hours.append(Row(day=row.day, opens=row.opens, closes=row.closes))


def _attach_lists(listings: dict[int, ListingRecord], rows) -> None:
    """Each listing's attribute lists, in each list's display order, and its licenses by state."""
    item_ids: dict[tuple[int, int], list[int]] = {}
    licenses: list[tuple[str, int, int, str]] = []
    for index, provider_id, item_id, state, number in rows:
        if int(index) == _LICENSES:
            licenses.append((state, item_id, provider_id, number))
        else:
            item_ids.setdefault((provider_id, int(index)), []).append(item_id)
    for state, _license_id, provider_id, number in sorted(licenses):
        listings[provider_id].licenses.append(Row(state=state, number=number))
    references = [reference_list(model) for _name, _table, _column, model in _LISTS]
    ranks = [reference.rank(order) for reference, order in zip(references, _list_orders())]
    for provider_id, listing in listings.items():
        for index, (name, *_rest) in enumerate(_LISTS):
            found = item_ids.get((provider_id, index))
            if not found:
                setattr(listing, name, [])
                continue
            rank, by_id = ranks[index], references[index].by_id
            found = [item_id for item_id in found if item_id in rank]
            found.sort(key=rank.__getitem__)
            setattr(listing, name, [by_id[item_id] for item_id in found])


def read_listing(provider_id: int, *, now: datetime | None = None) -> ListingRecord | None:
    """One listing (any status), or None."""
    return read_listings([provider_id], now=now).get(provider_id)
