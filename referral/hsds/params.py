"""Reading HSDS query parameters; a bad one raises ValidationFailed naming it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..services.errors import ValidationFailed
from ..services.geocoding import Geocoder
from ..services.interop import Near
from .ids import parse_hsds_id
from .taxonomies import Taxonomy, parse_term_id, taxonomy_by_id

METERS_PER_MILE = 1609.344
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_MOMENT = 64
MOMENT_PATTERN = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)$", re.ASCII)
MAX_PAGE = 100_000
MAX_SEARCH = 200
ZIP_PATTERN = re.compile(r"^\d{5}(-\d{4})?$")


@dataclass(frozen=True)
class HsdsParams:
    """A validated request: paging, filters and the shape of the answer."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: str = ""
    organization_id: int | None = None
    postcode: str = ""
    near: Near | None = None
    taxonomy_term: tuple[Taxonomy, int] | None = None
    taxonomy: Taxonomy | None = None
    parent_term: tuple[Taxonomy, int] | None = None
    top_only: bool = False
    modified_after: datetime | None = None
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    ndjson: bool = False

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.per_page


def _single(args, name: str) -> str:
    values = args.getlist(name)
    if len(values) > 1:
        raise ValidationFailed({name: f"give {name} once"})
    return values[0].strip() if values else ""


def _whole(args, name: str, high: int, default: int) -> int:
    if name not in args:
        return default
    raw = _single(args, name)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not 1 <= int(raw) <= high:
        raise ValidationFailed({name: f"{name} must be a whole number from 1 to {high}"})
    return int(raw)


def _flag(args, name: str) -> bool:
    if name not in args:
        return False
    raw = _single(args, name).lower()
    if raw not in ("true", "false"):
        raise ValidationFailed({name: f"{name} must be true or false"})
    return raw == "true"


def _term(args, name: str) -> tuple[Taxonomy, int] | None:
    raw = _single(args, name)
    if not raw:
        return None
    found = parse_term_id(raw)
    if found is None:
        raise ValidationFailed({name: f"{name} must be the id of a taxonomy term from this API"})
    return found


def _taxonomy(args, name: str) -> Taxonomy | None:
    raw = _single(args, name)
    if not raw:
        return None
    found = taxonomy_by_id(raw)
    if found is None:
        raise ValidationFailed({name: f"{name} must be the id of a taxonomy from this API"})
    return found


def _moment(args, name: str) -> datetime | None:
    """An RFC 3339 date-time as a UTC datetime; one beyond what datetime holds once in UTC is its bound."""
    if name not in args:
        return None
    raw = _single(args, name)
    match = MOMENT_PATTERN.match(raw) if len(raw) <= MAX_MOMENT else None
    try:
        if match is None:
            raise ValueError(raw)
        year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
        fraction = (match.group(7) or ".")[1:7].ljust(6, "0")
        # A leap second (:60) counts as the last second of its minute.
        local = datetime(year, month, day, hour, minute, min(second, 59), int(fraction))
        offset = timedelta()
        if match.group(8).upper() != "Z":
            sign = -1 if match.group(8)[0] == "-" else 1
            hours, minutes, *seconds = (int(part) for part in match.group(8)[1:].split(":"))
            if hours > 23 or minutes > 59 or any(part > 59 for part in seconds):
                raise ValueError(raw)
            offset = sign * timedelta(hours=hours, minutes=minutes, seconds=sum(seconds))
    except ValueError:
        raise ValidationFailed({name: f"{name} must be an RFC 3339 date and time, such as 2024-05-16T09:30:00Z"}) from None
    try:
        return (local - offset).replace(tzinfo=timezone.utc)
    except OverflowError:
        return (datetime.max if offset < timedelta() else datetime.min).replace(tzinfo=timezone.utc)


def parse_params(args, allowed: frozenset[str], geocoder: Geocoder, max_miles: float = 100) -> HsdsParams:
    """Validate the query string of an HSDS endpoint against the parameters it takes."""
    for name in args.keys():
        if name not in allowed:
            raise ValidationFailed({name: f"unknown parameter {name}"})
    fmt = _single(args, "format")
    if fmt not in ("", "json", "ndjson") or (fmt == "ndjson" and "page" not in allowed):
        raise ValidationFailed({"format": "format must be json, or ndjson for a list" if "page" in allowed else "format must be json"})
    ndjson = fmt == "ndjson"  # every result, without pages: page and per_page are checked but do not apply
    search = _single(args, "search")
    if len(search) > MAX_SEARCH:
        raise ValidationFailed({"search": f"search must be at most {MAX_SEARCH} characters"})
    organization_id = None
    raw_org = _single(args, "organization_id")
    if raw_org:
        organization_id = parse_hsds_id("organization", raw_org)
        if organization_id is None:
            raise ValidationFailed({"organization_id": "organization_id must be an organization id from this API"})
    postcode, near = _place(args, geocoder, max_miles)
    return HsdsParams(
        page=_whole(args, "page", MAX_PAGE, 1), per_page=_whole(args, "per_page", MAX_PER_PAGE, DEFAULT_PER_PAGE),
        search=search, organization_id=organization_id, postcode=postcode, near=near,
        taxonomy_term=_term(args, "taxonomy_term_id"), taxonomy=_taxonomy(args, "taxonomy_id"),
        parent_term=_term(args, "parent_id"), top_only=_flag(args, "top_only"),
        modified_after=_moment(args, "modified_after"), minimal=_flag(args, "minimal"), full=_flag(args, "full"),
        full_service=_flag(args, "full_service"), ndjson=ndjson,
    )


def _place(args, geocoder: Geocoder, max_miles: float) -> tuple[str, Near | None]:
    postcode = _single(args, "postcode")
    proximity = _single(args, "proximity")
    if postcode and not ZIP_PATTERN.match(postcode):
        raise ValidationFailed({"postcode": "postcode must be a 5-digit US ZIP code"})
    if not proximity:
        return postcode[:5], None
    if not postcode:
        raise ValidationFailed({"proximity": "proximity needs a postcode to measure from"})
    try:
        meters = float(proximity)
    except ValueError:
        meters = math.nan
    max_meters = round(max_miles * METERS_PER_MILE)
    if not math.isfinite(meters) or not 0 < meters <= max_meters:
        raise ValidationFailed({"proximity": f"proximity must be a number of meters from 1 to {max_meters}"})
    place = geocoder.locate(postcode[:5])
    if place is None:
        raise ValidationFailed({"postcode": f"unknown postcode {postcode[:5]}"})
    return "", Near(place.lat, place.lng, meters / METERS_PER_MILE)
