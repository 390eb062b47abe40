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


class _ZipIndex:
    """ZIP centroids and city means from the zipcodes package, built once per process."""

    def __init__(self) -> None:
        import zipcodes  # imported here: loading its data costs ~0.4 s, paid on first use

        self.by_zip: dict[str, Place] = {}
        city_points: dict[tuple[str, str], list[tuple[float, float, bool]]] = {}
        city_labels: dict[tuple[str, str], str] = {}
        for row in zipcodes.list_all():
            try:
                lat, lng = float(row["lat"]), float(row["long"])
            except (TypeError, ValueError):
                continue
            if lat == 0 and lng == 0:
                continue
            state = row["state"]
            label = f"{row['city'].title()}, {state} {row['zip_code']}"
            self.by_zip[row["zip_code"]] = Place(lat, lng, label, state, row["zip_code"])
            key = (normalize_city(row["city"]), state)
            city_points.setdefault(key, []).append((lat, lng, row["zip_code_type"] == "STANDARD"))
            city_labels.setdefault(key, f"{row['city'].title()}, {state}")
        self.by_city: dict[tuple[str, str], Place] = {}
        for key, points in city_points.items():
            standard = [p for p in points if p[2]] or points
            lat = sum(p[0] for p in standard) / len(standard)
            lng = sum(p[1] for p in standard) / len(standard)
            self.by_city[key] = Place(lat, lng, city_labels[key], key[1], None)
        # A one-degree grid of ZIP centroids for point-to-state lookups.
        self.grid: dict[tuple[int, int], list[Place]] = {}
        for place in self.by_zip.values():
            self.grid.setdefault((int(place.lat // 1), int(place.lng // 1)), []).append(place)

    def nearest_state(self, lat: float, lng: float) -> str | None:
        """The state of the ZIP centroid nearest to the point, searching nearby grid cells."""
        cell_lat, cell_lng = int(lat // 1), int(lng // 1)
        best: tuple[float, str | None] = (float("inf"), None)
        for d_lat in (-1, 0, 1):
            for d_lng in (-1, 0, 1):
                for place in self.grid.get((cell_lat + d_lat, cell_lng + d_lng), ()):
                    d = (place.lat - lat) ** 2 + (place.lng - lng) ** 2
                    if d < best[0]:
                        best = (d, place.state)
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
            return index.by_zip.get(zip_match.group(1))
        city_match = CITY_STATE_PATTERN.match(text)
        if city_match:
            state = city_match.group("state").upper()
            return index.by_city.get((normalize_city(city_match.group("city")), state))
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
