"""CSV exports: the results of a search, and the whole directory for admins; streamed row by row."""
from __future__ import annotations

import csv
from dataclasses import replace
from typing import Callable, Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import Provider
from .attribute_values import published_value
from .attributes import ATTRIBUTES, CSV
from .availability import availability_of
from .errors import ValidationFailed
from .listing_reader import ListingRecord, read_listings
from .permissions import require_admin
from .search import AvailabilityRules, ProviderHit, SearchPage, search_providers
from .search_params import FALSE_WORDS, TRUE_WORDS, SearchCriteria

# The listing attributes a CSV row carries, under their output keys (services/attributes.py).
CSV_ATTRIBUTES = tuple(attribute for attribute in ATTRIBUTES if CSV in attribute.outputs)
SEARCH_COLUMNS = (
    "id", "npi", "first_name", "last_name", "credentials", "taxonomy_code",
    *(attribute.output_key for attribute in CSV_ATTRIBUTES),
    "availability_confirmed_on", "phone", "website",
    "address", "city", "state", "zip", "other_offices", "licensed_states", "distance_miles", "profile_url",
)
ADMIN_COLUMNS = SEARCH_COLUMNS[:-2] + ("listing_status", "source", "active", "owner_id", "created_at", "updated_at", "profile_url")
SEARCH_BATCH = 100
# The most rows a CSV export of a search carries.
SEARCH_EXPORT_MAX_ROWS = 200
DIRECTORY_BATCH = 500
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# RFC 4180's media type; its header parameter says the first line names the columns.
CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
# The query parameter asking for a byte-order mark: Excel opened by double-click reads a CSV without one
# in the computer's legacy code page, garbling every letter outside ASCII.
BOM_PARAMETER = "bom"
BYTE_ORDER_MARK = "\ufeff"


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _joined(value):
    return ";".join(value) if isinstance(value, list) else value


def provider_row(provider: ListingRecord, rules: AvailabilityRules, profile_url: str, *, hit: ProviderHit | None = None,
                 admin: bool = False) -> dict:
    """One provider as a CSV row (a dict keyed by column)."""
    availability = availability_of(provider, rules)
    first = (hit.nearest_office if hit and hit.nearest_office else None) or (provider.offices[0] if provider.offices else None)
    others = [office.one_line for office in provider.offices if office is not first]
    row = {
        "id": provider.id, "npi": provider.npi, "first_name": provider.first_name, "last_name": provider.last_name,
        "credentials": provider.credentials, "taxonomy_code": provider.taxonomy_code,
        **{a.output_key: _joined(published_value(provider, a, rules)) for a in CSV_ATTRIBUTES},
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "phone": provider.phone, "website": provider.website,
        "address": ", ".join(p for p in (first.address1, first.address2) if p) if first else None,
        "city": first.city if first else None, "state": first.state if first else None, "zip": first.zip if first else None,
        "other_offices": " | ".join(others), "licensed_states": ";".join(provider.licensed_states),
        "distance_miles": round(hit.distance_miles, 1) if hit and hit.distance_miles is not None else None,
        "profile_url": profile_url,
    }
    if admin:
        row.update(
            listing_status=provider.listing_status, source=provider.source, active=provider.active,
            owner_id=provider.owner_id,
            created_at=provider.created_at.isoformat() if provider.created_at else None,
            updated_at=provider.updated_at.isoformat() if provider.updated_at else None,
        )
    return row


def wants_bom(args) -> bool:
    """Whether the query string asks for a byte-order mark (bom=true); a value other than yes or no is refused."""
    values = [value.strip().lower() for value in args.getlist(BOM_PARAMETER) if value.strip()]
    if not values:
        return False
    if values[-1] in TRUE_WORDS:
        return True
    if values[-1] in FALSE_WORDS:
        return False
    raise ValidationFailed({BOM_PARAMETER: f"{BOM_PARAMETER} must be true or false"})


def _lines(columns: tuple[str, ...], rows: Iterator[dict], bom: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield (BYTE_ORDER_MARK if bom else "") + writer.writerow(columns)
    for row in rows:
        yield writer.writerow([_cell(row.get(column)) for column in columns])


def search_csv(criteria: SearchCriteria, *, rules: AvailabilityRules, profile_url: Callable[[int], str],
               whole: bool = True, max_rows: int = SEARCH_EXPORT_MAX_ROWS, bom: bool = False) -> Iterator[str]:
    """CSV lines of a search: every match up to max_rows (whole) or only the page asked for; with bom, the
    first line begins with a byte-order mark.

    The first page is searched before this returns, so a bad page raises ValidationFailed up front.
    """
    criteria = replace(criteria, page=1, per_page=SEARCH_BATCH) if whole else criteria
    first = search_providers(criteria, rules=rules)
    if first.past_the_end:
        raise ValidationFailed({"page": f"page {criteria.page} is past the end ({first.pages} pages)"})

    def rows_of(page: SearchPage) -> list[dict]:
        return [provider_row(hit.provider, rules, profile_url(hit.provider.id), hit=hit) for hit in page.hits]

    # Read now: a streamed body is sent after the session that loaded the first page has ended.
    first_rows = rows_of(first)

    def rows() -> Iterator[dict]:
        page, batch, sent = first, first_rows, 0
        while True:
            for row in batch:
                if sent >= max_rows:
                    return
                sent += 1
                yield row
            if not whole or len(batch) < criteria.per_page:
                return
            page = search_providers(criteria.with_page(page.page + 1), rules=rules)
            batch = rows_of(page)

    return _lines(SEARCH_COLUMNS, rows(), bom)


def _require_admin(actor) -> None:
    require_admin(actor, "Only administrators may export the whole directory.")


def directory_csv(actor, *, rules: AvailabilityRules, profile_url: Callable[[int], str],
                  batch: int = DIRECTORY_BATCH, bom: bool = False) -> Iterator[str]:
    """CSV lines of every listing in any status (admins only), read in id batches so memory stays flat; with
    bom, the first line begins with a byte-order mark."""
    _require_admin(actor)

    def providers() -> Iterator[ListingRecord]:
        last_id = 0
        while True:
            ids = list(db.session.scalars(select(Provider.id).where(Provider.id > last_id).order_by(Provider.id).limit(batch)))
            if not ids:
                return
            listings = read_listings(ids)
            yield from (listings[provider_id] for provider_id in ids if provider_id in listings)
            last_id = ids[-1]

    rows = (provider_row(p, rules, profile_url(p.id), admin=True) for p in providers())
    return _lines(ADMIN_COLUMNS, rows, bom)
