"""Finding providers: filters, distance and ordering, all in SQL."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import Float, Integer, String, and_, bindparam, case, exists, func, literal_column, not_, or_, select

from ..extensions import db
from ..models import License, Office, OfficeHours, Provider, utcnow
from ..models.types import UTCDateTime
from .attributes import ANY_OF, AT_MOST, AVAILABILITY, BY_NAME, HOURS, YES_NO, Attribute
from .geocoding import EARTH_RADIUS_MILES, distance_miles
from .listing_reader import ListingRecord, OfficeRecord, read_listings
from .listing_rules import public_clauses
from .responsiveness import ResponsivenessRules, not_answering_clause, not_answering_values
from .search_params import SearchCriteria
from .spatial import office_in_box

MILES_PER_DEGREE_LAT = EARTH_RADIUS_MILES * math.pi / 180
TWO = literal_column("2.0", Float)
# Results are ranked by distance band first: listings within the same mile are equally near to the people
# choosing, so among them availability decides (see availability_rank). Widening radii are whole bands.
BAND_MILES = 1.0
# The first radius tried when looking for the nearest matches (see nearest_provider_ids): one band, the
# smallest circle whose matches are exactly the first ones (in dense places it already holds a page).
FIRST_RADIUS_MILES = BAND_MILES
# The whole radius is searched at once when the matches found so far, spread over the whole circle, come to at
# most this many times the matches wanted: where matches are few, a search costs a statement more than it
# costs rows, so one more widening step costs more than the whole circle.
FEW_MATCHES = 32

# The office-hours windows people search by, as conditions on one weekly window (local minutes, 0 = Monday).
EVENING_STARTS = 17 * 60
MORNING_ENDS = 9 * 60
WEEKEND_DAYS = (5, 6)


@dataclass(frozen=True)
class AvailabilityRules:
    """When a listing that says it is accepting counts as accepting: confirmed within `stale_days`, and answering.

    Answering is decided by `responsiveness` (see services/responsiveness.py): confirming does not lift it.
    """

    stale_days: int = 45
    responsiveness: ResponsivenessRules = ResponsivenessRules()

    @classmethod
    def from_config(cls, config) -> "AvailabilityRules":
        """The rules the app's configuration sets."""
        return cls(config.get("AVAILABILITY_STALE_DAYS", 45), ResponsivenessRules.from_config(config))

    def counts_as_accepting(self, says_accepting: bool, confirmed_at: datetime | None, not_answering: bool,
                            now: datetime) -> bool:
        """The Python twin of accepting_clause, for a listing already read."""
        fresh = confirmed_at is not None and confirmed_at >= _accepting_cutoff(now, self)
        return bool(says_accepting and fresh and not not_answering)


@dataclass
class ProviderHit:
    """One result: the provider, how far their nearest office is, and why they matched."""

    provider: ListingRecord
    distance_miles: float | None
    nearest_office: OfficeRecord | None
    via_telehealth: bool = False


