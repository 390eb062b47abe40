"""Maps drawn on the server as SVG: US state outlines shipped with the app, and numbered pins.

Nothing is fetched from elsewhere: the outlines are seed_data/geo/us_states.json (see its NOTICE.md),
projected equirectangularly (longitude scaled by the cosine of the middle latitude), which is close
enough to true shape at the scale of a search.
"""
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..i18n import gettext as _, ngettext


STATES_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "geo" / "us_states.json"
WIDTH = 400  # SVG user units; the page scales the drawing to its column
MILES_PER_DEGREE = 69.0
MIN_SPAN_MILES = 10.0  # so that a single pin sits in a recognisable place, not a blank square
PADDING = 0.12  # of the pins' span, on each side, so that edge pins are drawn whole
MIN_STEP = 1.0  # SVG units: finer detail than this cannot be seen at the drawing's size
PIN_GAP = 24.0  # SVG units between pin centres: a pin's diameter
MIN_ASPECT, MAX_ASPECT = 0.5, 1.0  # height / width: a line of pins still gets a readable strip


@dataclass(frozen=True)
class MapPoint:
    """Something to pin: where it is, its number in the list (None for an unnumbered mark), a label and a link."""

    lat: float
    lng: float
    number: int | None
    label: str
    href: str | None = None


@dataclass(frozen=True)
class Pin:
    """A point placed on the drawing."""

    x: float
    y: float
    number: int | None
    label: str
    href: str | None


@dataclass(frozen=True)
class MapView:
    """What the map template draws: its view box, the state outlines as path data, and the pins."""

    width: int
    height: int
    paths: list[str]
    pins: list[Pin]
    label: str = ""
    caption: str = ""

    @property
    def view_box(self) -> str:
        """The SVG viewBox attribute."""
        return f"0 0 {self.width} {self.height}"

    @property
    def numbered(self) -> list[Pin]:
        """The pins that stand for numbered results, in their order."""
        return [pin for pin in self.pins if pin.number is not None]


@cache
def state_rings() -> tuple[tuple[tuple[float, float, float, float], tuple[tuple[float, float], ...]], ...]:
    """Every state outline ring with its bounding box (west, south, east, north), read once per process."""
    states = json.loads(STATES_FILE.read_text())
    rings = []
    for state in states.values():
        for ring in state["rings"]:
            lngs = [point[0] for point in ring]
            lats = [point[1] for point in ring]
            rings.append(((min(lngs), min(lats), max(lngs), max(lats)), tuple((lng, lat) for lng, lat in ring)))
    return tuple(rings)


def _usable(point: MapPoint) -> bool:
    return (isinstance(point.lat, (int, float)) and isinstance(point.lng, (int, float))
            and -85 <= point.lat <= 85 and -180 <= point.lng <= 180)


def bounds(points: list[MapPoint]) -> tuple[float, float, float, float]:
    """The box to draw (west, south, east, north): the points padded, at least MIN_SPAN_MILES across, within the aspect limits."""
    west, east = min(p.lng for p in points), max(p.lng for p in points)
    south, north = min(p.lat for p in points), max(p.lat for p in points)
    cos_mid = max(math.cos(math.radians((south + north) / 2)), 0.2)
    # Spans in miles, so that padding and the minimum size are the same on the ground both ways.
    across = max((east - west) * MILES_PER_DEGREE * cos_mid * (1 + 2 * PADDING), MIN_SPAN_MILES)
    down = max((north - south) * MILES_PER_DEGREE * (1 + 2 * PADDING), MIN_SPAN_MILES)
    down = max(down, across * MIN_ASPECT)
    across = max(across, down / MAX_ASPECT)
    mid_lng, mid_lat = (west + east) / 2, (south + north) / 2
    half_lng = across / 2 / (MILES_PER_DEGREE * cos_mid)
    half_lat = down / 2 / MILES_PER_DEGREE
    return mid_lng - half_lng, mid_lat - half_lat, mid_lng + half_lng, mid_lat + half_lat


def _ring_path(ring, project) -> str:
    """Path data for one ring, leaving out points within MIN_STEP of the last one kept."""
    parts = []
    last = None
    for lng, lat in ring:
        x, y = project(lng, lat)
        if last is None or abs(x - last[0]) >= MIN_STEP or abs(y - last[1]) >= MIN_STEP:
            parts.append(f"{round(x, 1):g} {round(y, 1):g}")
            last = (x, y)
    return "M" + "L".join(parts) + "Z" if len(parts) >= 3 else ""


