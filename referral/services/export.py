"""CSV exports: the results of a search, and the whole directory for admins; streamed row by row."""
from __future__ import annotations

import csv
from dataclasses import replace
from typing import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ROLE_ADMIN, Provider
from .availability import availability_of
from .errors import PermissionDenied, ValidationFailed
from .search import DEFAULT_COUNT_CAP, AvailabilityRules, ProviderHit, SearchPage, search_providers
from .search_params import SearchCriteria

SEARCH_COLUMNS = (
    "id", "npi", "first_name", "last_name", "credentials", "type", "taxonomy_code",
    "accepting_new_patients", "availability_confirmed_on", "telehealth", "in_person",
    "fee_min", "fee_max", "sliding_scale", "phone", "website",
    "address", "city", "state", "zip", "other_offices", "licensed_states",
    "modalities", "insurance", "languages", "age_groups", "distance_miles", "profile_url",
)
ADMIN_COLUMNS = SEARCH_COLUMNS[:-2] + ("listing_status", "source", "active", "owner_id", "created_at", "updated_at", "profile_url")
SEARCH_BATCH = 100
DIRECTORY_BATCH = 500
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def _slugs(items) -> str:
    return ";".join(item.slug for item in items)


def provider_row(provider: Provider, rules: AvailabilityRules, profile_url: str, *, hit: ProviderHit | None = None,
                 admin: bool = False) -> dict:
    """One provider as a CSV row (a dict keyed by column)."""
    availability = availability_of(provider, rules)
    first = (hit.nearest_office if hit and hit.nearest_office else None) or (provider.offices[0] if provider.offices else None)
    others = [office.one_line for office in provider.offices if office is not first]
    row = {
        "id": provider.id, "npi": provider.npi, "first_name": provider.first_name, "last_name": provider.last_name,
        "credentials": provider.credentials, "type": provider.provider_type.slug, "taxonomy_code": provider.taxonomy_code,
        "accepting_new_patients": availability.accepting,
        "availability_confirmed_on": availability.confirmed_on.isoformat() if availability.confirmed_on else None,
        "telehealth": provider.telehealth, "in_person": provider.in_person,
        "fee_min": provider.fee_min, "fee_max": provider.fee_max, "sliding_scale": provider.sliding_scale,
        "phone": provider.phone, "website": provider.website,
        "address": ", ".join(p for p in (first.address1, first.address2) if p) if first else None,
        "city": first.city if first else None, "state": first.state if first else None, "zip": first.zip if first else None,
        "other_offices": " | ".join(others), "licensed_states": ";".join(provider.licensed_states),
        "modalities": _slugs(provider.modalities), "insurance": _slugs(provider.insurance_plans),
        "languages": _slugs(provider.languages), "age_groups": _slugs(provider.age_groups),
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


def _lines(columns: tuple[str, ...], rows: Iterator[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([_cell(row.get(column)) for column in columns])


def search_csv(criteria: SearchCriteria, *, rules: AvailabilityRules, profile_url: Callable[[int], str],
               whole: bool = True, max_rows: int = DEFAULT_COUNT_CAP) -> Iterator[str]:
    """CSV lines of a search: every match up to max_rows (whole) or only the page asked for.

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

    return _lines(SEARCH_COLUMNS, rows())


def _require_admin(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "role", None) != ROLE_ADMIN:
        raise PermissionDenied("Only administrators may export the whole directory.")


def directory_csv(actor, *, rules: AvailabilityRules, profile_url: Callable[[int], str],
                  batch: int = DIRECTORY_BATCH) -> Iterator[str]:
    """CSV lines of every listing in any status (admins only), read in id batches so memory stays flat."""
    _require_admin(actor)

    def providers() -> Iterator[Provider]:
        last_id = 0
        while True:
            chunk = list(db.session.scalars(
                select(Provider).where(Provider.id > last_id).order_by(Provider.id).limit(batch).options(
                    selectinload(Provider.offices), selectinload(Provider.licenses),
                    selectinload(Provider.modalities), selectinload(Provider.insurance_plans),
                    selectinload(Provider.languages), selectinload(Provider.age_groups),
                )
            ))
            if not chunk:
                return
            yield from chunk
            last_id = chunk[-1].id
            # Drop the finished batch from the session so it does not grow with the directory.
            for provider in chunk:
                db.session.expunge(provider)

    rows = (provider_row(p, rules, profile_url(p.id), admin=True) for p in providers())
    return _lines(ADMIN_COLUMNS, rows)
