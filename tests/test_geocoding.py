"""The offline geocoder: ZIPs, "City, ST", points to states, and distances."""
import pytest

from referral.services.geocoding import OfflineGeocoder, distance_miles, make_geocoder, NominatimGeocoder


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


def test_configuration_picks_the_geocoder():
    assert isinstance(make_geocoder({"GEOCODER": "offline"}), OfflineGeocoder)
    nominatim = make_geocoder({"GEOCODER": "nominatim", "NOMINATIM_USER_AGENT": "tests", "NOMINATIM_MIN_DELAY_SECONDS": 1.0})
    assert isinstance(nominatim, NominatimGeocoder)
    # ZIPs never leave the machine, even with Nominatim configured.
    assert nominatim.locate("10025").zip == "10025"
