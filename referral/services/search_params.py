"""Reading search parameters (from a page's query string or the API) into validated criteria.

The filters come from the registry of listing attributes (services/attributes.py); place, radius,
keyword, state, sort and paging are the search's own parameters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

from werkzeug.datastructures import MultiDict

from ..i18n import gettext as _
from .attributes import ANY_OF, AT_MOST, AVAILABILITY, HOURS, SEARCHABLE, SORTS, YES_NO, Attribute
from .errors import ValidationFailed
from .geocoding import US_STATES, Geocoder, Place
from .places import PlaceChoice, find_place, place_error
from .reference import ids_for_slugs

SEARCH_OWN_PARAMETERS = ("near", "lat", "lng", "radius", "q", "state", "sort", "page", "per_page")
KNOWN_PARAMETERS = frozenset(SEARCH_OWN_PARAMETERS + tuple(a.search_parameter for a in SEARCHABLE))
SORT_VALUES = tuple(choice.value for choice in SORTS)
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}
MAX_QUERY_LENGTH = 200
MAX_LIST_VALUES = 50


class SearchRefused(ValidationFailed):
    """A search refused; when its place named no single place, `place_choices` holds the likeliest ones."""

    def __init__(self, errors: dict[str, str], place_choices: tuple[PlaceChoice, ...] = ()):
        super().__init__(errors)
        self.place_choices = place_choices


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
    """A validated search: where, how far, which filters, in which order, which page.

    `filters` holds each attribute filter asked for, by attribute name: a tuple of ids for a reference
    list, a tuple of values for a fixed list, True / False for yes-or-no, a number for at-most.
    `values` holds what the visitor asked for list filters (slugs, values), for links and labels.
    """

    place: Place | None = None
    radius: float = 25
    filters: dict[str, object] = field(default_factory=dict)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    q: str = ""
    state: str | None = None
    sort: str = "best"
    page: int = 1
    per_page: int = 20

    @property
    def has_location(self) -> bool:
        """Whether results are measured from a point."""
        return self.place is not None

    @property
    def telehealth(self) -> bool | None:
        """The telehealth filter: with a place, licensed telehealth clinicians farther away match too."""
        return self.filters.get("telehealth")

    @property
    def telehealth_state(self) -> str | None:
        """The state whose licensed telehealth providers match whatever the distance."""
        return self.state or (self.place.state if self.place else None)

    def with_page(self, page: int) -> "SearchCriteria":
        """The same search on another page."""
        return replace(self, page=page)

    def with_filters(self, **filters) -> "SearchCriteria":
        """The same search with some attribute filters set (None removes one)."""
        kept = {**self.filters, **filters}
        return replace(self, filters={name: value for name, value in kept.items() if value is not None})


def given(args) -> MultiDict:
    """The parameters that carry a value, trimmed: an empty or blank value is the same as no parameter."""
    if hasattr(args, "getlist"):
        pairs = args.items(multi=True)
    else:
        pairs = ((name, value) for name, raw in args.items()
                 for value in (raw if isinstance(raw, (list, tuple)) else [raw]))
    return MultiDict((name, str(value).strip()) for name, value in pairs
                     if value is not None and str(value).strip() != "")


def _single(args, name: str) -> str:
    values = args.getlist(name)
    return values[-1] if values else ""


def _parse_bool(args, name: str, errors: dict, label: str) -> bool | None:
    raw = _single(args, name).lower()
    if raw == "" or raw == "any":
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    errors[name] = _("“%(label)s” must be yes or no (true or false)", label=label)
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
        errors[name] = _("%(label)s must be a whole number", label=label)
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        if high is not None:
            errors[name] = _("%(label)s must be between %(low)s and %(high)s", label=label, low=low, high=high)
        else:
            errors[name] = _("%(label)s must be at least %(low)s", label=label, low=low)
        return default
    return value


def _parse_location(args, geocoder: Geocoder, errors: dict, choices: list[PlaceChoice]) -> Place | None:
    lat_raw, lng_raw = _single(args, "lat"), _single(args, "lng")
    if lat_raw or lng_raw:
        lat, lng = _parse_float(lat_raw), _parse_float(lng_raw)
        if lat is None or not -90 <= lat <= 90:
            errors["lat"] = _("lat must be a number between -90 and 90")
        if lng is None or not -180 <= lng <= 180:
            errors["lng"] = _("lng must be a number between -180 and 180")
        if "lat" in errors or "lng" in errors:
            return None
        return Place(lat, lng, _("your location"), geocoder.state_at(lat, lng), None)
    near = _single(args, "near")
    if not near:
        return None
    if len(near) > MAX_QUERY_LENGTH:
        errors["near"] = _("near is too long")
        return None
    found = find_place(near, geocoder)
    if found.place is None:
        errors["near"] = place_error(near, found)
        choices.extend(found.choices)
    return found.place


def _parse_list(args, attribute: Attribute, errors: dict) -> tuple[tuple[str, ...], tuple] | None:
    """(values asked, what the SQL filters by) for a list attribute, or None when absent or wrong."""
    name = attribute.search_parameter
    given = args.getlist(name)
    wanted = list(dict.fromkeys(v.lower() for v in given))
    if not wanted:
        return None
    if len(given) > MAX_LIST_VALUES:  # counted as sent, repeats included, as the OpenAPI document's maxItems counts
        errors[name] = _("Choose at most %(most)s values for “%(filter)s”", most=MAX_LIST_VALUES,
                         filter=attribute.plural)
        return None
    if attribute.reference is not None:
        found, unknown = ids_for_slugs(attribute.reference, wanted)
    else:
        known = {choice.value for choice in attribute.choices}
        found, unknown = {v: v for v in wanted if v in known}, [v for v in wanted if v not in known]
    if unknown:
        errors[name] = _("Not a choice for “%(filter)s”: %(values)s", filter=attribute.plural,
                         values=", ".join(unknown))
        return None
    return tuple(wanted), tuple(found[value] for value in wanted)


def _parse_filters(args, errors: dict) -> tuple[dict, dict]:
    filters: dict[str, object] = {}
    values: dict[str, tuple[str, ...]] = {}
    for attribute in SEARCHABLE:
        name = attribute.search_parameter
        if attribute.filter in (ANY_OF, HOURS):
            parsed = _parse_list(args, attribute, errors)
            if parsed is not None:
                values[attribute.name], filters[attribute.name] = parsed
        elif attribute.filter in (YES_NO, AVAILABILITY):
            flag = _parse_bool(args, name, errors, attribute.question)
            if flag is not None:
                filters[attribute.name] = flag
        elif attribute.filter == AT_MOST:
            amount = _parse_int(args, name, errors, low=0, high=100000, default=None,
                                label=_("“%(question)s”", question=attribute.question))
            if amount is not None:
                filters[attribute.name] = amount
    return filters, values


def parse_search(args, geocoder: Geocoder, limits: SearchLimits = SearchLimits(), *, strict: bool = False) -> SearchCriteria:
    """Validate search parameters; raise SearchRefused (a ValidationFailed) naming each bad parameter."""
    errors: dict[str, str] = {}
    if strict:
        keys = args.keys() if hasattr(args, "keys") else []
        for name in keys:
            if name not in KNOWN_PARAMETERS:
                errors[name] = _("unknown parameter %(name)s", name=name)
    args = given(args)

    place_choices: list[PlaceChoice] = []
    place = _parse_location(args, geocoder, errors, place_choices)

    radius = limits.default_radius
    radius_raw = _single(args, "radius")
    if radius_raw:
        value = _parse_float(radius_raw)
        if value is None:
            errors["radius"] = _("The distance must be a number of miles")
        elif not 1 <= value <= limits.max_radius:
            errors["radius"] = _("The distance must be between 1 and %(most)s miles", most=f"{limits.max_radius:g}")
        else:
            radius = value

    filters, values = _parse_filters(args, errors)

    q = _single(args, "q")
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = _("The keyword must be at most %(most)s characters", most=MAX_QUERY_LENGTH)
        q = ""

    state = _single(args, "state").upper() or None
    if state is not None and state not in US_STATES:
        errors["state"] = _("The state must be a two-letter US state code")
        state = None

    sort = _single(args, "sort").lower() or "best"
    if sort not in SORT_VALUES:
        errors["sort"] = _("Sort by one of: %(values)s", values=", ".join(SORT_VALUES))
        sort = "best"
    elif sort == "distance" and place is None and not errors.get("near"):
        errors["sort"] = _("Sorting by distance needs a place: enter a ZIP code or a city")

    page = _parse_int(args, "page", errors, low=1, high=100000, default=1, label=_("The page"))
    per_page = _parse_int(
        args, "per_page", errors, low=1, high=limits.max_per_page, default=limits.default_per_page,
        label=_("Results per page"),
    )
    if errors:
        raise SearchRefused(errors, tuple(place_choices))
    return SearchCriteria(place=place, radius=radius, filters=filters, values=values, q=q, state=state, sort=sort,
                          page=page, per_page=per_page)
