"""Reading a FHIR search's query into criteria and result controls, by R4's rules.

Each occurrence of a parameter is one criterion, and criteria are ANDed; the comma-separated
values of one occurrence are ORed (a comma inside a value is written `\\,`). A name may carry a
modifier (`name:exact`) and a chain (`location.address-city`, `organization:Organization.name`).
Parameters the server does not know are set aside, to be reported or refused by the caller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..services.errors import ValidationFailed

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 100_000
SUMMARY_VALUES = frozenset({"true", "false", "count", "data", "text"})
TOTAL_VALUES = frozenset({"none", "estimate", "accurate"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
# Result parameters this server reads itself; everything else starting with "_" is a criterion or unknown.
CONTROLS = frozenset({"_count", "_offset", "_include", "_revinclude", "_summary", "_elements", "_total", "_format"})
# General parameters a client may send that change nothing in a JSON answer of this server.
HARMLESS = frozenset({"_pretty"})
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_NAME_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}(:[A-Za-z][A-Za-z0-9_-]{0,63})?$")


@dataclass(frozen=True)
class Criterion:
    """One occurrence of a search parameter: its alternatives, modifier and chained criterion."""

    name: str
    modifier: str = ""
    values: tuple[str, ...] = ()
    chain: Criterion | None = None

    @property
    def label(self) -> str:
        """The parameter as the client wrote its name, for messages."""
        text = f"{self.name}:{self.modifier}" if self.modifier else self.name
        return f"{text}.{self.chain.label}" if self.chain else text


@dataclass
class SearchQuery:
    """A search's criteria, its result controls, and the parameters left aside."""

    criteria: list[Criterion] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    count_only: bool = False
    includes: list[str] = field(default_factory=list)
    revincludes: list[str] = field(default_factory=list)
    elements: tuple[str, ...] = ()
    with_total: bool = True
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (parameter, why)
    kept: list[tuple[str, str]] = field(default_factory=list)  # the parameters acted on, for paging links


def split_values(raw: str) -> tuple[str, ...]:
    """The alternatives of one parameter value, split on unescaped commas."""
    return tuple(part.replace("\\,", ",").strip() for part in _UNESCAPED_COMMA.split(raw) if part.strip())


def parse_name(key: str, values: tuple[str, ...]) -> Criterion | None:
    """A criterion from a parameter name with its modifier and chain, or None when the name is malformed."""
    parts = key.split(".")
    if not all(_NAME_PART.match(part) for part in parts):
        return None
    criterion = None
    for part in reversed(parts):
        name, _, modifier = part.partition(":")
        criterion = Criterion(name, modifier, values if criterion is None else (), criterion)
    return criterion


def _whole_number(name: str, raw: str, high: int) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed({name: f"{name} must be a whole number from 0 to {high}"})
    return int(raw)


def read_query(pairs: list[tuple[str, str]]) -> SearchQuery:
    """The search a list of (name, value) pairs asks for; ValidationFailed names a control given a bad value."""
    query = SearchQuery()
    for key, raw in pairs:
        value = raw.strip()
        if key in HARMLESS or value == "":
            # An empty parameter says nothing (R4 leaves it to the server), like one not given.
            continue
        if key in CONTROLS:
            _read_control(query, key, value)
            query.kept.append((key, raw))
        else:
            criterion = parse_name(key, split_values(value))
            if criterion is None:
                query.ignored.append((key[:80], "is not a search parameter name"))
            elif criterion.values or criterion.chain:
                query.criteria.append(criterion)
                query.kept.append((key, raw))
    return query


def _read_control(query: SearchQuery, key: str, value: str) -> None:
    if key == "_count":
        requested = _whole_number(key, value, MAX_COUNT)
        if requested == 0:
            query.count_only = True
        elif requested > MAX_COUNT:
            query.count = MAX_COUNT
            query.ignored.append(("_count", f"was {requested}: pages hold at most {MAX_COUNT} results"))
        else:
            query.count = requested
    elif key == "_offset":
        query.offset = min(_whole_number(key, value, MAX_OFFSET), MAX_OFFSET)
    elif key == "_include":
        query.includes.append(value)
    elif key == "_revinclude":
        query.revincludes.append(value)
    elif key == "_summary":
        if value not in SUMMARY_VALUES:
            raise ValidationFailed({key: "_summary must be true, false, count, data or text"})
        if value == "count":
            query.count_only = True
        elif value in ("true", "text"):
            query.ignored.append((key, f"_summary={value} is not supported; whole resources are returned"))
    elif key == "_elements":
        query.elements = split_values(value)
    elif key == "_total":
        if value not in TOTAL_VALUES:
            raise ValidationFailed({key: "_total must be none, estimate or accurate"})
        query.with_total = value != "none"
    elif key == "_format" and value not in JSON_FORMATS:
        raise ValidationFailed({key: "_format must be json"})
