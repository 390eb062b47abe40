"""The search service: every filter, distance order and radius, telehealth, availability rules."""
from datetime import datetime, timedelta, timezone

import pytest

from referral.models import LISTING_PENDING, LISTING_REJECTED, LISTING_VERIFIED
from referral.services.errors import ValidationFailed
from referral.services.geocoding import distance_miles
from referral.services.search import AvailabilityRules, search_providers
from referral.services.search_params import SearchLimits, parse_search

pytestmark = pytest.mark.usefixtures("app_ctx")

UWS = {"lat": 40.7975, "lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}


def office_at(miles_north: float, base=UWS, **extra):
    """An office a given number of miles due north of the base point."""
    return {**base, "lat": base["lat"] + miles_north / 69.09, **extra}


def names(page):
    return [hit.provider.last_name for hit in page.hits]


def run(fake_geocoder, **params):
    return search_providers(parse_search(params, fake_geocoder))


def test_results_come_nearest_first_and_within_the_radius(make_provider, fake_geocoder):
    far = make_provider(last_name="Far", offices=[office_at(20)])
    near = make_provider(last_name="Near", offices=[office_at(1)])
    middle = make_provider(last_name="Middle", offices=[office_at(8)])
    make_provider(last_name="Outside", offices=[office_at(30)])
    page = run(fake_geocoder, near="10025")
    assert names(page) == ["Near", "Middle", "Far"]
    assert page.total == 3 and page.total_exact
    for hit in page.hits:
        assert hit.distance_miles <= 25
    assert [round(h.distance_miles) for h in page.hits] == [1, 8, 20]
    assert {h.provider.id for h in page.hits} == {far.id, near.id, middle.id}


def test_radius_limits_the_results(make_provider, fake_geocoder):
    make_provider(last_name="Near", offices=[office_at(3)])
    make_provider(last_name="Far", offices=[office_at(9)])
    assert names(run(fake_geocoder, near="10025", radius="5")) == ["Near"]
    assert names(run(fake_geocoder, near="10025", radius="10")) == ["Near", "Far"]


def test_the_nearest_office_counts(make_provider, fake_geocoder):
    make_provider(last_name="TwoOffices", offices=[office_at(22), office_at(2)])
    make_provider(last_name="OneOffice", offices=[office_at(5)])
    page = run(fake_geocoder, near="10025")
    assert names(page) == ["TwoOffices", "OneOffice"]
    assert page.hits[0].nearest_office.lat == pytest.approx(office_at(2)["lat"])


def test_lat_lng_work_like_a_place(make_provider, fake_geocoder):
    make_provider(last_name="Here", offices=[office_at(1)])
    page = run(fake_geocoder, lat="40.80", lng="-73.97")
    assert names(page) == ["Here"]
    assert page.criteria.telehealth_state == "NY"


@pytest.mark.parametrize(
    "parameter, value, attribute, matching, other",
    [
        ("modality", "psychodynamic", "modalities", ["psychodynamic", "cbt"], ["cbt"]),
        ("frequency", "weekly", "frequencies", ["weekly"], ["monthly"]),
        ("condition", "depression", "concerns", ["depression"], ["adhd"]),
        ("insurance", "aetna", "insurance", ["aetna", "medicare"], ["cigna"]),
        ("language", "es", "languages", ["en", "es"], ["en"]),
        ("age_group", "teens", "age_groups", ["teens"], ["adults"]),
    ],
)
def test_each_list_filter(make_provider, fake_geocoder, parameter, value, attribute, matching, other):
    make_provider(last_name="Match", **{attribute: matching})
    make_provider(last_name="Other", **{attribute: other})
    make_provider(last_name="Empty")
    assert names(run(fake_geocoder, near="10025", **{parameter: value})) == ["Match"]
    assert names(run(fake_geocoder, **{parameter: value})) == ["Match"]


def test_several_values_mean_any_and_several_parameters_mean_all(make_provider, fake_geocoder):
    make_provider(last_name="Analyst", modalities=["psychoanalytic"], frequencies=["several-weekly"])
    make_provider(last_name="Dynamic", modalities=["psychodynamic"], frequencies=["weekly"])
    make_provider(last_name="Cbt", modalities=["cbt"], frequencies=["weekly"])
    both = run(fake_geocoder, modality=["psychodynamic", "psychoanalytic"])
    assert names(both) == ["Analyst", "Dynamic"]
    weekly = run(fake_geocoder, modality=["psychodynamic", "psychoanalytic"], frequency="weekly")
    assert names(weekly) == ["Dynamic"]


def test_type_filter(make_provider, fake_geocoder):
    make_provider(last_name="Doc", type="psychiatrist")
    make_provider(last_name="Lcsw", type="clinical-social-worker")
    make_provider(last_name="Phd", type="psychologist")
    assert names(run(fake_geocoder, type=["psychiatrist", "clinical-social-worker"])) == ["Doc", "Lcsw"]


def test_boolean_filters(make_provider, fake_geocoder):
    make_provider(last_name="Video", telehealth=True, in_person=False, sliding_scale=True)
    make_provider(last_name="Office", telehealth=False, in_person=True, sliding_scale=False)
    assert names(run(fake_geocoder, telehealth="true")) == ["Video"]
    assert names(run(fake_geocoder, telehealth="false")) == ["Office"]
    assert names(run(fake_geocoder, in_person="true")) == ["Office"]
    assert names(run(fake_geocoder, sliding_scale="true")) == ["Video"]


def test_max_fee_matches_the_standard_fee_or_a_sliding_scale_within_the_budget(make_provider, fake_geocoder):
    make_provider(last_name="Cheap", fee=90, fee_min=80, fee_max=140)
    make_provider(last_name="Dear", fee=260, fee_min=95, fee_max=300)  # its lowest fee is not for a session like yours
    make_provider(last_name="Scale", fee=240, fee_min=60, fee_max=240, sliding_scale=True)
    make_provider(last_name="Unknown", fee=None, fee_min=None, fee_max=None)
    assert names(run(fake_geocoder, max_fee="100")) == ["Cheap", "Scale"]
    assert names(run(fake_geocoder, max_fee="260")) == ["Cheap", "Dear", "Scale"]


def test_keyword_over_name_and_statement(make_provider, fake_geocoder):
    make_provider(first_name="Wren", last_name="Alpha", statement="I see adults.")
    make_provider(last_name="Beta", statement="Much of my work is with grief and loss.")
    make_provider(last_name="Gamma", statement="Couples.")
    assert names(run(fake_geocoder, q="grief")) == ["Beta"]
    assert names(run(fake_geocoder, q="wren alpha")) == ["Alpha"]
    assert names(run(fake_geocoder, q="100%_")) == []


def test_accepting_needs_a_recent_confirmation(make_provider, fake_geocoder):
    make_provider(last_name="Fresh", accepting_new_patients=True, confirmed_days_ago=10)
    make_provider(last_name="Stale", accepting_new_patients=True, confirmed_days_ago=46)
    make_provider(last_name="Never", accepting_new_patients=True, confirmed_days_ago=None)
    make_provider(last_name="Closed", accepting_new_patients=False, confirmed_days_ago=1)
    assert names(run(fake_geocoder, accepting="true")) == ["Fresh"]
    assert names(run(fake_geocoder, accepting="false")) == ["Never", "Stale", "Closed"]


def test_accepting_threshold_with_a_frozen_clock(make_provider, fake_geocoder):
    confirmed = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    make_provider(last_name="Edge", availability_confirmed_at=confirmed)
    criteria = parse_search({"accepting": "true"}, fake_geocoder)
    rules = AvailabilityRules(stale_days=45)
    day_44 = confirmed + timedelta(days=44)
    day_46 = confirmed + timedelta(days=46)
    assert names(search_providers(criteria, now=day_44, rules=rules)) == ["Edge"]
    assert names(search_providers(criteria, now=day_46, rules=rules)) == []


def test_long_unconfirmed_listings_sort_after_confirmed_ones_at_equal_relevance(make_provider, fake_geocoder):
    # Both within the same one-mile band: the long-unconfirmed one comes second though it is nearer.
    make_provider(last_name="OldButNear", offices=[office_at(2.05)], confirmed_days_ago=200)
    make_provider(last_name="Confirmed", offices=[office_at(2.4)], confirmed_days_ago=5)
    make_provider(last_name="NextBand", offices=[office_at(3.1)], confirmed_days_ago=5)
    assert names(run(fake_geocoder, near="10025")) == ["Confirmed", "OldButNear", "NextBand"]
    # Without a location, by name, unconfirmed last.
    assert names(search_providers(parse_search({}, fake_geocoder))) == ["Confirmed", "NextBand", "OldButNear"]


def test_telehealth_reaches_the_searchers_state_whatever_the_distance(make_provider, fake_geocoder):
    buffalo = {"lat": 42.886, "lng": -78.878, "zip": "14202", "city": "Buffalo", "state": "NY"}
    newark = {"lat": 40.735, "lng": -74.172, "zip": "07102", "city": "Newark", "state": "NJ"}
    make_provider(last_name="Local", offices=[office_at(2)], telehealth=True)
    make_provider(last_name="Upstate", offices=[buffalo], telehealth=True, licenses=["NY"])
    make_provider(last_name="UpstateNoVideo", offices=[buffalo], telehealth=False, licenses=["NY"])
    make_provider(last_name="Jersey", offices=[dict(newark, lat=41.9)], telehealth=True, licenses=["NJ"])
    page = run(fake_geocoder, near="10025", telehealth="true")
    assert names(page) == ["Local", "Upstate"]
    assert [hit.via_telehealth for hit in page.hits] == [False, True]
    assert page.total == 2
    assert page.hits[1].distance_miles > 250


def test_paging_across_local_and_telehealth_results(make_provider, fake_geocoder):
    buffalo = {"lat": 42.886, "lng": -78.878, "zip": "14202", "city": "Buffalo", "state": "NY"}
    for i in range(3):
        make_provider(last_name=f"Local{i}", offices=[office_at(1 + i)], telehealth=True)
    for i in range(3):
        make_provider(last_name=f"Remote{i}", offices=[buffalo], telehealth=True)
    pages = [run(fake_geocoder, near="10025", telehealth="true", per_page="2", page=str(n)) for n in (1, 2, 3, 4)]
    assert [names(p) for p in pages] == [["Local0", "Local1"], ["Local2", "Remote0"], ["Remote1", "Remote2"], []]
    assert [(p.total, p.total_exact, p.has_next) for p in pages] == [
        (2, False, True), (4, False, True), (6, True, False), (6, True, False)]
    assert pages[3].past_the_end and pages[3].pages == 3


def test_only_listed_and_active_providers_are_found(make_provider, fake_geocoder):
    make_provider(last_name="Unclaimed")
    make_provider(last_name="Verified", listing_status=LISTING_VERIFIED)
    make_provider(last_name="Pending", listing_status=LISTING_PENDING)
    make_provider(last_name="Rejected", listing_status=LISTING_REJECTED)
    make_provider(last_name="Deactivated", active=False)
    assert names(run(fake_geocoder, near="10025")) == ["Unclaimed", "Verified"]


@pytest.mark.parametrize("near", ["10025", None])
def test_nothing_is_counted_beyond_the_page(make_provider, fake_geocoder, near):
    for i in range(5):
        make_provider(last_name=f"P{i}", offices=[office_at(i + 0.5)])
    located = {"near": near} if near else {}
    pages = [search_providers(parse_search({**located, "per_page": "2", "page": str(n)}, fake_geocoder))
             for n in (1, 2, 3, 4, 9)]
    assert [(p.total, p.total_exact, p.has_next, len(p.hits)) for p in pages] == [
        (2, False, True, 2), (4, False, True, 2), (5, True, False, 1), (5, True, False, 0), (5, True, False, 0)]
    assert pages[4].past_the_end and pages[4].pages == 3


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"near": "99999"}, "near"),
        ({"near": "10025", "radius": "0"}, "radius"),
        ({"near": "10025", "radius": "101"}, "radius"),
        ({"near": "10025", "radius": "far"}, "radius"),
        ({"modality": "telepathy"}, "modality"),
        ({"type": "wizard"}, "type"),
        ({"lat": "91", "lng": "0"}, "lat"),
        ({"lat": "40", "lng": "abc"}, "lng"),
        ({"lat": "nan", "lng": "1"}, "lat"),
        ({"max_fee": "cheap"}, "max_fee"),
        ({"max_fee": "-5"}, "max_fee"),
        ({"page": "0"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"telehealth": "maybe"}, "telehealth"),
        ({"state": "XX"}, "state"),
    ],
)
def test_bad_parameters_are_named(app, fake_geocoder, params, parameter):
    with pytest.raises(ValidationFailed) as caught:
        parse_search(params, fake_geocoder, SearchLimits())
    assert parameter in caught.value.errors