@dataclass
class SearchPage:
    """One page of results and the matches known: all of them when total_exact, else those through this page."""

    criteria: SearchCriteria
    hits: list[ProviderHit]
    total: int
    total_exact: bool

    @property
    def page(self) -> int:
        """The page number."""
        return self.criteria.page

    @property
    def per_page(self) -> int:
        """Results per page."""
        return self.criteria.per_page

    @property
    def pages(self) -> int:
        """How many pages the known results fill (all pages when total_exact)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return not self.total_exact or self.page * self.per_page < self.total

    @property
    def past_the_end(self) -> bool:
        """Whether the page asked for lies beyond the last result."""
        return self.page > 1 and not self.hits

    @property
    def last_known_page(self) -> int:
        """The last page known to hold results: the last of all when total_exact, else the one after this page."""
        return self.pages if self.total_exact else self.page + 1

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """The pages to link: the first, the last known, and `around` either side of this one; None marks a gap."""
        last = self.last_known_page
        shown = sorted({1, last, *range(max(1, self.page - around), min(last, self.page + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            previous = numbers[-1] if numbers else number - 1
            if number - previous == 2:
                numbers.append(previous + 1)  # a gap of one page shows that page instead of a mark
            elif number - previous > 2:
                numbers.append(None)
            numbers.append(number)
        return numbers


def _accepting_cutoff(now: datetime, rules: AvailabilityRules) -> datetime:
    return now - timedelta(days=rules.stale_days)


def accepting_clause(now: datetime, rules: AvailabilityRules):
    """SQL truth of "accepting new patients, confirmed within the stale window, and answering its messages"."""
    cutoff = bindparam("accepting_cutoff", _accepting_cutoff(now, rules), type_=UTCDateTime)
    return and_(Provider.accepting_new_patients.is_(True), Provider.availability_confirmed_at >= cutoff,
                not_(not_answering_clause(now, rules.responsiveness)))


def _accepting_values(now: datetime, rules: AvailabilityRules) -> dict:
    """The values accepting_clause binds, by name."""
    return {"accepting_cutoff": _accepting_cutoff(now, rules), **not_answering_values(now, rules.responsiveness)}


def availability_rank(now: datetime, rules: AvailabilityRules):
    """0 for listings accepting new patients, 1 when that is unknown, 2 for those not accepting: as their badges say.

    Unknown is a listing that says it is accepting but has not confirmed it within the stale window, or has
    never confirmed anything; a listing that has confirmed it is not accepting says so however long ago.
    """
    return case(
        (accepting_clause(now, rules), 0),
        (and_(Provider.accepting_new_patients.is_(False), Provider.availability_confirmed_at.is_not(None)), 2),
        else_=1,
    )


def _hours_clause(windows: tuple[str, ...]):
    conditions = {
        "evenings": OfficeHours.closes > EVENING_STARTS,
        "weekends": OfficeHours.day.in_(WEEKEND_DAYS),
        "early-mornings": OfficeHours.opens < MORNING_ENDS,
    }
    return exists().where(
        Office.provider_id == Provider.id, OfficeHours.office_id == Office.id,
        or_(*(conditions[window] for window in windows)),
    )


def _fee_within(attribute: Attribute, amount: int):
    """The standard fee within the budget, or a sliding scale whose low end is."""
    budget = bindparam(attribute.search_parameter, amount, type_=Integer)
    return or_(
        and_(Provider.fee.is_not(None), Provider.fee <= budget),
        and_(Provider.sliding_scale.is_(True), Provider.fee_min.is_not(None), Provider.fee_min <= budget),
    )


def attribute_clause(attribute: Attribute, value, now: datetime, rules: AvailabilityRules, *, located: bool):
    """The WHERE clause of one attribute filter; every value a bound parameter."""
    if attribute.filter == ANY_OF and attribute.association is not None:
        table = attribute.association
        return exists().where(table.c.provider_id == Provider.id, table.c[attribute.item_column].in_(value))
    if attribute.filter == ANY_OF and attribute.reference is not None:
        column = getattr(Provider, f"{attribute.column}_id")
        # Not served by the column's index in a located search: see public_clauses.
        return (column + 0 if located else column).in_(value)
    if attribute.filter == ANY_OF:
        return getattr(Provider, attribute.column).in_(value)
    if attribute.filter == YES_NO:
        return getattr(Provider, attribute.column).is_(value)
    if attribute.filter == AVAILABILITY:
        accepting = accepting_clause(now, rules)
        return accepting if value else not_(func.coalesce(accepting, False))
    if attribute.filter == AT_MOST:
        return _fee_within(attribute, value)
    if attribute.filter == HOURS:
        return _hours_clause(value)
    raise ValueError(f"{attribute.name} does not filter")


def provider_filters(criteria: SearchCriteria, now: datetime, rules: AvailabilityRules, *, located: bool = False) -> list:
    """WHERE clauses on Provider for every filter except location."""
    clauses = public_clauses(located=located)
    for name, value in criteria.filters.items():
        clauses.append(attribute_clause(BY_NAME[name], value, now, rules, located=located))
    for index, pattern in enumerate(_keyword_patterns(criteria)):
        pattern = bindparam(f"q_{index}", pattern, type_=String)
        clauses.append(or_(
            Provider.first_name.ilike(pattern, escape="\\"),
            Provider.last_name.ilike(pattern, escape="\\"),
            Provider.statement.ilike(pattern, escape="\\"),
        ))
    return clauses


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keyword_patterns(criteria: SearchCriteria) -> list[str]:
    """LIKE patterns for the first eight words of the keyword search."""
    return [f"%{_escape_like(word)}%" for word in criteria.q.split()[:8]]


def distance_expression(lat: float, lng: float):
    """Haversine distance in miles from (lat, lng) to an office, as a SQL expression."""
    origin_lat = bindparam("origin_lat", lat, type_=Float)
    # Halved by a float constant written into the SQL: an integer 2 is sent as a parameter cast to NUMERIC on
    # PostgreSQL, and a prepared ranked statement with that cast is planned afresh on every run.
    half_dlat = func.radians(Office.lat - origin_lat) / TWO
    half_dlng = func.radians(Office.lng - bindparam("origin_lng", lng, type_=Float)) / TWO
    cos_origin = bindparam("origin_cos", math.cos(math.radians(lat)), type_=Float)
    a = func.sin(half_dlat) * func.sin(half_dlat) + (
        cos_origin * func.cos(func.radians(Office.lat)) * func.sin(half_dlng) * func.sin(half_dlng)
    )
    return 2 * EARTH_RADIUS_MILES * func.asin(func.sqrt(a))


def bounding_box(lat: float, lng: float, miles: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) degrees enclosing every point within `miles` of (lat, lng)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    widest = min(89.0, abs(lat) + dlat)
    dlng = min(180.0, miles / (MILES_PER_DEGREE_LAT * math.cos(math.radians(widest))))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def _within(lat: float, lng: float, miles: float, *, inclusive: bool):
    south, north, west, east = bounding_box(lat, lng, miles)
    distance = distance_expression(lat, lng)
    limit = distance <= miles if inclusive else distance < miles
    # Its callers reach offices from their provider, so the box only checks them.
    return [office_in_box(south, north, west, east, drives=False), limit], distance


# Orders in which the nearest matches come first, so that a small circle holding enough of them is exact.
NEAREST_FIRST_SORTS = ("best", "distance")


def _order(sort: str, now, rules, nearest=None) -> tuple:
    """ORDER BY of a sort: with `nearest` (a located search) distance breaks ties, else the name."""
    ties = (nearest, Provider.id) if nearest is not None else (Provider.last_name, Provider.first_name, Provider.id)
    if sort == "distance":
        return (nearest, Provider.id)
    if sort == "fee":
        return (Provider.fee.is_(None), Provider.fee, *ties)
    if sort == "confirmed":
        confirmed = Provider.availability_confirmed_at
        return (confirmed.is_(None), confirmed.desc(), *ties)
    if nearest is not None:
        return (func.floor(nearest / BAND_MILES), availability_rank(now, rules), *ties)
    return (availability_rank(now, rules), *ties)


def _ranked_statement(criteria: SearchCriteria, filters: list, now, rules, *, inclusive: bool):
    """Matches within a circle whose box and radius are bind parameters, in the order asked for.

    Best match: relevance is the one-mile band; within a band, availability_rank orders the listings. The values bound here are the current search's; _precompiled_ranked keeps the compiled text.
    """
    place = criteria.place
    distance = distance_expression(place.lat, place.lng)
    box = _circle(place, criteria.radius)
    radius = bindparam("radius", box["radius"], type_=Float)
    nearest = func.min(distance).label("distance")
    return (
        select(Provider.id, nearest)
        .select_from(Office)
        .join(Provider, Provider.id == Office.provider_id)
        .where(
            office_in_box(*(bindparam(side, box[side], type_=Float) for side in ("south", "north", "west", "east"))),
            distance <= radius if inclusive else distance < radius,
            *filters,
        )
        .group_by(Provider.id)
        .order_by(*_order(criteria.sort, now, rules, nearest))
        .limit(bindparam("limit", 0, type_=Integer))
        .offset(bindparam("offset", 0, type_=Integer))
    )


# Criteria fields that are not part of a ranked statement's cache key: each search binds their values
# by name (see _search_values), or they only restate another field (values restate filters). Every other
# field is part of the key, so a filter added to SearchCriteria can never run with another search's value.
_BOUND_PER_SEARCH = frozenset({"place", "radius", "page", "per_page", "q", "values"})
# Attribute filters whose value each search binds by name: only whether they are set is part of the key.
_FILTERS_BOUND_PER_SEARCH = frozenset(a.name for a in BY_NAME.values() if a.filter == AT_MOST)


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_frozen(item) for item in value)
    return value


def _shape(criteria: SearchCriteria) -> tuple:
    """What decides the text of a ranked statement: every field not bound per search, and which of those are set."""
    kept = tuple((f.name, _frozen(getattr(criteria, f.name))) for f in fields(criteria)
                 if f.name not in _BOUND_PER_SEARCH and f.name != "filters")
    filters = tuple(sorted((name, True if name in _FILTERS_BOUND_PER_SEARCH else _frozen(value))
                           for name, value in criteria.filters.items()))
    return kept + (filters, len(_keyword_patterns(criteria)))


@dataclass(frozen=True)
class _PrecompiledSQL:
    """A ranked statement compiled once per dialect and filter shape, run with fresh parameters."""

    sql: str
    constants: dict
    datetime_bind: object


_precompiled: dict[tuple, _PrecompiledSQL] = {}
_PRECOMPILED_LIMIT = 512


def _precompiled_ranked(criteria: SearchCriteria, now, rules, values: dict, *, inclusive: bool,
                        dialect) -> _PrecompiledSQL:
    """The ranked statement's SQL for this filter shape, compiled on first use.

    Building and compiling the SQLAlchemy expression costs more than SQLite takes to run it (see
    bench/statement_cache.py), so the SQL text is kept per shape and executed with each search's
    values. A value bound per search that the statement does not bind by name would be frozen at
    its first search's value: that is refused here.
    """
    key = (dialect.name, inclusive, _shape(criteria))
    found = _precompiled.get(key)
    if found is None:
        statement = _ranked_statement(criteria, provider_filters(criteria, now, rules, located=True), now, rules,
                                      inclusive=inclusive)
        named = type(dialect)(paramstyle="named") if dialect.name == "sqlite" else dialect
        compiled = statement.compile(dialect=named, compile_kwargs={"render_postcompile": True})
        unbound = set(values) - set(compiled.params)
        if unbound:
            raise RuntimeError(f"the ranked search statement does not bind {sorted(unbound)} by name")
        found = _PrecompiledSQL(str(compiled), dict(compiled.params), UTCDateTime().bind_processor(dialect))
        if len(_precompiled) >= _PRECOMPILED_LIMIT:
            _precompiled.clear()
        _precompiled[key] = found
    return found


def _run_ranked(precompiled: _PrecompiledSQL, values: dict) -> list[tuple[int, float]]:
    params = dict(precompiled.constants)
    for name, value in values.items():
        if isinstance(value, datetime) and precompiled.datetime_bind is not None:
            value = precompiled.datetime_bind(value)
        params[name] = value
    rows = db.session.connection().exec_driver_sql(precompiled.sql, params).all()
    return [(row[0], row[1]) for row in rows]


def _search_values(criteria: SearchCriteria, now, rules) -> dict:
    """The values of the fields bound per search (_BOUND_PER_SEARCH) and of the time, by bind parameter name."""
    place = criteria.place
    values = {"origin_lat": place.lat, "origin_lng": place.lng, "origin_cos": math.cos(math.radians(place.lat))}
    if criteria.sort == "best" or "accepting" in criteria.filters:
        values.update(_accepting_values(now, rules))
    for name in _FILTERS_BOUND_PER_SEARCH & set(criteria.filters):
        values[BY_NAME[name].search_parameter] = criteria.filters[name]
    values.update({f"q_{i}": pattern for i, pattern in enumerate(_keyword_patterns(criteria))})
    return values


def _circle(place, miles: float) -> dict:
    south, north, west, east = bounding_box(place.lat, place.lng, miles)
    return {"south": south, "north": north, "west": west, "east": east, "radius": float(miles)}


def _next_radius(miles: float, found: int, wanted: int) -> float:
    """A larger radius, in whole bands, expected to hold `wanted` matches (matches grow with the area)."""
    growth = 4.0 if found == 0 else min(4.0, max(1.5, math.sqrt(1.2 * wanted / found)))
    return math.ceil(miles * growth / BAND_MILES) * BAND_MILES


def nearest_provider_ids(criteria: SearchCriteria, limit: int, offset: int = 0, *, now=None,
                         rules=AvailabilityRules()) -> list[tuple[int, float]]:
    """Ids and distances of the nearest matches within the radius, best first.

    Dense places are answered from a small circle: if at least offset+limit matches lie closer
    than r (a whole number of bands), they are exactly the first offset+limit of the full search,
    since ordering is by band (or distance) first and everything farther lies in a later band.
    Orders that are not nearest-first go straight to the full radius.
    """
    now = now or utcnow()
    dialect = db.session.get_bind().dialect
    wanted = offset + limit
    place = criteria.place
    miles = FIRST_RADIUS_MILES
    if criteria.sort in NEAREST_FIRST_SORTS and miles < criteria.radius:
        values = {**_search_values(criteria, now, rules), **_circle(place, miles), "limit": wanted, "offset": 0}
        partial = _precompiled_ranked(criteria, now, rules, values, inclusive=False, dialect=dialect)
        while miles < criteria.radius:
            rows = _run_ranked(partial, {**values, **_circle(place, miles)})
            if len(rows) >= wanted:
                return rows[offset:wanted]
            if rows and len(rows) * (criteria.radius / miles) ** 2 <= FEW_MATCHES * wanted:
                break  # few matches in the whole circle, going by this one: search the whole at once
            miles = _next_radius(miles, len(rows), wanted)
    values = {**_search_values(criteria, now, rules), **_circle(place, criteria.radius), "limit": limit, "offset": offset}
    full = _precompiled_ranked(criteria, now, rules, values, inclusive=True, dialect=dialect)
    return _run_ranked(full, values)


def _remote_telehealth_query(criteria: SearchCriteria, filters: list, now, rules):
    """Telehealth providers licensed in the searcher's state with no office inside the radius."""
    place = criteria.place
    where, _ = _within(place.lat, place.lng, criteria.radius, inclusive=True)
    office_inside = exists().where(Office.provider_id == Provider.id, *where)
    licensed = exists().where(License.provider_id == Provider.id, License.state == criteria.telehealth_state)
    return (
        select(Provider.id)
        .where(*filters, Provider.telehealth.is_(True), licensed, not_(office_inside))
        .order_by(*_order(criteria.sort if criteria.sort != "distance" else "best", now, rules))
    )


