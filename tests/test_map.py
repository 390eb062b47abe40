"""Maps drawn on the server: the projection and clipping, the results map and the profile map."""
import math
import re

import pytest

from referral.services.map_view import MIN_SPAN_MILES, PIN_GAP, WIDTH, MapPoint, bounds, build_map, state_rings

NYC = (40.7975, -73.9683)
BOISE = (43.6328, -116.2035)


def point(lat, lng, number=1, label="A", href=None):
    return MapPoint(lat, lng, number, label, href)


def map_markup(response) -> str:
    body = response.get_data(as_text=True)
    found = re.search(r'<figure class="result-map">.*?</figure>', body, re.S)
    return found.group(0) if found else ""


def pin_numbers(markup: str) -> list[str]:
    return re.findall(r'class="map-pin"[^>]*>.*?<text[^>]*>(\d+)</text>', markup, re.S)


# --- Projection and clipping -------------------------------------------------------------------

def test_state_outlines_are_read_once_and_cover_the_states():
    assert state_rings() is state_rings()
    assert len(state_rings()) > 50


def test_one_pin_gets_a_box_at_least_the_minimum_across_and_sits_in_its_middle():
    west, south, east, north = bounds([point(*NYC)])
    across = (east - west) * 69 * math.cos(math.radians(NYC[0]))
    assert across == pytest.approx(MIN_SPAN_MILES, rel=0.01)
    assert (north - south) * 69 >= MIN_SPAN_MILES * 0.5
    view = build_map([point(*NYC)])
    assert view.width == WIDTH
    pin = view.pins[0]
    assert (pin.x, pin.y) == (pytest.approx(WIDTH / 2, abs=0.1), pytest.approx(view.height / 2, abs=0.1))
    assert view.paths  # New York's outline crosses the box


def test_the_projection_keeps_north_up_and_east_right_with_longitude_scaled_by_latitude():
    view = build_map([point(40.0, -100.0, 1), point(41.0, -99.0, 2)])
    first, second = view.pins
    assert second.x > first.x and second.y < first.y
    # One degree of longitude is cos(40.5°) of a degree of latitude on the drawing.
    assert (second.x - first.x) / (first.y - second.y) == pytest.approx(math.cos(math.radians(40.5)), rel=0.01)


def test_every_pin_lies_inside_the_drawing_with_room_to_spare():
    view = build_map([point(*NYC, 1), point(*BOISE, 2), point(21.31, -157.86, 3), point(61.22, -149.9, 4)])
    for pin in view.pins:
        assert 5 < pin.x < view.width - 5 and 5 < pin.y < view.height - 5


def test_results_spread_north_to_south_are_all_drawn():
    view = build_map([point(25.76, -80.19, 1), point(47.61, -80.19, 2)])
    assert view.height == view.width  # as tall as the aspect limit allows, and the box widened to match
    for pin in view.pins:
        assert 5 < pin.y < view.height - 5


def test_rings_wholly_outside_the_box_are_dropped_and_paths_are_rounded():
    local = build_map([point(*BOISE)])
    country = build_map([point(*NYC, 1), point(*BOISE, 2)])
    assert 0 < len(local.paths) < len(country.paths)
    numbers = re.findall(r"-?\d+(?:\.\d+)?", " ".join(country.paths))
    assert all(len(n.partition(".")[2]) <= 1 for n in numbers)
    assert len("".join(country.paths)) < 60_000  # light enough to send with every page


def test_alaska_and_hawaii_are_drawn_when_results_are_there():
    honolulu = build_map([point(21.31, -157.86)])
    anchorage = build_map([point(61.22, -149.9)])
    assert honolulu.paths and anchorage.paths


def test_pins_at_one_spot_are_drawn_apart_and_the_place_searched_stays_put():
    view = build_map([point(*NYC, n) for n in range(1, 13)] + [MapPoint(*NYC, None, "Here")])
    numbered = view.numbered
    assert (numbered[0].x, numbered[0].y) == (view.pins[-1].x, view.pins[-1].y)  # the first pin on its spot
    for i, a in enumerate(numbered):
        for b in numbered[i + 1:]:
            assert math.dist((a.x, a.y), (b.x, b.y)) >= PIN_GAP - 0.2
    assert all(0 < pin.x < view.width and 0 < pin.y < view.height for pin in view.pins)


@pytest.mark.parametrize("points", [
    [], [point(None, None)], [point(float("nan"), 10.0)], [point(95.0, 0.0)], [point(0.0, 200.0)], [point("40", "-73")],
])
def test_no_usable_position_gives_no_map(points):
    assert build_map(points) is None


def test_a_point_far_north_still_gives_a_finite_drawing():
    view = build_map([point(84.9, 10.0)])
    assert view is not None and 0 < view.height <= view.width


# --- The results page --------------------------------------------------------------------------

