"""Reading search parameters (from a page's query string or the API) into validated criteria."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from .errors import ValidationFailed
from .geocoding import US_STATES, Geocoder, Place
from .reference import FILTER_MODELS, ids_for_slugs

LIST_PARAMETERS = tuple(FILTER_MODELS)  # type, modality, frequency, condition, insurance, language, age_group
BOOLEAN_PARAMETERS = ("telehealth", "in_person", "accepting", "sliding_scale")
SCALAR_PARAMETERS = ("near", "lat", "lng", "radius", "max_fee", "q", "state", "page", "per_page")
KNOWN_PARAMETERS = frozenset(LIST_PARAMETERS + BOOLEAN_PARAMETERS + SCALAR_PARAMETERS)
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchLimits:
    """Bounds on search parameters, taken from configuration."""

    default_radius: float = 25
    max_radius: float = 100
    default_per_page: int = 20
    max_per_page: int = 100

    @classmethod
    def from_config(cls, config: Mapping) -> "SearchLimits":
        """Limits as the app's configuration sets them."""
        return cls(
            default_radius=config.get("SEARCH_DEFAULT_RADIUS_MILES", 25),
            max_radius=config.get("SEARCH_MAX_RADIUS_MILES", 100),
            default_per_page=config.get("SEARCH_DEFAULT_PER_PAGE", 20),
            max_per_page=config.get("SEARCH_MAX_PER_PAGE", 100),
        )


@dataclass(frozen=True)
class SearchCriteria:
    """A validated search: where, how far, which filters, which page."""

    place: Place | None = None
    radius: float = 25
    slugs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ids: dict[str, tuple[int, ...]] = field(default_factory=dict)
    telehealth: bool | None = None
    in_person: bool | None = None
    accepting: bool | None = None
    sliding_scale: bool | None = None
    max_fee: int | None = None
    q: str = ""
    state: str | None = None
    page: int = 1
    per_page: int = 20

    @property
    def has_location(self) -> bool:
        """Whether results are measured from a point."""
        return self.place is not None

    @property
    def telehealth_state(self) -> str | None:
        """The state whose licensed telehealth providers match whatever the distance."""
        return self.state or (self.place.state if self.place else None)

    def with_page(self, page: int) -> "SearchCriteria":
        """The same search on another page."""
        return replace(self, page=page)


def _values(args, name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        raw = args.get(name)
        values = list(raw) if isinstance(raw, (list, tuple)) else ([] if raw is None else [raw])
    return [str(v).strip() for v in values if str(v).strip() != ""]


def _single(args, name: str) -> str:
    values = _values(args, name)
    return values[-1] if values else ""


def _parse_bool(args, name: str, errors: dict) -> bool | None:
    raw = _single(args, name).lower()
    if raw == "" or raw == "any":
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    errors[name] = f"{name} must be true or false"
    return None


def _parse_float(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_int(args, name: str, errors: dict, *, low: int, high: int | None, default: int | None, label: str):
    raw = _single(args, name)
    if raw == "":
        return default
    if not raw.isdigit():
        errors[name] = f"{label} must be a whole number"
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        errors[name] = f"{label} must be between {low} and {high}" if high is not None else f"{label} must be at least {low}"
        return default
    return value


def _parse_location(args, geocoder: Geocoder, errors: dict) -> Place | None:
    lat_raw, lng_raw = _single(args, "lat"), _single(args, "lng")
    if lat_raw or lng_raw:
        lat, lng = _parse_float(lat_raw), _parse_float(lng_raw)
        if lat is None or not -90 <= lat <= 90:
            errors["lat"] = "lat must be a number between -90 and 90"
        if lng is None or not -180 <= lng <= 180:
            errors["lng"] = "lng must be a number between -180 and 180"
        if "lat" in errors or "lng" in errors:
            return None
        return Place(lat, lng, "your location", geocoder.state_at(lat, lng), None)
    near = _single(args, "near")
    if not near:
        return None
    if len(near) > MAX_QUERY_LENGTH:
        errors["near"] = "near is too long"
        return None
    place = geocoder.locate(near)
    if place is None:
        errors["near"] = f"We could not find “{near}”. Enter a 5-digit ZIP code or a city and state, like “Boise, ID”."
    return place


def parse_search(args, geocoder: Geocoder, limits: SearchLimits = SearchLimits(), *, strict: bool = False) -> SearchCriteria:
    """Validate search parameters; raise ValidationFailed naming each bad parameter."""
    errors: dict[str, str] = {}
    if strict:
        keys = args.keys() if hasattr(args, "keys") else []
        for name in keys:
            if name not in KNOWN_PARAMETERS:
                errors[name] = f"unknown parameter {name}"

    place = _parse_location(args, geocoder, errors)

    radius = limits.default_radius
    radius_raw = _single(args, "radius")
    if radius_raw:
        value = _parse_float(radius_raw)
        if value is None:
            errors["radius"] = "radius must be a number of miles"
        elif not 1 <= value <= limits.max_radius:
            errors["radius"] = f"radius must be between 1 and {limits.max_radius:g} miles"
        else:
            radius = value

    slugs: dict[str, tuple[str, ...]] = {}
    ids: dict[str, tuple[int, ...]] = {}
    for name in LIST_PARAMETERS:
        wanted = list(dict.fromkeys(v.lower() for v in _values(args, name)))
        if not wanted:
            continue
        found, unknown = ids_for_slugs(FILTER_MODELS[name], wanted)
        if unknown:
            errors[name] = f"unknown {name.replace('_', ' ')}: {', '.join(unknown)}"
            continue
        slugs[name] = tuple(wanted)
        ids[name] = tuple(found[slug] for slug in wanted)

    booleans = {name: _parse_bool(args, name, errors) for name in BOOLEAN_PARAMETERS}
    max_fee = _parse_int(args, "max_fee", errors, low=0, high=100000, default=None, label="max_fee")

    q = _single(args, "q")
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = f"q must be at most {MAX_QUERY_LENGTH} characters"
        q = ""

    state = _single(args, "state").upper() or None
    if state is not None and state not in US_STATES:
        errors["state"] = "state must be a two-letter US state code"
        state = None

    page = _parse_int(args, "page", errors, low=1, high=100000, default=1, label="page")
    per_page = _parse_int(
        args, "per_page", errors, low=1, high=limits.max_per_page, default=limits.default_per_page, label="per_page"
    )
    if errors:
        raise ValidationFailed(errors)
    return SearchCriteria(
        place=place, radius=radius, slugs=slugs, ids=ids, max_fee=max_fee, q=q, state=state,
        page=page, per_page=per_page, **booleans,
    )
