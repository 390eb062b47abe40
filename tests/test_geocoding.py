"""The offline geocoder: ZIPs, "City, ST", points to states, and distances."""
import importlib.util
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from referral.services.geocoding import (
    POSTAL_AREAS,
    ZIP_TABLE,
    NominatimGeocoder,
    OfflineGeocoder,
    Place,
    ZipIndex,
    distance_miles,
    make_geocoder,
    normalize_city,
)


@pytest.fixture(scope="module")
def geocoder():
    return OfflineGeocoder()


def test_zip_resolves_to_its_centroid(geocoder):
    place = geocoder.locate("10025")
    assert place.state == "NY" and place.zip == "10025"
    assert place.lat == pytest.approx(40.7975, abs=1e-4) and place.lng == pytest.approx(-73.9683, abs=1e-4)


def test_zip_plus_four_is_accepted(geocoder):
    assert geocoder.locate("83702-1234").zip == "83702"


def test_city_state_is_the_mean_of_the_citys_zip_centroids(geocoder):
    place = geocoder.locate("boise, id")
    assert place.state == "ID"
    assert place.lat == pytest.approx(43.6, abs=0.15) and place.lng == pytest.approx(-116.2, abs=0.2)
    assert geocoder.locate("Saint Paul, MN") == geocoder.locate("St. Paul, MN")


@pytest.mark.parametrize("text", ["", "99999", "Nowhere, ZZ", "Atlantis, NY", "1234", "just words"])
def test_unknown_places_are_none(geocoder, text):
    assert geocoder.locate(text) is None


def test_state_at_a_point(geocoder):
    assert geocoder.state_at(40.79, -73.96) == "NY"
    assert geocoder.state_at(44.37, -100.35) == "SD"


def test_distance_in_miles():
    # Manhattan (10025) to Boise (83702) is about 2,130 miles.
    assert distance_miles(40.7975, -73.9683, 43.6328, -116.2035) == pytest.approx(2130, rel=0.02)
    assert distance_miles(40.0, -75.0, 40.0, -75.0) == 0


def test_distances_are_geopys_great_circle():
    from geopy.distance import great_circle

    rng = random.Random(11)
    points = [(rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)) for _ in range(400)]
    points += [(40.7975, -73.9683), (40.7975, -73.9682), (0.0, 179.9999), (0.0, -179.9999), (89.9, 10.0), (-89.9, -170.0)]
    for (lat1, lng1), (lat2, lng2) in zip(points, points[1:] + points[:1]):
        assert distance_miles(lat1, lng1, lat2, lng2) == pytest.approx(great_circle((lat1, lng1), (lat2, lng2)).miles,
                                                                         rel=1e-12, abs=1e-9)


def test_configuration_picks_the_geocoder():
    assert isinstance(make_geocoder({"GEOCODER": "offline"}), OfflineGeocoder)
    nominatim = make_geocoder({"GEOCODER": "nominatim", "NOMINATIM_USER_AGENT": "tests", "NOMINATIM_MIN_DELAY_SECONDS": 1.0})
    assert isinstance(nominatim, NominatimGeocoder)
    # ZIPs never leave the machine, even with Nominatim configured.
    assert nominatim.locate("10025").zip == "10025"


# --- The ZIP table (seed_data/geo/zip_centroids.csv) against the zipcodes package it is made from. ---------
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def package_rows():
    zipcodes = pytest.importorskip("zipcodes")  # a dev requirement: the ZIP table's source
    return zipcodes.list_all()


def _package_zip_place(row) -> Place | None:
    lat, lng = float(row["lat"]), float(row["long"])
    if (lat == 0 and lng == 0) or row["state"] not in POSTAL_AREAS:
        return None
    return Place(lat, lng, f"{row['city'].title()}, {row['state']} {row['zip_code']}", row["state"], row["zip_code"])


def _package_city_places(rows) -> dict[tuple[str, str], tuple[Place, bool]]:
    """(folded city, state) -> (mean of its standard ZIP centroids, or of all if none is; whether any is)."""
    members: dict[tuple[str, str], list] = {}
    for row in rows:
        if _package_zip_place(row) is not None:
            members.setdefault((normalize_city(row["city"]), row["state"]), []).append(row)
    places = {}
    for (city, state), group in members.items():
        standard = [r for r in group if r["zip_code_type"] == "STANDARD"]
        chosen = standard or group
        lat, lng = float(chosen[0]["lat"]), float(chosen[0]["long"])
        for r in chosen[1:]:
            lat, lng = lat + float(r["lat"]), lng + float(r["long"])
        label = f"{chosen[0]['city'].title()}, {state}"
        places[(city, state)] = (Place(lat / len(chosen), lng / len(chosen), label, state, None), bool(standard))
    return places


def test_sampled_zips_give_the_packages_places(geocoder, package_rows):
    named = {"10025", "83702", "00501", "00901", "96799", "96960", "09001", "57501", "99501"}
    sample = [row for i, row in enumerate(package_rows) if i % 41 == 0 or row["zip_code"] in named]
    assert len(sample) > 1000
    for row in sample:
        assert geocoder.locate(row["zip_code"]) == _package_zip_place(row), row["zip_code"]
        assert geocoder.locate(f"{row['zip_code']}-0001") == _package_zip_place(row), row["zip_code"]
    unplaced = [row for row in package_rows if _package_zip_place(row) is None]
    assert unplaced and all(geocoder.locate(row["zip_code"]) is None for row in unplaced[::10])


