"""Turning places people type into points, and measuring distances. The only user of geopy and the ZIP table."""
from __future__ import annotations

import csv
import math
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, Protocol, TypeVar

ZIP_PATTERN = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
# The city ends in a character that is neither a comma nor a space, so matching takes linear time.
CITY_STATE_PATTERN = re.compile(r"^\s*(?P<city>[^,]*[^,\s])\s*,\s*(?P<state>[A-Za-z]{2})\s*$")
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
    """Great-circle distance in miles between two points: geopy's great_circle formula and radius.

    Computed here rather than through great_circle(), whose Point objects cost more than the arithmetic:
    a results page measures every office of every result.
    """
    phi1, phi2, delta = math.radians(lat1), math.radians(lat2), math.radians(lng2 - lng1)
    sin1, cos1, sin2, cos2 = math.sin(phi1), math.cos(phi1), math.sin(phi2), math.cos(phi2)
    cos_delta = math.cos(delta)
    across = math.hypot(cos2 * math.sin(delta), cos1 * sin2 - sin1 * cos2 * cos_delta)
    return EARTH_RADIUS_MILES * math.atan2(across, sin1 * sin2 + cos1 * cos2 * cos_delta)


_DOTS_AND_SPACES = re.compile(r"[.\s]+")
_LEADING_SAINT = re.compile(r"^saint ")


def normalize_city(name: str) -> str:
    """A city name folded for matching: lower case, single spaces, 'saint' as 'st'."""
    folded = _DOTS_AND_SPACES.sub(" ", name.strip().lower())
    return _LEADING_SAINT.sub("st ", folded).strip()


# States and the other postal areas (military and freely associated) whose ZIP codes the ZIP table holds.
POSTAL_AREAS = tuple(sorted(US_STATES | {"AA", "AE", "AP", "FM", "MH", "PW"}))

# Place tables: compact CSV files generated beside their builder scripts (see seed_data/geo).
GEO_DIR = Path(__file__).resolve().parents[2] / "seed_data" / "geo"
ZIP_TABLE = GEO_DIR / "zip_centroids.csv"
ZIP_TABLE_COLUMNS = ("zip", "lat", "lng", "state", "city", "standard")

T = TypeVar("T")


def read_place_table(path: Path, columns: Sequence[str]) -> Iterator[list[str]]:
    """The rows of a place table, after checking that its header names the expected columns."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != tuple(columns):
            raise ValueError(f"{path}: expected the columns {','.join(columns)}, found {header}")
        yield from reader


class LazyIndex(Generic[T]):
    """An index built once per process, on first use, by a function (usually from a place table)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        """The index, building it first if this is the first use in the process."""
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    @property
    def loaded(self) -> bool:
        """Whether the index has been built in this process."""
        return self._value is not None


