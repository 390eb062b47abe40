"""Running a FHIR search: criteria to SQL over each row source, one page across sources, counted exactly."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, not_, or_, select

from ..extensions import db
from ..models import Office
from ..services.errors import ValidationFailed
from ..services.interop import Near
from ..services.search import bounding_box, distance_expression
from .catalog import COMMON_PARAMETERS, ResourceType, Source
from .query import Criterion

MILES_PER_KM = 0.621371
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_DATE = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(\.\d{1,9})?)?(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass
class MatchPage:
    """One page of matching rows, by source, and the number of all matches."""

    rows: list[tuple[Source, tuple]]
    total: int


class SearchEngine:
    """Searches the resource types of one request."""

    def __init__(self, types: dict[str, ResourceType], *, default_miles: float, max_miles: float):
        self.types = types
        self.default_miles = default_miles
        self.max_miles = max_miles

    def sources(self, type_name: str) -> tuple[Source, ...]:
        """The row sources of a resource type."""
        return self.types[type_name].sources

    def knows(self, type_name: str, name: str) -> bool:
        """Whether the type has a search parameter of this name."""
        return name in COMMON_PARAMETERS or name in self.types[type_name].parameters

    def check_chain(self, type_name: str, criterion: Criterion) -> None:
        """Refuse a chain into a parameter the target type does not have."""
        if not self.knows(type_name, criterion.chain.name):
            raise ValidationFailed({criterion.label: f"{type_name} has no search parameter {criterion.chain.name} to chain to"})

    def where(self, source: Source, criteria: list[Criterion]) -> list | None:
        """The SQL conditions of the criteria on the source's rows, or None when its rows cannot match."""
        clauses = []
        for criterion in criteria:
            clause = self._clause(source, criterion)
            if clause is None:
                return None
            clauses.append(clause)
        return clauses

    def _clause(self, source: Source, criterion: Criterion):
        if criterion.name == "_id":
            self._refuse_modifier(criterion, frozenset({"not"}))
            matched = source.id_clause(criterion.values)
            return not_(matched) if criterion.modifier == "not" else matched
        if criterion.name == "_lastUpdated":
            self._refuse_modifier(criterion, frozenset())
            clauses = [date_clause(source.updated, value, "_lastUpdated") for value in criterion.values]
            return None if source.updated is None else or_(*clauses)
        param = source.params.get(criterion.name)
        if param is None:
            # The type has the parameter but rows of this source never hold it: they cannot match.
            self._check_declared(source.resource_type, criterion)
            return None
        self._refuse_modifier(criterion, param.modifiers)
        if criterion.chain is not None and param.kind != "reference":
            raise ValidationFailed({criterion.label: f"only reference parameters chain; {criterion.name} is a {param.kind}"})
        return param.clause(criterion, self)

    def validate(self, type_name: str, criteria: list[Criterion]) -> None:
        """Refuse malformed values and unsupported modifiers, whether or not any rows could match."""
        for criterion in criteria:
            if criterion.name == "_id":
                self._refuse_modifier(criterion, frozenset({"not"}))
            elif criterion.name == "_lastUpdated":
                self._refuse_modifier(criterion, frozenset())
                for value in criterion.values:
                    date_clause(None, value, criterion.name)
            else:
                self._check_declared(type_name, criterion)
                if criterion.chain is not None:
                    if self.types[type_name].parameters[criterion.name][0] != "reference":
                        raise ValidationFailed({criterion.label: f"only reference parameters chain; "
                                                                 f"{criterion.name} is not one"})
                    target = self._target(type_name, criterion.name)
                    if target is not None:
                        self.check_chain(target, criterion)

    def _target(self, type_name: str, name: str) -> str | None:
        """The type a reference parameter points to, when rows of the type hold it."""
        params = [source.params.get(name) for source in self.sources(type_name)]
        return next((param.target for param in params if getattr(param, "target", None)), None)

    def _check_declared(self, type_name: str, criterion: Criterion) -> None:
        kind = self.types[type_name].parameters[criterion.name][0]
        allowed = {"string": {"exact", "contains"}, "token": {"text", "not"}, "reference": {criterion.modifier}}.get(kind, set())
        if criterion.modifier and criterion.modifier not in allowed:
            self._refuse_modifier(criterion, frozenset(allowed))
        if kind == "date":
            for value in criterion.values:
                date_clause(None, value, criterion.label)

    @staticmethod
    def _refuse_modifier(criterion: Criterion, allowed: frozenset[str]) -> None:
        if criterion.modifier and criterion.modifier not in allowed:
            offered = ", ".join(sorted(allowed)) or "none"
            raise ValidationFailed({criterion.label: f"modifier :{criterion.modifier} is not supported on "
                                                     f"{criterion.name} (supported: {offered})"})

    def keys_matching(self, source: Source, criteria: list[Criterion]):
        """A subquery of the keys of the source's rows that match, or None when none can."""
        where = self.where(source, criteria)
        if where is None:
            return None
        return source.base().where(*where).correlate(None)

    def near_of(self, criterion: Criterion) -> Near:
        """The point and radius of a near criterion; ValidationFailed when malformed."""
        if len(criterion.values) != 1:
            raise ValidationFailed({"near": "near takes one point: latitude|longitude|distance|units"})
        return read_near(criterion.values[0], self.default_miles, self.max_miles)

    def near_clause(self, criterion: Criterion):
        """Offices within the criterion's distance of its point."""
        near = self.near_of(criterion)
        south, north, west, east = bounding_box(near.lat, near.lng, near.miles)
        return and_(Office.lat.between(south, north), Office.lng.between(west, east),
                    distance_expression(near.lat, near.lng) <= near.miles)

    def _order(self, source: Source, criteria: list[Criterion]) -> tuple:
        for criterion in criteria:
            if criterion.name == "near" and "near" in source.params:
                near = self.near_of(criterion)
                return (distance_expression(near.lat, near.lng), *source.order)
        return source.order

    def page(self, type_name: str, criteria: list[Criterion], *, count: int, offset: int,
             counted: bool = True) -> MatchPage:
        """The rows of one page across the type's sources, in source order, and how many match in all."""
        self.validate(type_name, criteria)
        rows: list[tuple[Source, tuple]] = []
        total = 0
        skip, wanted = offset, count
        for source in self.sources(type_name):
            where = self.where(source, criteria)
            if where is None:
                continue
            statement = source.base().where(*where)
            matches = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
            total += matches
            if wanted <= 0 or skip >= matches:
                skip = max(0, skip - matches)
                continue
            found = db.session.execute(statement.order_by(*self._order(source, criteria)).limit(wanted).offset(skip)).all()
            rows += [(source, tuple(row)) for row in found]
            wanted -= len(found)
            skip = 0
        return MatchPage(rows, total)