def test_sampled_cities_give_the_packages_means(geocoder, package_rows):
    expected = _package_city_places(package_rows)
    named = {("boise", "ID"), ("st paul", "MN"), ("new york", "NY"), ("winston-salem", "NC"), ("pierre", "SD")}
    # Cities whose ZIPs are all PO boxes or unique are placed at the mean of all of them.
    unstandard = [key for key, (_, any_standard) in expected.items() if not any_standard]
    assert len(unstandard) > 100
    keys = sorted(expected)
    sample = [key for i, key in enumerate(keys) if i % 29 == 0 or key in named] + unstandard[::10]
    assert len(sample) > 1000
    for city, state in sample:
        assert geocoder.locate(f"{city}, {state}") == expected[(city, state)][0], (city, state)
    assert geocoder.locate("Saint Paul, MN") == expected[("st paul", "MN")][0]


def test_the_generator_reproduces_the_committed_table(tmp_path):
    pytest.importorskip("zipcodes")
    spec = importlib.util.spec_from_file_location("build_zip_table", ROOT / "seed_data" / "geo" / "build_zip_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "zip_centroids.csv"
    module.generate(output)
    assert output.read_bytes() == ZIP_TABLE.read_bytes()


def test_the_runtime_needs_neither_the_package_nor_app_creation_to_build_the_index():
    script = (
        "import sys; sys.modules['zipcodes'] = None\n"  # importing zipcodes would now fail
        "from config import TestingConfig\n"
        "from referral import create_app\n"
        "from referral.services.geocoding import zip_index\n"
        "app = create_app(TestingConfig)\n"
        "assert not zip_index.loaded, 'create_app built the ZIP index'\n"
        "place = app.extensions['geocoder'].locate('10025')\n"
        "assert zip_index.loaded and place.zip == '10025', place\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- Rules of the index, on a small hand-made table. ---------------------------------------------------------
TINY_TABLE = [
    # zip, lat, lng, state, city, standard
    ("00010", "10.0", "-70.0", "AA", "PO TOWN", "0"),
    ("00011", "12.0", "-72.0", "AA", "Po Town", "0"),
    ("00020", "20.0", "-80.0", "BB", "Saint Mark", "0"),
    ("00021", "21.0", "-81.0", "BB", "St. Mark", "1"),
    ("00022", "23.0", "-83.0", "BB", "St Mark", "1"),
    ("00023", "40.0", "-90.0", "BB", "St Mark", "0"),
    ("99999", "20.5", "-80.5", "CC", "Edge", "1"),
]


def test_a_citys_mean_is_over_its_standard_zips_and_labelled_by_the_first_of_them():
    index = ZipIndex(TINY_TABLE)
    assert len(index) == 7
    assert index.city_place("st mark", "BB") == Place(22.0, -82.0, "St. Mark, BB", "BB", None)
    assert index.city_place("Saint   Mark", "BB") == index.city_place("st. mark", "BB")
    assert index.city_place("po town", "AA") == Place(11.0, -71.0, "Po Town, AA", "AA", None)
    assert index.city_place("po town", "BB") is None
    assert index.zip_place("00021") == Place(21.0, -81.0, "St. Mark, BB 00021", "BB", "00021")
    assert index.zip_place("99999").label == "Edge, CC 99999"
    assert index.zip_place("00030") is None


def test_state_at_takes_the_nearest_centroid_in_the_cells_around_the_point():
    index = ZipIndex(TINY_TABLE)
    assert index.nearest_state(20.6, -80.6) == "CC"
    assert index.nearest_state(20.9, -80.9) == "BB"
    assert index.nearest_state(11.0, -71.0) == "AA"
    assert index.nearest_state(0.0, 0.0) is None  # no centroid in the nine cells around it
    for lat, lng in [(math.nan, 0.0), (0.0, math.inf), (-math.inf, math.nan)]:
        assert index.nearest_state(lat, lng) is None


def test_a_table_with_other_columns_is_refused(tmp_path):
    path = tmp_path / "zips.csv"
    path.write_text("zip,lat,lon,state,city,standard\n10025,40.79,-73.96,NY,New York,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected the columns"):
        ZipIndex.from_table(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="expected the columns"):
        ZipIndex.from_table(path)


# --- Hostile input to locate(). ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "",
    "   ",
    "\x00",
    "10025\x00",
    "\x00, NY",
    "\udcff",
    "\udcff, NY",
    "Boise\udcff, ID",
    "a" * 10_000,
    "1" * 10_000,
    "Boise, ID" * 1_000,
    "00000",
    "99999-1234",
    "10025-12345",
    "١٠٠٢٥",  # Arabic-Indic digits: \d matches them, but no ZIP is written so
    "１００２５",  # fullwidth digits
    ", ID",
    "Boise, IDA",
    "Boise,, ID",
])
def test_hostile_input_is_not_a_place(geocoder, text):
    assert geocoder.locate(text) is None


def test_long_input_is_refused(geocoder):
    # Long runs of spaces with no comma once made the city pattern backtrack quadratically (seconds per search).
    for text in ["a" + " " * 100_000 + "b", "a" + "\t" * 100_000 + "b, N", "a " * 50_000 + "b"]:
        assert geocoder.locate(text) is None
