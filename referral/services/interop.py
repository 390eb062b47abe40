"""The public directory as records for other systems (Open Referral, FHIR): SQL queries with LIMIT/OFFSET."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Concern,
    Modality,
    Office,
    Provider,
    ProviderType,
    TaxonomyCode,
    provider_concerns,
    provider_modalities,
)
from .errors import NotFound
from .listing_rules import public_clauses
from .search import bounding_box, distance_expression

# The NUCC code a listing stands for when it names no taxonomy code of its own, by provider type.
DEFAULT_TAXONOMY = {
    "psychiatrist": "2084P0800X",
    "psychologist": "103T00000X",
    "clinical-social-worker": "1041C0700X",
    "counselor": "101YM0800X",
    "marriage-family-therapist": "106H00000X",
    "psychiatric-nurse-practitioner": "363LP0808X",
    "psychoanalyst": "102L00000X",
}
# Provider types whose service is psychiatry (medication management); everyone else offers psychotherapy.
PSYCHIATRY_TYPES = frozenset({"psychiatrist", "psychiatric-nurse-practitioner"})


@dataclass(frozen=True)
class Near:
    """A point and a radius in miles."""

    lat: float
    lng: float
    miles: float


@dataclass(frozen=True)
class ProviderQuery:
    """Which public providers to list; every given condition must hold."""

    ids: tuple[int, ...] | None = None
    text: str = ""  # words found in the name or statement


@dataclass(frozen=True)
class OfficeQuery:
    """Which offices of public providers to list; every given condition must hold."""

    ids: tuple[int, ...] | None = None
    provider_ids: tuple[int, ...] | None = None
    city: str = ""
    state: str = ""
    postcode: str = ""
    near: Near | None = None
    text: str = ""


@dataclass
class RecordPage:
    """One page of records and the exact count of all that match."""

    items: list = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 20


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts(column, value: str):
    return column.ilike(f"{_escape_like(value)}%", escape="\\")


def _contains(column, value: str):
    return column.ilike(f"%{_escape_like(value)}%", escape="\\")


def _text_clauses(text: str) -> list:
    clauses = []
    for word in text.split()[:8]:
        clauses.append(or_(
            _contains(Provider.first_name, word), _contains(Provider.last_name, word), _contains(Provider.statement, word),
        ))
    return clauses


def _provider_where(query: ProviderQuery) -> list:
    where = public_clauses()
    if query.ids is not None:
        where.append(Provider.id.in_(query.ids))
    where.extend(_text_clauses(query.text))
    return where


def _with_details(statement):
    return statement.options(
        selectinload(Provider.offices),
        selectinload(Provider.licenses),
        selectinload(Provider.languages),
        selectinload(Provider.age_groups),
        selectinload(Provider.insurance_plans),
        selectinload(Provider.modalities),
    )


def providers_by_ids(ids: list[int]) -> list[Provider]:
    """Public providers with these ids, in the order given, with offices and licenses loaded."""
    if not ids:
        return []
    rows = db.session.scalars(_with_details(select(Provider).where(Provider.id.in_(ids), *public_clauses())))
    found = {provider.id: provider for provider in rows}
    return [found[i] for i in ids if i in found]


def get_public_record(provider_id: int) -> Provider:
    """One public provider with offices and licenses loaded; NotFound otherwise."""
    found = providers_by_ids([provider_id])
    if not found:
        raise NotFound("No such provider in the directory.")
    return found[0]


def _office_where(query: OfficeQuery) -> list:
    where = [Office.provider_id == Provider.id, *public_clauses()]
    if query.ids is not None:
        where.append(Office.id.in_(query.ids))
    if query.provider_ids is not None:
        where.append(Office.provider_id.in_(query.provider_ids))
    if query.city:
        where.append(_starts(Office.city, query.city))
    if query.state:
        where.append(func.upper(Office.state) == query.state.upper())
    if query.postcode:
        where.append(_starts(Office.zip, query.postcode))
    if query.near is not None:
        south, north, west, east = bounding_box(query.near.lat, query.near.lng, query.near.miles)
        where += [
            Office.lat.between(south, north), Office.lng.between(west, east),
            distance_expression(query.near.lat, query.near.lng) <= query.near.miles,
        ]
    where.extend(_text_clauses(query.text))
    return where


def offices_by_ids(ids: list[int]) -> dict[int, Office]:
    """Offices of public providers by id, each with its provider loaded."""
    if not ids:
        return {}
    statement = (
        select(Office).join(Provider, Office.provider_id == Provider.id)
        .where(Office.id.in_(ids), *public_clauses())
        .options(selectinload(Office.provider).options(
            selectinload(Provider.offices), selectinload(Provider.age_groups), selectinload(Provider.insurance_plans),
        ))
    )
    return {office.id: office for office in db.session.scalars(statement)}


def get_public_office(office_id: int) -> Office:
    """One office of a public provider; NotFound otherwise."""
    office = offices_by_ids([office_id]).get(office_id)
    if office is None:
        raise NotFound("No such location in the directory.")
    return office


def specialty_code(provider: Provider) -> str:
    """The NUCC taxonomy code a provider's listing stands for."""
    return provider.taxonomy_code or DEFAULT_TAXONOMY.get(provider.provider_type.slug, "")


def taxonomy_names(codes) -> dict[str, str]:
    """NUCC display names for these codes."""
    codes = sorted({code for code in codes if code})
    if not codes:
        return {}
    rows = db.session.execute(select(TaxonomyCode.code, TaxonomyCode.display_name).where(TaxonomyCode.code.in_(codes)))
    return {code: name.strip() for code, name in rows}