def _unlocated_query(criteria: SearchCriteria, filters: list, now, rules):
    query = select(Provider.id).where(*filters)
    if criteria.telehealth and criteria.state:
        query = query.where(exists().where(License.provider_id == Provider.id, License.state == criteria.state))
    return query.order_by(*_order(criteria.sort, now, rules))


def nearest_office(provider: ListingRecord, lat: float, lng: float) -> tuple[OfficeRecord | None, float | None]:
    """The provider's office nearest to a point and its distance in miles (geopy)."""
    best: tuple[OfficeRecord | None, float | None] = (None, None)
    for office in provider.offices:
        if office.lat is None or office.lng is None:
            continue
        miles = distance_miles(lat, lng, office.lat, office.lng)
        if best[1] is None or miles < best[1]:
            best = (office, miles)
    return best


def _hits(ids: list[int], criteria: SearchCriteria, via_telehealth: bool, now: datetime,
          rules: AvailabilityRules) -> list[ProviderHit]:
    providers = read_listings(ids, now=now, rules=rules.responsiveness)
    hits = []
    for provider_id in ids:
        provider = providers.get(provider_id)
        if provider is None:  # removed since it was ranked (PostgreSQL reads each statement's own snapshot)
            continue
        office, miles = (None, None)
        if criteria.place is not None:
            office, miles = nearest_office(provider, criteria.place.lat, criteria.place.lng)
        hits.append(ProviderHit(provider, miles, office, via_telehealth))
    return hits