def build_map(points: list[MapPoint], label: str = "", caption: str = "") -> MapView | None:
    """The map for these points (with its accessible label and visible caption), or None when none has a usable position."""
    points = [point for point in points if _usable(point)]
    if not points:
        return None
    west, south, east, north = bounds(points)
    cos_mid = max(math.cos(math.radians((south + north) / 2)), 0.2)
    scale = WIDTH / ((east - west) * cos_mid)
    height = round((north - south) * scale)

    def project(lng: float, lat: float) -> tuple[float, float]:
        return (lng - west) * cos_mid * scale, (north - lat) * scale

    paths = []
    for (ring_west, ring_south, ring_east, ring_north), ring in state_rings():
        if ring_east < west or ring_west > east or ring_north < south or ring_south > north:
            continue  # wholly outside: the rest is cut to the drawing's edge by the SVG viewport
        path = _ring_path(ring, project)
        if path:
            paths.append(path)
    pins = []
    for point in points:
        x, y = project(point.lng, point.lat)
        if point.number is not None:
            x, y = _apart((x, y), [(pin.x, pin.y) for pin in pins if pin.number is not None], WIDTH, height)
        pins.append(Pin(round(x, 1), round(y, 1), point.number, point.label, point.href))
    return MapView(WIDTH, height, paths, pins, label, caption)


def _apart(at: tuple[float, float], placed: list[tuple[float, float]], width: float, height: float) -> tuple[float, float]:
    """Where to draw a pin so that it does not hide one already placed: on rings around its spot, within the drawing."""
    x, y = at
    for step in range(200):
        ring, slot = divmod(step, 8)
        angle = math.pi / 4 * slot + ring * 0.4
        cx = x + ring * PIN_GAP * math.cos(angle) if ring else x
        cy = y + ring * PIN_GAP * math.sin(angle) if ring else y
        inside = PIN_GAP / 2 <= cx <= width - PIN_GAP / 2 and PIN_GAP / 2 <= cy <= height - PIN_GAP / 2
        if (inside or not ring) and all((cx - px) ** 2 + (cy - py) ** 2 >= PIN_GAP ** 2 for px, py in placed):
            return cx, cy
    return x, y


def results_map(results, criteria) -> MapView | None:
    """A results page's map: each in-person result's nearest office, numbered as in the list, and the place searched."""
    if not results or not results.hits or criteria is None or criteria.place is None:
        return None
    first = (results.page - 1) * results.per_page + 1
    points = [MapPoint(hit.nearest_office.lat, hit.nearest_office.lng, number,
                       f"{hit.provider.name}, {hit.nearest_office.city}, {hit.nearest_office.state}", f"#provider-{hit.provider.id}")
              for number, hit in enumerate(results.hits, first)
              if hit.nearest_office is not None and not hit.via_telehealth]
    if not points:
        return None
    place = criteria.place
    label = ngettext("Map of %(num)d result near %(place)s", "Map of %(num)d results near %(place)s", len(points),
                     place=place.label)
    points.append(MapPoint(place.lat, place.lng, None, _("%(place)s, where you searched", place=place.label)))
    return build_map(points, label, _("Pins are numbered as in the list; the cross marks where you searched. "
                                      "State outlines from the US Census Bureau."))


def offices_map(provider, place=None) -> MapView | None:
    """A profile's map: the provider's offices, numbered in the order listed, and the place searched from when known."""
    points = [MapPoint(office.lat, office.lng, number, f"{office.address1 + ', ' if office.address1 else ''}{office.city}, {office.state}")
              for number, office in enumerate(provider.offices, 1) if office.lat is not None and office.lng is not None]
    if not points:
        return None
    several = len(provider.offices) > 1
    if several:
        # The count is of the offices drawn; English has always said "offices" here, even for one.
        label = ngettext("Map of %(num)d offices of %(name)s", "Map of %(num)d offices of %(name)s", len(points),
                         name=provider.name)
    else:
        label = _("Map of the office of %(name)s", name=provider.name)
    if place is not None:
        points.append(MapPoint(place.lat, place.lng, None, _("%(place)s, where you searched", place=place.label)))
        caption = (_("Offices are numbered in the order listed. The cross marks where you searched. State outlines "
                     "from the US Census Bureau.") if several
                   else _("The cross marks where you searched. State outlines from the US Census Bureau."))
    else:
        caption = (_("Offices are numbered in the order listed. State outlines from the US Census Bureau.") if several
                   else _("State outlines from the US Census Bureau."))
    return build_map(points, label, caption)
