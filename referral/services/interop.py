"""The public directory as records for other systems (FHIR, Open Referral): SQL queries with LIMIT/OFFSET."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, null, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Office, Provider, ProviderType, TaxonomyCode
from .errors import NotFound
from .listing_rules import public_clauses
from .reference import ids_for_slugs
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
    name: str = ""  # starts the first name, the last name or the full name
    family: str = ""
    given: str = ""
    npis: tuple[str, ...] | None = None
    taxonomy_codes: tuple[str, ...] | None = None
    office_ids: tuple[int, ...] | None = None
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


def _type_ids_for_codes(codes: tuple[str, ...]) -> list[int]:
    slugs = [slug for slug, code in DEFAULT_TAXONOMY.items() if code in codes]
    if not slugs:
        return []
    return list(ids_for_slugs(ProviderType, slugs)[0].values())


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
    if query.name:
        full = Provider.first_name + " " + Provider.last_name
        where.append(or_(_starts(Provider.first_name, query.name), _starts(Provider.last_name, query.name),
                         _starts(full, query.name)))
    if query.family:
        where.append(_starts(Provider.last_name, query.family))
    if query.given:
        where.append(_starts(Provider.first_name, query.given))
    if query.npis is not None:
        where.append(Provider.npi.in_(query.npis))
    if query.taxonomy_codes is not None:
        by_default = and_(Provider.taxonomy_code.is_(None), Provider.provider_type_id.in_(_type_ids_for_codes(query.taxonomy_codes)))
        where.append(or_(Provider.taxonomy_code.in_(query.taxonomy_codes), by_default))
    if query.office_ids is not None:
        where.append(exists().where(Office.provider_id == Provider.id, Office.id.in_(query.office_ids)))
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


def find_providers(query: ProviderQuery, *, limit: int, offset: int = 0) -> RecordPage:
    """Public providers matching the query, by name, with the exact count."""
    where = _provider_where(query)
    total = db.session.scalar(select(func.count()).select_from(Provider).where(*where))
    ids = list(db.session.scalars(
        select(Provider.id).where(*where)
        .order_by(Provider.last_name, Provider.first_name, Provider.id).limit(limit).offset(offset)
    ))
    return RecordPage(providers_by_ids(ids), total, offset, limit)


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


def find_offices(query: OfficeQuery, *, limit: int, offset: int = 0) -> RecordPage:
    """Offices of public providers matching the query as (office, miles or None), nearest or lowest id first."""
    where = _office_where(query)
    total = db.session.scalar(select(func.count(Office.id)).select_from(Office).join(Provider, Office.provider_id == Provider.id).where(*where))
    if query.near is not None:
        distance = distance_expression(query.near.lat, query.near.lng)
        statement = select(Office.id, distance).order_by(distance, Office.id)
    else:
        statement = select(Office.id, null()).order_by(Office.id)
    statement = statement.join(Provider, Office.provider_id == Provider.id).where(*where).limit(limit).offset(offset)
    rows = db.session.execute(statement).all()
    offices = offices_by_ids([row[0] for row in rows])
    items = [(offices[row[0]], row[1]) for row in rows if row[0] in offices]
    return RecordPage(items, total, offset, limit)


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