def read_near(raw: str, default_miles: float, max_miles: float) -> Near:
    """A near value latitude|longitude|distance|units as a point and miles; ValidationFailed when malformed."""
    parts = raw.split("|")
    if not 2 <= len(parts) <= 4:
        raise ValidationFailed({"near": "near must be latitude|longitude|distance|units, like 40.79|-73.96|10|mi"})
    numbers = []
    for part in parts[:3]:
        try:
            value = float(part) if part.strip() else None
        except ValueError:
            value = math.nan
        if value is not None and not math.isfinite(value):
            raise ValidationFailed({"near": "near must be latitude|longitude|distance|units with numbers"})
        numbers.append(value)
    lat, lng = numbers[0], numbers[1]
    if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180:
        raise ValidationFailed({"near": "near needs a latitude from -90 to 90 and a longitude from -180 to 180"})
    units = parts[3].strip() if len(parts) == 4 else ""
    if units not in ("", "mi", "[mi_i]", "km"):
        raise ValidationFailed({"near": "near distance units must be mi or km"})
    distance = numbers[2] if len(numbers) > 2 else None
    if distance is None:
        miles = default_miles
    else:
        miles = distance * MILES_PER_KM if units in ("", "km") else distance
    if not 0 < miles <= max_miles:
        raise ValidationFailed({"near": f"near distance must be more than 0 and at most {max_miles:g} miles"})
    return Near(lat, lng, miles)


def date_range(text: str, parameter: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date or dateTime of any precision covers; ValidationFailed when malformed."""
    match = _DATE.match(text)
    if not match:
        raise ValidationFailed({parameter: f"{parameter} must be a date like 2026-01-31 or 2026-01-31T09:00:00Z, "
                                           "optionally after a prefix such as ge"})
    parts = match.groupdict()
    zone = parts["zone"]
    try:
        tz = timezone.utc
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        year = int(parts["year"])
        if parts["month"] is None:
            return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
        month = int(parts["month"])
        if parts["day"] is None:
            start = datetime(year, month, 1, tzinfo=tz)
            end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
            return start, end
        day = datetime(year, month, int(parts["day"]), tzinfo=tz)
        if parts["hour"] is None:
            return day, day + timedelta(days=1)
        start = day.replace(hour=int(parts["hour"]), minute=int(parts["minute"]), second=int(parts["second"] or 0))
        return start, start + (timedelta(seconds=1) if parts["second"] else timedelta(minutes=1))
    except (ValueError, OverflowError):
        raise ValidationFailed({parameter: f"{parameter} is not a real date: {text[:40]}"}) from None


def date_clause(column, value: str, parameter: str):
    """An instant column against a date value with an R4 prefix (eq by default), as SQL."""
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    start, end = date_range(value[2:] if value[:2] in DATE_PREFIXES else value, parameter)
    if column is None:
        return None
    if prefix == "ap":
        spread = max(abs(datetime.now(timezone.utc) - start) * 0.1, timedelta(days=1))
        start, end = start - spread, end + spread
    return {
        "eq": and_(column >= start, column < end),
        "ap": and_(column >= start, column < end),
        "ne": or_(column < start, column >= end),
        "gt": column >= end,
        "sa": column >= end,
        "lt": column < start,
        "eb": column < start,
        "ge": column >= start,
        "le": column < end,
    }[prefix]