def _page_of(ids: list, offset: int, limit: int) -> tuple[list, int, bool]:
    """A page from a fetch of limit+1 rows at offset: its rows, the matches known so far, whether more follow."""
    more = len(ids) > limit
    return ids[:limit], offset + min(len(ids), limit), more


def search_providers(criteria: SearchCriteria, *, now: datetime | None = None,
                     rules: AvailabilityRules = AvailabilityRules()) -> SearchPage:
    """Run a search: nearest first with a location (plus licensed telehealth), else by name.

    Nothing is counted beyond the page: each fetch asks for one row more than it shows, so the page
    knows whether more follow, and the total is exact once the last match has been seen.
    """
    now = now or utcnow()
    offset = (criteria.page - 1) * criteria.per_page
    limit = criteria.per_page

    if criteria.place is None:
        query = _unlocated_query(criteria, provider_filters(criteria, now, rules), now, rules)
        ids, total, more = _page_of(list(db.session.scalars(query.limit(limit + 1).offset(offset))), offset, limit)
        if not ids and offset:
            total = len(list(db.session.scalars(query.limit(offset))))
        return SearchPage(criteria, _hits(ids, criteria, False, now, rules), total, not more)

    rows = nearest_provider_ids(criteria, limit + 1, offset, now=now, rules=rules)
    local, local_total, more = _page_of(rows, offset, limit)
    if not local and offset:
        # Past the last local match: how many there are, counting no further than this page's offset.
        local_total = len(nearest_provider_ids(criteria, offset, 0, now=now, rules=rules))
    hits = _hits([pid for pid, _ in local], criteria, False, now, rules)
    total = local_total
    # Telehealth matches follow every local one.
    if criteria.telehealth and criteria.telehealth_state and not more:
        remote_offset = max(0, offset - local_total)
        remote_query = _remote_telehealth_query(criteria, provider_filters(criteria, now, rules), now, rules)
        wanted = limit - len(hits)
        remote_ids = list(db.session.scalars(remote_query.limit(wanted + 1).offset(remote_offset)))
        if not remote_ids and remote_offset:
            remote_total = len(list(db.session.scalars(remote_query.limit(remote_offset))))
        else:
            remote_ids, remote_total, more = _page_of(remote_ids, remote_offset, wanted)
            hits.extend(_hits(remote_ids, criteria, True, now, rules))
        total += remote_total
    return SearchPage(criteria, hits, total, not more)


