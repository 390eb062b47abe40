"""Reading HSDS query parameters; a bad one raises ValidationFailed naming it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..services.errors import ValidationFailed
from ..services.geocoding import Geocoder
from ..services.interop import Near
from .records import parse_hsds_id

METERS_PER_MILE = 1609.344
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_SEARCH = 200
ZIP_PATTERN = re.compile(r"^\d{5}(-\d{4})?$")


@dataclass(frozen=True)
class HsdsParams:
    """A validated list request."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: str = ""
    organization_id: int | None = None
    postcode: str = ""
    near: Near | None = None

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
    raw = _single(args, name)
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise ValidationFailed({name: f"{name} must be a whole number from 1 to {high}"})
    return int(raw)


def parse_params(args, allowed: frozenset[str], geocoder: Geocoder, max_miles: float = 100) -> HsdsParams:
    """Validate the query string of an HSDS list endpoint against the parameters it takes."""
    for name in args.keys():
        if name not in allowed:
            raise ValidationFailed({name: f"unknown parameter {name}"})
    fmt = _single(args, "format")
    if fmt and fmt != "json":
        raise ValidationFailed({"format": "format must be json"})
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