def offers_psychiatry(provider: Provider) -> bool:
    """Whether the provider's service is psychiatry rather than psychotherapy."""
    return provider.provider_type.slug in PSYCHIATRY_TYPES


# --- Listing conditions on reference items and modification time (the HSDS taxonomy filters). ---------

REFERENCE_TABLES = {"provider_type": ProviderType, "modality": Modality, "concern": Concern}


@dataclass(frozen=True)
class ReferenceCondition:
    """A listing has this item of a reference list ("provider_type", "modality", "concern"), or any item when None."""

    reference: str
    item_id: int | None = None


@dataclass(frozen=True)
class ListingConditions:
    """Further conditions on public listings; every given one must hold."""

    references: tuple[ReferenceCondition, ...] = ()
    modified_after: datetime | None = None  # timezone-aware; updated at or after it


def _reference_clause(condition: ReferenceCondition):
    if condition.reference == "provider_type":
        return true() if condition.item_id is None else Provider.provider_type_id == condition.item_id
    table, column = {"modality": (provider_modalities, "modality_id"), "concern": (provider_concerns, "concern_id")}[condition.reference]
    clause = exists().where(table.c.provider_id == Provider.id)
    return clause if condition.item_id is None else clause.where(table.c[column] == condition.item_id)


def _condition_clauses(conditions: ListingConditions) -> list:
    where = [_reference_clause(condition) for condition in conditions.references]
    if conditions.modified_after is not None:
        where.append(Provider.updated_at >= conditions.modified_after)
    return where


def find_providers(query: ProviderQuery, conditions: ListingConditions = ListingConditions(), *, limit: int,
                   offset: int = 0) -> RecordPage:
    """Public providers matching the query and the conditions, by name, with the exact count and their reference items loaded."""
    where = _provider_where(query) + _condition_clauses(conditions)
    total = db.session.scalar(select(func.count()).select_from(Provider).where(*where))
    ids = list(db.session.scalars(
        select(Provider.id).where(*where)
        .order_by(Provider.last_name, Provider.first_name, Provider.id).limit(limit).offset(offset)
    ))
    if not ids:
        return RecordPage([], total, offset, limit)
    rows = db.session.scalars(_with_details(select(Provider).where(Provider.id.in_(ids))).options(
        selectinload(Provider.concerns).selectinload(Concern.codes)))
    found = {provider.id: provider for provider in rows}
    return RecordPage([found[i] for i in ids if i in found], total, offset, limit)


def find_offices(query: OfficeQuery, conditions: ListingConditions = ListingConditions(), *, limit: int,
                 offset: int = 0) -> RecordPage:
    """Offices of public providers matching the query and the conditions as (office, miles or None), nearest or
    lowest id first, with the exact count."""
    where = _office_where(query) + _condition_clauses(conditions)
    total = db.session.scalar(select(func.count(Office.id)).select_from(Office).join(Provider, Office.provider_id == Provider.id).where(*where))
    if query.near is not None:
        distance = distance_expression(query.near.lat, query.near.lng)
        statement = select(Office.id, distance).order_by(distance, Office.id)
    else:
        statement = select(Office.id, null()).order_by(Office.id)
    statement = statement.join(Provider, Office.provider_id == Provider.id).where(*where).limit(limit).offset(offset)
    rows = db.session.execute(statement).all()
    offices = offices_by_ids([row[0] for row in rows])
    return RecordPage([(offices[row[0]], row[1]) for row in rows if row[0] in offices], total, offset, limit)


def find_reference_items(references: tuple[str, ...], text: str, *, limit: int, offset: int = 0) -> RecordPage:
    """Items of these reference lists (in the order given, then by sort order and name) whose name or slug holds every word of text."""
    parts = []
    for position, reference in enumerate(references):
        table = REFERENCE_TABLES[reference]
        words = [or_(_contains(table.name, word), _contains(table.slug, word)) for word in text.split()[:8]]
        parts.append(select(literal(position).label("position"), table.id.label("item_id"),
                            table.sort_order.label("sort_order"), table.name.label("name")).where(*words))
    if not parts:
        return RecordPage([], 0, offset, limit)
    items = union_all(*parts).subquery()
    total = db.session.scalar(select(func.count()).select_from(items))
    rows = db.session.execute(
        select(items.c.position, items.c.item_id)
        .order_by(items.c.position, items.c.sort_order, items.c.name, items.c.item_id).limit(limit).offset(offset)
    ).all()
    loaded = {}
    for position in {row.position for row in rows}:
        table = REFERENCE_TABLES[references[position]]
        wanted = [row.item_id for row in rows if row.position == position]
        statement = select(table).where(table.id.in_(wanted))
        if table is Concern:
            statement = statement.options(selectinload(Concern.codes))
        loaded.update({(position, item.id): item for item in db.session.scalars(statement)})
    items_found = [(references[row.position], loaded[(row.position, row.item_id)]) for row in rows]
    return RecordPage(items_found, total, offset, limit)


def get_reference_item(reference: str, item_id: int):
    """One item of a reference list; NotFound otherwise."""
    table = REFERENCE_TABLES[reference]
    statement = select(table).where(table.id == item_id)
    if table is Concern:
        statement = statement.options(selectinload(Concern.codes))
    item = db.session.scalar(statement)
    if item is None:
        raise NotFound("No such taxonomy term in the directory.")
    return item