# --- Nearby listings a search by approach or frequency cannot judge -------------------------------------
# Listings loaded from the national registry carry a type and an address but no approaches or frequencies,
# so such a search never matches them. They are shown apart from the matches and never counted as them.

# The filters a listing may leave unsaid: a listing that names none of the kind is shown apart.
UNLISTED_KINDS = ("modality", "frequency")
ALSO_NEARBY_LIMIT = 10


def _unlisted_kinds(criteria: SearchCriteria) -> tuple[str, ...]:
    """The filters of this search that listings may leave unsaid, when the group applies (a place is given)."""
    if criteria.place is None:
        return ()
    return tuple(name for name in UNLISTED_KINDS if name in criteria.filters)


def _lists_none(name: str):
    table = BY_NAME[name].association
    return not_(exists().where(table.c.provider_id == Provider.id))


def also_nearby(criteria: SearchCriteria, *, limit: int = ALSO_NEARBY_LIMIT, now: datetime | None = None,
                rules: AvailabilityRules = AvailabilityRules()) -> list[ProviderHit]:
    """Listings within the radius that list none of an approach or frequency asked for, nearest first.

    For each of those filters a listing either matches it or lists nothing of its kind, and lists
    nothing of at least one (else it is a match); every other filter applies as in the search.
    Empty without a place or without such a filter.
    """
    kinds = _unlisted_kinds(criteria)
    if not kinds:
        return []
    now = now or utcnow()
    place = criteria.place
    others = criteria.with_filters(**{name: None for name in kinds})
    clauses = provider_filters(others, now, rules, located=True)
    for name in kinds:
        clauses.append(or_(attribute_clause(BY_NAME[name], criteria.filters[name], now, rules, located=True),
                           _lists_none(name)))
    clauses.append(or_(*(_lists_none(name) for name in kinds)))
    distance = distance_expression(place.lat, place.lng)
    nearest = func.min(distance)
    statement = (
        select(Provider.id)
        .select_from(Office)
        .join(Provider, Provider.id == Office.provider_id)
        .where(office_in_box(*bounding_box(place.lat, place.lng, criteria.radius)),
               distance <= bindparam("radius", float(criteria.radius), type_=Float), *clauses)
        .group_by(Provider.id)
        .order_by(nearest, Provider.id)
        .limit(bindparam("limit", limit, type_=Integer))
    )
    return _hits(list(db.session.scalars(statement)), criteria, False, now, rules)
