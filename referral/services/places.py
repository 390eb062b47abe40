"""Places as people type them: other spellings, short names and typos, resolved to one place or to choices.

The geocoder answers ZIP codes and "City, ST". This module also reads "City ST", "City, State name",
"City, ST ZIP" and short names such as "NYC"; when the text names no single place it suggests the
likeliest ones from the GeoNames place table (seed_data/geo/places_geonames.csv), by how closely the
name matches, then by population.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from ..i18n import gettext as _
from .geocoding import GEO_DIR, US_STATES, Geocoder, LazyIndex, Place, normalize_city, read_place_table

PLACE_TABLE = GEO_DIR / "places_geonames.csv"
PLACE_TABLE_COLUMNS = ("name", "state", "lat", "lng", "population")
MAX_PLACE_TEXT = 200
MAX_CHOICES = 8
# The least rapidfuzz ratio (0-100) of two folded names for a suggestion: "bosie" against "boise" is 80.
MIN_SCORE = 75

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
# Short names people type for large places, folded (lower case, no dots), each to the "City, ST" it means.
SHORT_NAMES = {
    "nyc": "New York, NY", "new york city": "New York, NY", "la": "Los Angeles, CA", "dc": "Washington, DC",
    "sf": "San Francisco, CA", "philly": "Philadelphia, PA", "nola": "New Orleans, LA", "vegas": "Las Vegas, NV",
    "atl": "Atlanta, GA", "slc": "Salt Lake City, UT", "okc": "Oklahoma City, OK", "kc": "Kansas City, MO",
    "stl": "St. Louis, MO", "chi-town": "Chicago, IL", "nashvegas": "Nashville, TN", "motown": "Detroit, MI",
}

_TRAILING_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$", re.ASCII)
_APOSTROPHES = re.compile(r"['’‘ʻ`]")


def fold(name: str) -> str:
    """A place name folded for matching: no accents or apostrophes, hyphens as spaces, then normalize_city."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return normalize_city(_APOSTROPHES.sub("", plain).replace("-", " "))


_STATE_BY_NAME = {fold(name): code for code, name in STATE_NAMES.items()} | {"washington dc": "DC"}


@dataclass(frozen=True)
class PlaceChoice:
    """A place to offer: the `near` value that finds it and the label people read."""

    near: str
    label: str


@dataclass(frozen=True)
class PlaceLookup:
    """What a typed place came to: one place, or none and the likeliest choices (exact names when ambiguous)."""

    place: Place | None
    choices: tuple[PlaceChoice, ...] = ()
    ambiguous: bool = False


@dataclass(frozen=True)
class Reading:
    """One way to read the text: a city name, and the state and ZIP when given.

    `guess` marks a reading that may only suggest places: its state was written but is no state.
    """

    city: str
    state: str | None = None
    zip: str | None = None
    guess: bool = False


class PlaceIndex:
    """The GeoNames places, by folded name within each state and nationwide."""

    def __init__(self, rows: Iterable[Sequence[str]]) -> None:
        self.names: list[str] = []
        self.states: list[str] = []
        self.lat = array("d")
        self.lng = array("d")
        self.population = array("I")
        self.in_state: dict[str, dict[str, int]] = {}  # state -> folded name -> row
        self.nationwide: dict[str, list[int]] = {}  # folded name -> rows
        for row, (name, state, lat, lng, population) in enumerate(rows):
            self.names.append(name)
            self.states.append(state)
            self.lat.append(float(lat))
            self.lng.append(float(lng))
            self.population.append(int(population))
            folded = fold(name)
            self.in_state.setdefault(state, {}).setdefault(folded, row)
            self.nationwide.setdefault(folded, []).append(row)
        self.state_choices = {state: list(names) for state, names in self.in_state.items()}
        self.all_choices = list(self.nationwide)

    @classmethod
    def from_table(cls, path: Path = PLACE_TABLE) -> PlaceIndex:
        """The index of a place table file (seed_data/geo/places_geonames.csv by default)."""
        return cls(read_place_table(path, PLACE_TABLE_COLUMNS))

    def __len__(self) -> int:
        """The number of places."""
        return len(self.names)

    def place(self, row: int) -> Place:
        """A place of the table as a Place labelled "City, ST"."""
        return Place(self.lat[row], self.lng[row], f"{self.names[row]}, {self.states[row]}", self.states[row], None)

    def choice(self, row: int) -> PlaceChoice:
        """A place of the table as a choice to offer."""
        name, state = self.names[row], self.states[row]
        return PlaceChoice(f"{name}, {state}", f"{name}, {STATE_NAMES[state]}")

    def rows_named(self, city: str, state: str | None) -> list[int]:
        """The places with exactly this (folded) name, in the state when one is given."""
        folded = fold(city)
        if state is not None:
            row = self.in_state.get(state, {}).get(folded)
            return [] if row is None else [row]
        return list(self.nationwide.get(folded, ()))

    def likeliest(self, city: str, state: str | None) -> list[tuple[float, int]]:
        """(score, row) of the places whose names come close: within the state if given (else nationwide)."""
        query = fold(city)
        if not query:
            return []
        if state is not None and state in self.in_state:
            pool = self.in_state[state]
            found = process.extract(query, self.state_choices[state], scorer=fuzz.ratio, score_cutoff=MIN_SCORE,
                                    limit=None)
            if found:
                return [(score, pool[name]) for name, score, _index in found]
        found = process.extract(query, self.all_choices, scorer=fuzz.ratio, score_cutoff=MIN_SCORE, limit=None)
        return [(score, row) for name, score, _index in found for row in self.nationwide[name]]