class ZipIndex:
    """ZIP centroids, city means and a grid of centroids for point-to-state lookups.

    Rows are held column-wise in arrays and referred to by row number, which keeps the index of
    about 42,000 ZIPs near 10 MB per process (bench/geocoding.py measures it).
    """

    def __init__(self, rows: Iterable[Sequence[str]]) -> None:
        self.lat = array("d")
        self.lng = array("d")
        self.state = array("B")  # index into self.states
        self.city = array("I")  # index into self.cities (names as shown)
        self.states: list[str] = []
        self.cities: list[str] = []
        self.row_of_zip = array("i", [-1]) * 100_000  # five-digit ZIP as a number -> row, or -1
        # City means, one slot per state and folded city name, labelled by the city and state of one row.
        self.city_slot: dict[str, dict[str, int]] = {}
        self.city_lat = array("d")
        self.city_lng = array("d")
        self.city_row = array("I")
        # A one-degree grid: (floor lat, floor lng) -> rows whose centroid lies in that cell.
        self.grid: dict[tuple[int, int], array] = {}

        state_ids: dict[str, int] = {}
        city_ids: dict[str, int] = {}
        folded: dict[str, str] = {}
        counts = array("I")
        standard_only = array("b")  # whether a slot's sums are over standard ZIPs only
        lats, lngs, city_lats, city_lngs, city_rows, grid = (
            self.lat, self.lng, self.city_lat, self.city_lng, self.city_row, self.grid
        )
        for row, (code, lat_text, lng_text, state, city, standard_flag) in enumerate(rows):
            lat, lng = float(lat_text), float(lng_text)
            lats.append(lat)
            lngs.append(lng)
            state_id = state_ids.get(state)
            if state_id is None:
                state_id = state_ids[state] = len(self.states)
                self.states.append(state)
                self.city_slot[state] = {}
            self.state.append(state_id)
            city_id = city_ids.get(city)
            if city_id is None:
                city_id = city_ids[city] = len(self.cities)
                self.cities.append(city.title())
                folded[city] = normalize_city(city)
            self.city.append(city_id)
            self.row_of_zip[int(code)] = row

            # A city's mean is over its standard ZIPs; over all of its ZIPs while none is standard.
            # Sums run in row order so each mean is exactly the plain running sum over count.
            state_cities, name, standard = self.city_slot[state], folded[city], standard_flag == "1"
            slot = state_cities.get(name)
            if slot is None:
                state_cities[name] = len(city_lats)
                city_lats.append(lat)
                city_lngs.append(lng)
                city_rows.append(row)
                counts.append(1)
                standard_only.append(standard)
            elif standard and not standard_only[slot]:
                city_lats[slot], city_lngs[slot], city_rows[slot] = lat, lng, row
                counts[slot], standard_only[slot] = 1, True
            elif standard == standard_only[slot]:
                city_lats[slot] += lat
                city_lngs[slot] += lng
                counts[slot] += 1

            cell = (int(lat // 1), int(lng // 1))
            members = grid.get(cell)
            if members is None:
                members = grid[cell] = array("I")
            members.append(row)
        for slot, count in enumerate(counts):
            city_lats[slot] /= count
            city_lngs[slot] /= count

    @classmethod
    def from_table(cls, path: Path = ZIP_TABLE) -> ZipIndex:
        """The index of a ZIP table file (seed_data/geo/zip_centroids.csv by default)."""
        return cls(read_place_table(path, ZIP_TABLE_COLUMNS))

    def __len__(self) -> int:
        """The number of ZIP codes."""
        return len(self.lat)

    def zip_place(self, code: str) -> Place | None:
        """The centroid of a five-digit ZIP code."""
        if len(code) != 5 or not code.isascii() or not code.isdigit():
            return None
        row = self.row_of_zip[int(code)]
        if row < 0:
            return None
        state = self.states[self.state[row]]
        return Place(self.lat[row], self.lng[row], f"{self.cities[self.city[row]]}, {state} {code}", state, code)

    def city_place(self, city: str, state: str) -> Place | None:
        """The mean of a city's ZIP centroids."""
        slot = self.city_slot.get(state, {}).get(normalize_city(city))
        if slot is None:
            return None
        row = self.city_row[slot]
        label = f"{self.cities[self.city[row]]}, {self.states[self.state[row]]}"
        return Place(self.city_lat[slot], self.city_lng[slot], label, state, None)

    def nearest_state(self, lat: float, lng: float) -> str | None:
        """The state of the ZIP centroid nearest to the point, searching nearby grid cells."""
        if not (math.isfinite(lat) and math.isfinite(lng)):
            return None
        cell_lat, cell_lng = int(lat // 1), int(lng // 1)
        lats, lngs = self.lat, self.lng
        best_distance, best_row = float("inf"), -1
        for d_lat in (-1, 0, 1):
            for d_lng in (-1, 0, 1):
                for row in self.grid.get((cell_lat + d_lat, cell_lng + d_lng), ()):
                    d = (lats[row] - lat) ** 2 + (lngs[row] - lng) ** 2
                    if d < best_distance:
                        best_distance, best_row = d, row
        return None if best_row < 0 else self.states[self.state[best_row]]


# The process-wide ZIP index: read from the ZIP table on first use, never at import or app creation.
zip_index: LazyIndex[ZipIndex] = LazyIndex(ZipIndex.from_table)


class OfflineGeocoder:
    """ZIP codes to their centroid and "City, ST" to the mean of the city's ZIP centroids."""

    def locate(self, text: str) -> Place | None:
        """Return the place for a ZIP or "City, ST", or None."""
        text = (text or "").strip()
        if not text:
            return None
        zip_match = ZIP_PATTERN.match(text)
        if zip_match:
            return zip_index().zip_place(zip_match.group(1))
        city_match = CITY_STATE_PATTERN.match(text)
        if city_match:
            return zip_index().city_place(city_match.group("city"), city_match.group("state").upper())
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
