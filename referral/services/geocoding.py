"""Turning places people type into points, and measuring distances. The only user of geopy and ZIP data."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from geopy.distance import great_circle

ZIP_PATTERN = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
CITY_STATE_PATTERN = re.compile(r"^\s*(?P<city>[^,]+?)\s*,\s*(?P<state>[A-Za-z]{2})\s*$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)
# Mean Earth radius used by geopy's great_circle, in miles; the SQL distance uses the same one.
EARTH_RADIUS_MILES = 6371.009 / 1.609344


@dataclass(frozen=True)
class Place:
    """A located place: a point, a label to show, and its state and ZIP where known."""

    lat: float
    lng: float
    label: str
    state: str | None = None
    zip: str | None = None


class Geocoder(Protocol):
    """Anything that turns text (a ZIP, "City, ST", an address) into a Place or None."""

    def locate(self, text: str) -> Place | None:
        """Return the place the text names, or None when it names none."""

    def state_at(self, lat: float, lng: float) -> str | None:
        """Return the US state a point lies in (nearest ZIP centroid), or None."""


def distance_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles between two points (geopy)."""
    return great_circle((lat1, lng1), (lat2, lng2)).miles


def normalize_city(name: str) -> str:
    """A city name folded for matching: lower case, single spaces, 'saint' as 'st'."""
    folded = re.sub(r"[.\s]+", " ", name.strip().lower())
    return re.sub(r"^saint ", "st ", folded).strip()


# States and the other postal areas whose ZIP codes the index reads, one area at a time.
POSTAL_AREAS = tuple(sorted(US_STATES | {"AA", "AE", "AP", "FM", "MH", "PW"}))


class _ZipIndex:
    """ZIP centroids and city means from the zipcodes package, built once per process.

    Rows are read one state at a time and kept as plain tuples: the package's own rows are large
    dicts, and holding all 42,000 at once would cost about 100 MB.
    """

    def __init__(self) -> None:
        import zipcodes  # imported here: loading its data is paid on first use

        # zip -> (lat, lng, state, city)
        self.by_zip: dict[str, tuple[float, float, str, str]] = {}
        sums: dict[tuple[str, str], list] = {}  # (city, state) -> [lat sum, lng sum, n, standard only?, label]
        for area in POSTAL_AREAS:
            for row in zipcodes.filter_by(state=area):
                try:
                    lat, lng = float(row["lat"]), float(row["long"])
                except (TypeError, ValueError):
                    continue
                if lat == 0 and lng == 0:
                    continue
                city = row["city"].title()
                self.by_zip[row["zip_code"]] = (lat, lng, area, city)
                key = (normalize_city(row["city"]), area)
                standard = row["zip_code_type"] == "STANDARD"
                entry = sums.get(key)
                if entry is None or (standard and not entry[3]):
                    sums[key] = [lat, lng, 1, standard, f"{city}, {area}"]
                elif standard == entry[3]:
                    entry[0] += lat
                    entry[1] += lng
                    entry[2] += 1
        # (city, state) -> (lat, lng, label): the mean of the city's standard ZIPs (all ZIPs if none is).
        self.by_city = {key: (e[0] / e[2], e[1] / e[2], e[4]) for key, e in sums.items()}
        # A one-degree grid of ZIP centroids for point-to-state lookups.
        self.grid: dict[tuple[int, int], list[tuple[float, float, str, str]]] = {}
        for point in self.by_zip.values():
            self.grid.setdefault((int(point[0] // 1), int(point[1] // 1)), []).append(point)

    def zip_place(self, code: str) -> Place | None:
        """The centroid of a ZIP code."""
        point = self.by_zip.get(code)
        if point is None:
            return None
        lat, lng, state, city = point
        return Place(lat, lng, f"{city}, {state} {code}", state, code)

    def city_place(self, city: str, state: str) -> Place | None:
        """The mean of a city's ZIP centroids."""
        found = self.by_city.get((normalize_city(city), state))
        return None if found is None else Place(found[0], found[1], found[2], state, None)

    def nearest_state(self, lat: float, lng: float) -> str | None:
        """The state of the ZIP centroid nearest to the point, searching nearby grid cells."""
        cell_lat, cell_lng = int(lat // 1), int(lng // 1)
        best: tuple[float, str | None] = (float("inf"), None)
        for d_lat in (-1, 0, 1):
            for d_lng in (-1, 0, 1):
                for point in self.grid.get((cell_lat + d_lat, cell_lng + d_lng), ()):
                    d = (point[0] - lat) ** 2 + (point[1] - lng) ** 2
                    if d < best[0]:
                        best = (d, point[2])
        return best[1]


_zip_index: _ZipIndex | None = None
_zip_index_lock = threading.Lock()


def zip_index() -> _ZipIndex:
    """The process-wide ZIP index, built on first use."""
    global _zip_index
    if _zip_index is None:
        with _zip_index_lock:
            if _zip_index is None:
                _zip_index = _ZipIndex()
    return _zip_index


class OfflineGeocoder:
    """ZIP codes to their centroid and "City, ST" to the mean of the city's ZIP centroids."""

    def locate(self, text: str) -> Place | None:
        """Return the place for a ZIP or "City, ST", or None."""
        text = (text or "").strip()
        if not text:
            return None
        index = zip_index()
        zip_match = ZIP_PATTERN.match(text)
        if zip_match:
            return index.zip_place(zip_match.group(1))
        city_match = CITY_STATE_PATTERN.match(text)
        if city_match:
            return index.city_place(city_match.group("city"), city_match.group("state").upper())
        return None

    def state_at(self, lat: float, lng: float) -> str | None:
        """Return the state of the nearest ZIP centroid."""
        return zip_index().nearest_state(lat, lng)


class NominatimGeocoder(OfflineGeocoder):
    """Street addresses through OpenStreetMap's Nominatim (rate-limited, cached); ZIPs stay offline."""

    def __init__(self, user_agent: str, min_delay_seconds: float = 1.0) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        service = Nominatim(user_agent=user_agent, timeout=5)
        self._geocode = RateLimiter(service.geocode, min_delay_seconds=min_delay_seconds, max_retries=1)
        self._cached = lru_cache(maxsize=4096)(self._lookup)

    def _lookup(self, text: str) -> Place | None:
        location = self._geocode(text, country_codes="us", addressdetails=True)
        if location is None:
            return None
        address = location.raw.get("address", {})
        state_code = address.get("ISO3166-2-lvl4", "")[-2:] or None
        return Place(location.latitude, location.longitude, location.address, state_code, address.get("postcode"))

    def locate(self, text: str) -> Place | None:
        """Return the place: offline for ZIPs and cities, Nominatim for anything else."""
        place = super().locate(text)
        if place is not None or not (text or "").strip():
            return place
        try:
            return self._cached(text.strip())
        except Exception:  # geopy.exc.GeopyError and network failures: treat as not found
            return None


def make_geocoder(config: dict) -> Geocoder:
    """The geocoder the configuration names (GEOCODER=offline|nominatim)."""
    if config.get("GEOCODER") == "nominatim":
        return NominatimGeocoder(config["NOMINATIM_USER_AGENT"], config["NOMINATIM_MIN_DELAY_SECONDS"])
    return OfflineGeocoder()
