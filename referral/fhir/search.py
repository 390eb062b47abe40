"""Reading FHIR search parameters into directory queries; a bad parameter raises ValidationFailed naming it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..services.errors import ValidationFailed
from ..services.geocoding import US_STATES
from ..services.interop import Near, OfficeQuery, ProviderQuery
from .resources import NPI_SYSTEM, NUCC_SYSTEM

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 100_000
MAX_TEXT = 100
MILES_PER_KM = 0.621371
FORMATS = {"json", "application/json", "application/fhir+json"}
INCLUDES = {"PractitionerRole:practitioner": "practitioner", "PractitionerRole:location": "location"}

COMMON_PARAMETERS = {"_count": "number", "_offset": "number", "_format": "string", "_id": "token"}
SEARCH_PARAMETERS = {
    "Practitioner": {"name": "string", "family": "string", "given": "string", "identifier": "token", **COMMON_PARAMETERS},
    "PractitionerRole": {
        "practitioner": "reference", "location": "reference", "specialty": "token", "_include": "special",
        **COMMON_PARAMETERS,
    },
    "Location": {
        "address-city": "string", "address-state": "string", "address-postalcode": "string", "near": "special",
        **COMMON_PARAMETERS,
    },
}
REPEATABLE = {"_include"}
ID_PATTERN = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class FhirSearch:
    """A validated search of one resource type."""

    resource_type: str
    query: ProviderQuery | OfficeQuery
    count: int = DEFAULT_COUNT
    offset: int = 0
    includes: frozenset[str] = frozenset()


def _fail(parameter: str, message: str):
    raise ValidationFailed({parameter: message})


def _single(args, name: str) -> str:
    values = args.getlist(name)
    if len(values) > 1 and name not in REPEATABLE:
        _fail(name, f"give {name} once; separate alternatives with commas")
    value = values[0].strip() if values else ""
    if len(value) > MAX_TEXT and name != "_include":
        _fail(name, f"{name} must be at most {MAX_TEXT} characters")
    return value


def _number(args, name: str, low: int, high: int, default: int) -> int:
    raw = _single(args, name)
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        _fail(name, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _alternatives(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_id(raw: str) -> int | None:
    """A resource id as an integer, or None when it cannot name one of ours."""
    return int(raw) if ID_PATTERN.match(raw or "") else None


def _ids(raw: str, name: str, prefix: str | None = None) -> tuple[int, ...] | None:
    if raw == "":
        return None
    ids = []
    for part in _alternatives(raw):
        value = part
        if prefix and "/" in part:
            kind, _, value = part.rpartition("/")
            if kind.rsplit("/", 1)[-1] != prefix:
                _fail(name, f"{name} must reference a {prefix}, like {prefix}/123")
        number = parse_id(value)
        if number is None:
            _fail(name, f"{name} must be an id (digits) or a reference like {prefix or 'Practitioner'}/123")
        ids.append(number)
    return tuple(ids)


def _tokens(raw: str, name: str, system: str) -> tuple[str, ...] | None:
    """Values of a token parameter in our system (system|code or bare code); other systems match nothing."""
    if raw == "":
        return None
    values = []
    for part in _alternatives(raw):
        if "|" in part:
            given_system, _, code = part.partition("|")
            if given_system and given_system != system:
                continue
        else:
            code = part
        if code:
            values.append(code.upper() if system == NUCC_SYSTEM else code)
    return tuple(values)


def _near(raw: str, default_miles: float, max_miles: float) -> Near | None:
    if raw == "":
        return None
    parts = raw.split("|")
    if len(parts) < 2 or len(parts) > 4:
        _fail("near", "near must be latitude|longitude|distance|units, like 40.79|-73.96|10|mi")
    numbers = []
    for part in parts[:3]:
        try:
            value = float(part) if part.strip() else None
        except ValueError:
            value = float("nan")
        if value is not None and not math.isfinite(value):
            _fail("near", "near must be latitude|longitude|distance|units with numbers, like 40.79|-73.96|10|mi")
        numbers.append(value)
    lat, lng = numbers[0], numbers[1]
    if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180:
        _fail("near", "near needs a latitude from -90 to 90 and a longitude from -180 to 180")
    units = parts[3].strip() if len(parts) == 4 else ""
    if units not in ("", "mi", "[mi_i]", "km"):
        _fail("near", "near distance units must be mi or km")
    distance = numbers[2] if len(numbers) > 2 else None
    if distance is None:
        miles = default_miles
    else:
        miles = distance * MILES_PER_KM if units in ("", "km") else distance
    if not 0 < miles <= max_miles:
        _fail("near", f"near distance must be more than 0 and at most {max_miles:g} miles")
    return Near(lat, lng, miles)


def parse_fhir_search(resource_type: str, args, *, default_miles: float = 25, max_miles: float = 100) -> FhirSearch:
    """Validate a search of Practitioner, PractitionerRole or Location; raise ValidationFailed naming the parameter."""
    known = SEARCH_PARAMETERS[resource_type]
    for name in args.keys():
        if name not in known:
            _fail(name, f"unknown search parameter {name} for {resource_type}")
    fmt = _single(args, "_format")
    if fmt and fmt not in FORMATS:
        _fail("_format", "_format must be json")
    count = _number(args, "_count", 1, MAX_COUNT, DEFAULT_COUNT)
    offset = _number(args, "_offset", 0, MAX_OFFSET, 0)
    ids = _ids(_single(args, "_id"), "_id")

    if resource_type == "Practitioner":
        query = ProviderQuery(
            ids=ids, name=_single(args, "name"), family=_single(args, "family"), given=_single(args, "given"),
            npis=_tokens(_single(args, "identifier"), "identifier", NPI_SYSTEM),
        )
        return FhirSearch(resource_type, query, count, offset)

    if resource_type == "PractitionerRole":
        practitioners = _ids(_single(args, "practitioner"), "practitioner", "Practitioner")
        if ids is not None and practitioners is not None:
            ids = tuple(set(ids) & set(practitioners))
        elif practitioners is not None:
            ids = practitioners
        includes = set()
        for value in args.getlist("_include"):
            value = value.strip()
            if value not in INCLUDES:
                _fail("_include", "_include must be PractitionerRole:practitioner or PractitionerRole:location")
            includes.add(INCLUDES[value])
        query = ProviderQuery(
            ids=ids, office_ids=_ids(_single(args, "location"), "location", "Location"),
            taxonomy_codes=_tokens(_single(args, "specialty"), "specialty", NUCC_SYSTEM),
        )
        return FhirSearch(resource_type, query, count, offset, frozenset(includes))

    state = _single(args, "address-state").upper()
    if state and state not in US_STATES:
        _fail("address-state", "address-state must be a two-letter US state code")
    query = OfficeQuery(
        ids=ids, city=_single(args, "address-city"), state=state, postcode=_single(args, "address-postalcode"),
        near=_near(_single(args, "near"), default_miles, max_miles),
    )
    return FhirSearch(resource_type, query, count, offset)