def test_unknown_parameters_are_refused_only_when_strict(app, fake_geocoder):
    assert parse_search({"utm_source": "x"}, fake_geocoder).place is None
    with pytest.raises(ValidationFailed) as caught:
        parse_search({"utm_source": "x"}, fake_geocoder, strict=True)
    assert caught.value.parameter == "utm_source"


def test_displayed_distance_is_geopys(make_provider, fake_geocoder):
    provider = make_provider(offices=[office_at(7)])
    hit = run(fake_geocoder, near="10025").hits[0]
    office = provider.offices[0]
    assert hit.distance_miles == pytest.approx(distance_miles(40.7975, -73.9683, office.lat, office.lng))


def test_a_listing_removed_between_ranking_and_reading_is_left_out(make_provider, fake_geocoder, monkeypatch):
    from referral.services import search

    for i in range(3):
        make_provider(last_name=f"Kept{i}", offices=[office_at(i + 0.5)])
    reading = search.read_listings
    # As on PostgreSQL, where each statement sees its own snapshot: the nearest listing is gone when read.
    monkeypatch.setattr(search, "read_listings", lambda ids, **options: {k: v for k, v in reading(ids, **options).items() if k != ids[0]})
    assert names(run(fake_geocoder, near="10025")) == ["Kept1", "Kept2"]
