"""Places as people type them: spellings, short names, ZIP+4, typos, and the choices offered instead of an error."""
import csv
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

from referral.services.geocoding import OfflineGeocoder, Place
from referral.services.places import (
    MAX_CHOICES,
    PLACE_TABLE,
    PLACE_TABLE_COLUMNS,
    STATE_NAMES,
    PlaceChoice,
    PlaceIndex,
    find_place,
    place_error,
    place_index,
    readings,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def geocoder():
    return OfflineGeocoder()


@pytest.mark.parametrize("text, same_as", [
    ("Boise ID", "Boise, ID"),
    ("Boise, Idaho", "Boise, ID"),
    ("boise idaho", "Boise, ID"),
    ("  BOISE   ,   id  ", "Boise, ID"),
    ("New York NY", "New York, NY"),
    ("Hope New Mexico", "Hope, NM"),
    ("Kansas City Missouri", "Kansas City, MO"),
    ("Washington D.C.", "Washington, DC"),
    ("St. Louis Missouri", "Saint Louis, MO"),
])
def test_city_and_state_as_people_write_them(geocoder, text, same_as):
    expected = geocoder.locate(same_as)
    assert expected is not None
    assert find_place(text, geocoder).place == expected


@pytest.mark.parametrize("text", ["Boise, ID 83702", "Boise ID 83702", "boise, id 83702-1234", "83702-1234", "Boise 83702"])
def test_a_zip_written_with_the_city_is_the_zips_point(geocoder, text):
    found = find_place(text, geocoder)
    assert found.place == geocoder.locate("83702") and found.place.label == "Boise, ID 83702"


def test_a_zip_of_another_state_than_the_one_written_gives_way_to_the_city(geocoder):
    assert find_place("Boise, ID 10025", geocoder).place == geocoder.locate("Boise, ID")
    assert find_place("Springfield, IL 99999", geocoder).place == geocoder.locate("Springfield, IL")


@pytest.mark.parametrize("text, same_as", [
    ("NYC", "New York, NY"), ("N.Y.C.", "New York, NY"), ("new york city", "New York, NY"),
    ("LA", "Los Angeles, CA"), ("DC", "Washington, DC"), ("SF", "San Francisco, CA"),
    ("Philly", "Philadelphia, PA"), ("nola", "New Orleans, LA"), ("Vegas", "Las Vegas, NV"),
])
def test_short_names(geocoder, text, same_as):
    assert find_place(text, geocoder).place == geocoder.locate(same_as) is not None


def test_a_place_only_the_geonames_table_knows_is_found_at_its_point(geocoder):
    assert geocoder.locate("Hoover, AL") is None  # no ZIP of the ZIP table is in "Hoover"
    found = find_place("Hoover AL", geocoder).place
    assert found == Place(33.40539, -86.81138, "Hoover, AL", "AL", None)
    assert find_place("Hoover", geocoder).place == found  # the only Hoover of 500 people or more


def test_a_name_several_places_share_offers_them_by_population(geocoder):
    found = find_place("Springfield", geocoder)
    assert found.place is None and found.ambiguous
    assert len(found.choices) == MAX_CHOICES
    assert found.choices[:3] == (
        PlaceChoice("Springfield, MO", "Springfield, Missouri"),
        PlaceChoice("Springfield, MA", "Springfield, Massachusetts"),
        PlaceChoice("Springfield, IL", "Springfield, Illinois"),
    )
    index = place_index()
    populations = [index.population[index.rows_named("Springfield", c.near[-2:])[0]] for c in found.choices]
    assert populations == sorted(populations, reverse=True)
    assert place_error("Springfield", found) == (
        "There is more than one place called “Springfield”. Choose one, or add the state, like “Springfield, MO”.")
    for choice in found.choices:  # each choice finds its place
        place = find_place(choice.near, geocoder).place
        assert place is not None and place.state == choice.near[-2:]


def test_a_typo_is_offered_the_closest_names_within_the_state(geocoder):
    found = find_place("Bosie, ID", geocoder)
    assert found.place is None and not found.ambiguous
    assert found.choices[0] == PlaceChoice("Boise, ID", "Boise, Idaho")
    assert all(choice.near.endswith(", ID") for choice in found.choices)
    assert place_error("Bosie, ID", found) == (
        "We could not find “Bosie, ID”. Check the spelling, or choose one of the places suggested.")


def test_a_typo_without_a_state_is_matched_nationwide_larger_places_first_at_equal_score(geocoder):
    found = find_place("Bosie", geocoder)
    assert found.place is None
    assert found.choices[0] == PlaceChoice("Boise, ID", "Boise, Idaho")
    assert PlaceChoice("Bowie, MD", "Bowie, Maryland") in found.choices
    assert found.choices.index(PlaceChoice("Bowie, MD", "Bowie, Maryland")) < found.choices.index(
        PlaceChoice("Bowie, TX", "Bowie, Texas"))
    assert find_place("Sprngfield", geocoder).choices[0] == PlaceChoice("Springfield, MO", "Springfield, Missouri")


def test_a_state_that_is_no_state_only_suggests(geocoder):
    found = find_place("Atlantis, ZZ", geocoder)
    assert found.place is None and found.choices[0] == PlaceChoice("Atlantis, FL", "Atlantis, Florida")


@pytest.mark.parametrize("text", ["Xyzzyqwv", "Qqqqqq, ID", "99999", "00000-1234"])
def test_nothing_close_offers_nothing(geocoder, text):
    found = find_place(text, geocoder)
    assert found.place is None and found.choices == ()
    assert place_error(text, found).endswith("Enter a 5-digit ZIP code or a city and state, like “Boise, ID”.")


@pytest.mark.parametrize("text", [
    "", "   ", ",", ", ID", "Boise,, ID", "Boise, ID, ID", "a" * 201, "Boise, ID" * 1_000, "a" + " " * 100_000 + "b",
    "\udcff", "\udcff, NY", "١٠٠٢٥", "１００２５",
])
def test_hostile_text_finds_no_place_quickly(geocoder, text):
    started = time.perf_counter()
    found = find_place(text, geocoder)
    assert found.place is None
    assert time.perf_counter() - started < 1


def test_readings_of_a_typed_place():
    assert readings("Boise ID") == [readings("Boise, ID")[0], readings("Boise ID")[1]]
    assert readings("Boise, ID")[0].state == "ID"
    assert readings("Boise, District of Columbia")[0].state == "DC"
    assert readings("Boise, Nowhere")[0].guess
    assert readings("Boise,, ID") == [] and readings(", ID") == []


def test_every_state_code_has_a_name():
    from referral.services.geocoding import US_STATES

    assert set(STATE_NAMES) == set(US_STATES)


# --- The place table (seed_data/geo/places_geonames.csv) and its generator. --------------------------------
def test_the_generator_keeps_one_row_per_name_and_state_in_known_states(tmp_path):
    spec = importlib.util.spec_from_file_location("build_place_table", ROOT / "seed_data" / "geo" / "build_place_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = tmp_path / "source.csv"
    source.write_text(
        "name,state,latitude,longitude,population,timezone,geonameid\n"
        "Twin,ID,43.0,-116.0,800,America/Boise,1\n"
        "twin,ID,44.0,-117.0,900,America/Boise,2\n"
        "Twin,OR,45.0,-118.0,700,America/Los_Angeles,3\n"
        "Olinda, CDP,HI,20.8,-156.3,1188,Pacific/Honolulu,4\n"
        "Abroad,ZZ,1.0,1.0,5000,Etc/UTC,5\n"
        "Alder,ID,42.0,-115.0,600,America/Boise,6\n",
        encoding="utf-8",
    )
    output = tmp_path / "places.csv"
    assert module.generate(source, output) == 3
    assert output.read_text(encoding="utf-8") == (
        "name,state,lat,lng,population\n"
        "Alder,ID,42.0,-115.0,600\n"
        "twin,ID,44.0,-117.0,900\n"
        "Twin,OR,45.0,-118.0,700\n"
    )


def test_the_committed_table_is_ordered_and_fits_the_rules():
    with open(PLACE_TABLE, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == PLACE_TABLE_COLUMNS
    body = rows[1:]
    assert len(body) > 20_000
    assert body == sorted(body, key=lambda r: (r[1], r[0].lower(), r[0]))
    assert all(r[1] in STATE_NAMES and "," not in r[0] and int(r[4]) >= 0 for r in body)
    assert len({(r[0].lower(), r[1]) for r in body}) == len(body)
    assert (ROOT / "seed_data" / "geo" / "GEONAMES_NOTICE.txt").read_text(encoding="utf-8").count("CC BY 4.0")


def test_a_table_with_other_columns_is_refused(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("name,state,lat,lon,population\nBoise,ID,43.6,-116.2,235684\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected the columns"):
        PlaceIndex.from_table(path)


def test_the_place_table_is_read_once_per_process_on_first_use():
    script = (
        "import builtins\n"
        "from config import TestingConfig\n"
        "from referral import create_app\n"
        "from referral.services.places import PLACE_TABLE, place_index\n"
        "app = create_app(TestingConfig)\n"
        "assert not place_index.loaded, 'create_app built the place index'\n"
        "reads = []\n"
        "real_open = builtins.open\n"
        "def counting_open(path, *args, **kwargs):\n"
        "    if str(path) == str(PLACE_TABLE): reads.append(path)\n"
        "    return real_open(path, *args, **kwargs)\n"
        "builtins.open = counting_open\n"
        "client = app.test_client()\n"
        "for near in ('Bosie, ID', 'Springfield', 'Hoover AL', 'Bosie, ID'):\n"
        "    client.get('/api/v1/providers', query_string={'near': near})\n"
        "assert place_index.loaded and len(reads) == 1, reads\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