# The process-wide place index: read from the place table on first use, never at import or app creation.
place_index: LazyIndex[PlaceIndex] = LazyIndex(PlaceIndex.from_table)


def _state_code(text: str) -> str | None:
    code = text.replace(".", "").strip().upper()
    if len(code) == 2 and code in US_STATES:
        return code
    return _STATE_BY_NAME.get(fold(text))


def readings(text: str) -> list[Reading]:
    """The ways to read a typed place, likeliest first; empty when it cannot name a place."""
    tokens = text.replace(",", " , ").split()
    zip_code = None
    trailing_zip = _TRAILING_ZIP.match(tokens[-1]) if tokens else None
    if trailing_zip:
        zip_code = trailing_zip.group(1)
        tokens.pop()
        while tokens and tokens[-1] == ",":
            tokens.pop()
    commas = tokens.count(",")
    if commas > 1:
        return []
    if commas == 1:
        at = tokens.index(",")
        city, state_text = " ".join(tokens[:at]), " ".join(tokens[at + 1:])
        if not city:
            return []
        state = _state_code(state_text) if state_text else None
        return [Reading(city, state, zip_code, guess=bool(state_text) and state is None)]
    found = []
    for width in (3, 2, 1):  # a state written after the city: "Boise ID", "Boise Idaho", "Hope New Mexico"
        if len(tokens) > width:
            state = _state_code(" ".join(tokens[-width:]))
            if state is not None:
                found.append(Reading(" ".join(tokens[:-width]), state, zip_code))
                break
    if tokens or zip_code:
        found.append(Reading(" ".join(tokens), None, zip_code))
    return found


def _exact(reading: Reading, geocoder: Geocoder) -> Place | None:
    """The one place a reading names, preferring the geocoder's answer to the place table's point."""
    if reading.guess:
        return None
    if reading.zip:
        place = geocoder.locate(reading.zip)
        if place is not None and reading.state in (None, place.state):
            return place
    if not reading.city:
        return None
    if reading.state is not None:
        located = geocoder.locate(f"{reading.city}, {reading.state}")
        if located is not None:
            return located
    index = place_index()
    rows = index.rows_named(reading.city, reading.state)
    if len(rows) != 1:
        return None
    return geocoder.locate(f"{index.names[rows[0]]}, {index.states[rows[0]]}") or index.place(rows[0])


def find_place(text: str, geocoder: Geocoder) -> PlaceLookup:
    """The place a visitor typed, or none and the likeliest places to choose from."""
    text = " ".join((text or "").split())
    if not text or len(text) > MAX_PLACE_TEXT:
        return PlaceLookup(None)
    place = geocoder.locate(text)
    if place is None and (short := SHORT_NAMES.get(text.lower().replace(".", ""))):
        place = geocoder.locate(short)
    if place is not None:
        return PlaceLookup(place)
    ways = readings(text)
    for reading in ways:
        place = _exact(reading, geocoder)
        if place is not None:
            return PlaceLookup(place)
    index = place_index()
    best: dict[int, float] = {}
    for reading in ways:
        for score, row in index.likeliest(reading.city, reading.state):
            best[row] = max(score, best.get(row, 0))
    ranked = sorted(best, key=lambda row: (-best[row], -index.population[row], index.names[row], index.states[row]))
    chosen = ranked[:MAX_CHOICES]
    ambiguous = sum(1 for row in chosen if best[row] == 100) > 1
    return PlaceLookup(None, tuple(index.choice(row) for row in chosen), ambiguous)


def place_error(text: str, lookup: PlaceLookup) -> str:
    """What to tell a visitor whose place found no single place."""
    text = " ".join(text.split())
    if lookup.ambiguous:
        return _("There is more than one place called “%(place)s”. Choose one, or add the state, like “%(example)s”.",
                 place=text, example=lookup.choices[0].near)
    if lookup.choices:
        return _("We could not find “%(place)s”. Check the spelling, or choose one of the places suggested.",
                 place=text)
    return _("We could not find “%(place)s”. Enter a 5-digit ZIP code or a city and state, like “Boise, ID”.",
             place=text)