def test_results_show_a_map_with_a_pin_per_result_numbered_as_in_the_list(client, make_provider):
    providers = [make_provider(last_name=f"Mapped{i}", offices=[{"lat": NYC[0] + i / 100, "lng": NYC[1], "zip": "10025",
                                                                 "city": "New York", "state": "NY"}]) for i in range(3)]
    response = client.get("/search?near=10025")
    assert response.status_code == 200
    markup = map_markup(response)
    assert 'aria-label="Map of 3 results near' in markup
    assert pin_numbers(markup) == ["3", "2", "1"]  # drawn last first, so that 1 is on top
    for provider in providers:
        assert f'href="#provider-{provider.id}"' in markup
    body = response.get_data(as_text=True)
    assert body.index('class="cards"') < body.index('class="result-map"')  # the list comes first
    assert re.findall(r'class="result-number"[^>]*>(\d+)<', body) == ["1", "2", "3"]
    assert "http" not in markup and "<script" not in markup


def test_numbers_on_a_later_page_continue_from_the_earlier_pages(client, make_provider):
    for i in range(3):
        make_provider(last_name=f"Paged{i}", offices=[{"lat": NYC[0] + i / 100, "lng": NYC[1], "zip": "10025",
                                                       "city": "New York", "state": "NY"}])
    response = client.get("/search?near=10025&per_page=1&page=2")
    assert response.status_code == 200
    assert pin_numbers(map_markup(response)) == ["2"]
    assert re.findall(r'class="result-number"[^>]*>(\d+)<', response.get_data(as_text=True)) == ["2"]


def test_a_telehealth_only_result_gets_no_pin(client, make_provider):
    make_provider(last_name="Inperson", telehealth=True)
    make_provider(last_name="Remote", telehealth=True, in_person=False, offices=[], licenses=["NY"])
    response = client.get("/search?near=10025&telehealth=true")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Remote" in body and "Inperson" in body
    assert len(pin_numbers(map_markup(response))) == 1
    assert 'aria-label="Map of 1 result near' in map_markup(response)


def test_only_telehealth_results_or_no_results_give_no_map(client, make_provider):
    make_provider(last_name="Remote", telehealth=True, in_person=False, offices=[], licenses=["NY"])
    assert map_markup(client.get("/search?near=10025&telehealth=true")) == ""
    assert map_markup(client.get("/search?near=83702")) == ""
    assert map_markup(client.get("/search?q=nobody")) == ""


def test_a_search_without_a_place_gives_no_map(client, make_provider):
    make_provider(last_name="Placeless")
    response = client.get("/search?q=Placeless")
    assert response.status_code == 200 and "Placeless" in response.get_data(as_text=True)
    assert map_markup(response) == ""


# --- The profile ---------------------------------------------------------------------------------

def test_a_profile_maps_each_office(client, make_provider):
    provider = make_provider(offices=[
        {"lat": NYC[0], "lng": NYC[1], "zip": "10025", "city": "New York", "state": "NY"},
        {"lat": 40.69, "lng": -73.99, "zip": "11201", "city": "Brooklyn", "state": "NY"},
        {"lat": None, "lng": None, "zip": "10001", "city": "Nowhere", "state": "NY"},
    ])
    markup = map_markup(client.get(f"/providers/{provider.id}"))
    assert 'role="img"' in markup and "Map of 2 offices of" in markup
    assert sorted(pin_numbers(markup)) == ["1", "2"]
    assert "Brooklyn" in markup and "http" not in markup


def test_a_profile_marks_the_place_searched_from(client, make_provider):
    provider = make_provider()
    markup = map_markup(client.get(f"/providers/{provider.id}?near=10025"))
    assert 'class="map-here"' in markup and "where you searched" in markup


def test_a_telehealth_only_profile_has_no_map(client, make_provider):
    provider = make_provider(telehealth=True, in_person=False, offices=[], licenses=["NY"])
    response = client.get(f"/providers/{provider.id}")
    assert response.status_code == 200 and map_markup(response) == ""


# --- The outline builder (seed_data/geo/build_us_states.py) ---------------------------------------

def test_the_builder_decodes_quantized_delta_arcs_and_reversed_indexes():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "seed_data" / "geo" / "build_us_states.py"
    spec = importlib.util.spec_from_file_location("build_us_states", path)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [-100, 40]},
        "arcs": [[[0, 0], [4, 0], [0, 4]], [[0, 0], [4, 4]]],  # a triangle: arc 1 runs back along its long side
        "objects": {"states": {"geometries": [{"type": "Polygon", "id": "16", "properties": {"name": "Idaho"},
                                               "arcs": [[0, ~1]]}]}},
    }
    assert builder.decode_arcs(topology)[0] == [(-100, 40), (-98, 40), (-98, 41)]
    states = builder.build(topology)
    assert states == {"ID": {"name": "Idaho", "rings": [[[-100, 40], [-98, 40], [-98, 41], [-100, 40]]]}}
