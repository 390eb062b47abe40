"""The committed demo directory (seed_data/demo_providers.json): valid, real places, reproducible."""
import csv
import importlib.util
import json
import math
from functools import lru_cache
from pathlib import Path

import pytest
import zipcodes

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed_data"
DEMO_FILE = SEED_DIR / "demo_providers.json"
REFERENCE_FILES = {
    "modalities": "modalities.csv",
    "frequencies": "frequencies.csv",
    "concerns": "conditions_icd10cm.csv",
    "insurance": "insurance_plans.csv",
    "languages": "languages.csv",
    "age_groups": "age_groups.csv",
    "treatment_lengths": "treatment_lengths.csv",
}
UWS = (40.7975, -73.9683)  # ZIP 10025's centroid


def _slugs(name: str) -> set[str]:
    with open(SEED_DIR / "reference" / name, newline="", encoding="utf-8") as handle:
        return {row["slug"] for row in csv.DictReader(handle)}


def _miles(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * 3958.76 * math.asin(math.sqrt(a))


def npi_is_valid(npi: str) -> bool:
    """Luhn check over the NPI with the 80840 prefix (which adds 24 to the sum)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 24
    for index, char in enumerate(reversed(npi)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def providers() -> list[dict]:
    return _data()["providers"]


def test_npi_check_matches_known_examples():
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")


def test_header_and_size(providers):
    data = _data()
    assert data["generated_by"] == "seed_data/generate_demo.py"
    assert data["seed"] == 2026
    assert len(providers) >= 600
    assert DEMO_FILE.stat().st_size < 1_600_000


def test_npis_valid_and_unique(providers):
    npis = [p["npi"] for p in providers]
    assert all(npi_is_valid(npi) for npi in npis), [n for n in npis if not npi_is_valid(n)][:5]
    assert len(set(npis)) == len(npis)


def test_every_slug_is_in_the_reference_lists(providers):
    valid = {key: _slugs(name) for key, name in REFERENCE_FILES.items()}
    types = _slugs("provider_types.csv")
    with open(SEED_DIR / "reference" / "nucc_behavioral_health_v25.1.csv", newline="", encoding="utf-8") as handle:
        roles = {row["code"]: row["app_role"] for row in csv.DictReader(handle)}
    with open(SEED_DIR / "reference" / "provider_types.csv", newline="", encoding="utf-8") as handle:
        role_of_type = {row["slug"]: row["nucc_app_role"] for row in csv.DictReader(handle)}
    for provider in providers:
        assert provider["type"] in types
        assert roles.get(provider["taxonomy_code"]) == role_of_type[provider["type"]], provider["npi"]
        for key, slugs in valid.items():
            assert provider[key], (provider["npi"], key)
            assert set(provider[key]) <= slugs, (provider["npi"], key, set(provider[key]) - slugs)
        assert "en" in provider["languages"]


def test_contact_details_are_fictional(providers):
    for provider in providers:
        assert provider["phone"][6:12] == "555-01", provider["phone"]
        website = provider["website"]
        assert website == "" or website.startswith(("https://example.org/", "https://example.com/"))
        assert provider["telehealth"] or provider["in_person"]
        assert provider["fee_min"] <= provider["fee_max"]
        assert 2 <= provider["statement"].count(".") and provider["statement"].strip() == provider["statement"]


def test_offices_are_real_zip_centroids(providers):
    by_zip = {row["zip_code"]: row for row in zipcodes.list_all()}
    for provider in providers:
        assert 1 <= len(provider["offices"]) <= 2
        for office in provider["offices"]:
            row = by_zip.get(office["zip"])
            assert row is not None, office["zip"]
            assert row["state"] == office["state"]
            assert row["city"].title() == office["city"]
            assert abs(float(row["lat"]) - office["lat"]) <= 0.01
            assert abs(float(row["long"]) - office["lng"]) <= 0.01


def test_many_places(providers):
    cities = {(o["city"], o["state"]) for p in providers for o in p["offices"]}
    states = {o["state"] for p in providers for o in p["offices"]}
    assert len(cities) >= 12
    assert len(states) >= 20
    for town in [("Pierre", "SD"), ("Ely", "NV"), ("Hays", "KS"), ("Boise", "ID"), ("Chicago", "IL")]:
        assert town in cities


def test_psychodynamic_weekly_providers_near_10025(providers):
    near = [p for p in providers if any(_miles(*UWS, o["lat"], o["lng"]) <= 5 for o in p["offices"])]
    assert len(near) >= 60
    dynamic_weekly = [
        p for p in near
        if {"psychodynamic", "psychoanalytic"} & set(p["modalities"]) and "weekly" in p["frequencies"]
    ]
    assert len(dynamic_weekly) >= 25


def test_generator_reproduces_the_committed_file(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_demo", SEED_DIR / "generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "demo.json"
    module.generate(output)
    assert output.read_bytes() == DEMO_FILE.read_bytes()


# --- The listing attributes added later: standard fee, free consultation, identity, faith, hours. ---------
NEW_KEYS = ("fee", "free_consultation", "free_consultation_minutes", "gender", "pronouns", "lgbtq_affirming",
            "ethnicities", "faith", "faith_integrated")
PRONOUN_STARTS = {"woman": ("she/",), "man": ("he/",), "nonbinary": ("they/", "ze/", "xe/", "any"),
                  "another": ("they/", "ze/", "xe/", "she/", "he/", "any")}


def _share(providers, test) -> float:
    return sum(1 for p in providers if test(p)) / len(providers)


def _offices_with_hours(providers) -> list[dict]:
    return [o for p in providers for o in p["offices"] if o["hours"]]


def test_every_provider_carries_the_new_attributes(providers):
    for provider in providers:
        assert all(key in provider for key in NEW_KEYS), provider["npi"]
        assert all("hours" in office for office in provider["offices"]), provider["npi"]
        for key in ("free_consultation", "lgbtq_affirming", "faith_integrated"):
            assert isinstance(provider[key], bool), (provider["npi"], key)


def test_standard_fee_lies_within_the_fee_range(providers):
    for provider in providers:
        fee, low, high = provider["fee"], provider["fee_min"], provider["fee_max"]
        if low is None or high is None:
            continue
        assert isinstance(fee, int) and fee % 5 == 0, provider["npi"]
        assert low <= fee <= high, (provider["npi"], low, fee, high)
    # The standard fee is not just one end of the range.
    assert 0.2 < _share(providers, lambda p: p["fee_min"] < p["fee"] < p["fee_max"])
    # With a sliding scale, fee_min is the reduced floor: the standard fee sits above it.
    sliding = [p for p in providers if p["sliding_scale"]]
    assert _share(sliding, lambda p: p["fee"] > p["fee_min"]) > 0.9


def test_free_consultation_has_minutes_only_when_offered(providers):
    for provider in providers:
        minutes = provider["free_consultation_minutes"]
        if provider["free_consultation"]:
            assert minutes in (10, 15, 20, 30, 45, 60), provider["npi"]
        else:
            assert minutes is None, provider["npi"]
    assert 0.25 < _share(providers, lambda p: p["free_consultation"]) < 0.7
    lengths = {p["free_consultation_minutes"] for p in providers if p["free_consultation"]}
    assert {15, 20, 30} <= lengths


def test_gender_and_pronouns_are_valid_optional_and_consistent(providers):
    from referral.services.attributes import attribute

    genders = {choice.value for choice in attribute("gender").choices}
    for provider in providers:
        gender, pronouns = provider["gender"], provider["pronouns"]
        assert gender is None or gender in genders, provider["npi"]
        assert isinstance(pronouns, str) and len(pronouns) <= 40 and pronouns == pronouns.strip()
        if gender and pronouns:
            assert pronouns.startswith(PRONOUN_STARTS[gender]), (provider["npi"], gender, pronouns)
    assert 0.2 < _share(providers, lambda p: p["gender"] is None) < 0.6
    assert _share(providers, lambda p: p["pronouns"] == "") > 0.5
    assert {p["gender"] for p in providers} == genders | {None}
    assert {"she/her", "he/him", "they/them"} <= {p["pronouns"] for p in providers}
    # Nonbinary clinicians mostly say their pronouns.
    nonbinary = [p for p in providers if p["gender"] == "nonbinary"]
    assert nonbinary and _share(nonbinary, lambda p: p["pronouns"]) > 0.6


def test_lgbtq_affirming_share_is_plausible(providers):
    assert 0.3 < _share(providers, lambda p: p["lgbtq_affirming"]) < 0.7
    gender_work = [p for p in providers if "gender-dysphoria" in p["concerns"]]
    assert gender_work and _share(gender_work, lambda p: p["lgbtq_affirming"]) > 0.8


def test_ethnicities_are_reference_slugs_and_often_left_empty(providers):
    with open(SEED_DIR / "reference" / "ethnicities.csv", newline="", encoding="utf-8") as handle:
        order = [row["slug"] for row in csv.DictReader(handle)]
    for provider in providers:
        listed = provider["ethnicities"]
        assert set(listed) <= set(order), (provider["npi"], listed)
        assert listed == sorted(set(listed), key=order.index), provider["npi"]
    assert _share(providers, lambda p: not p["ethnicities"]) > 0.45
    assert 0.15 < _share(providers, lambda p: p["ethnicities"])
    assert any(len(p["ethnicities"]) > 1 for p in providers)
    assert len({slug for p in providers for slug in p["ethnicities"]}) >= 6


def test_faith_is_optional_and_integration_mostly_comes_with_one(providers):
    faiths = _slugs("faiths.csv")
    for provider in providers:
        assert provider["faith"] is None or provider["faith"] in faiths, provider["npi"]
    assert 0.05 < _share(providers, lambda p: p["faith"]) < 0.35
    assert len({p["faith"] for p in providers if p["faith"]}) >= 5
    integrated = [p for p in providers if p["faith_integrated"]]
    assert integrated and _share(integrated, lambda p: p["faith"]) > 0.6
    assert not any(p["faith_integrated"] for p in providers if p["faith"] == "none")


def test_many_listings_leave_every_identity_field_empty(providers):
    empty = _share(providers, lambda p: p["gender"] is None and p["pronouns"] == "" and not p["ethnicities"]
                   and p["faith"] is None)
    assert empty > 0.1


def test_office_hours_are_valid_weekly_windows(providers):
    for provider in providers:
        for office in provider["offices"]:
            hours = office["hours"]
            assert hours == sorted(hours, key=lambda w: (w["day"], w["opens"])), provider["npi"]
            for window in hours:
                assert set(window) == {"day", "opens", "closes"}
                assert all(isinstance(window[key], int) for key in window)
                assert 0 <= window["day"] <= 6
                assert 0 <= window["opens"] < window["closes"] <= 1440, (provider["npi"], window)
            for before, after in zip(hours, hours[1:]):
                if before["day"] == after["day"]:
                    assert before["closes"] <= after["opens"], (provider["npi"], before, after)
        # One clinician is in one place at a time: the offices' windows do not overlap.
        windows = sorted((w["day"], w["opens"], w["closes"]) for o in provider["offices"] for w in o["hours"])
        for before, after in zip(windows, windows[1:]):
            assert before[0] != after[0] or before[2] <= after[1], provider["npi"]
        if not provider["in_person"]:
            assert not any(o["hours"] for o in provider["offices"]), provider["npi"]


def test_office_hours_follow_realistic_patterns(providers):
    offices = [o for p in providers for o in p["offices"]]
    with_hours = _offices_with_hours(providers)
    assert 0.6 < len(with_hours) / len(offices) < 0.97

    def share(test) -> float:
        return sum(1 for o in with_hours if any(test(w) for w in o["hours"])) / len(with_hours)

    assert share(lambda w: w["day"] < 5 and w["opens"] <= 9 * 60 and w["closes"] >= 17 * 60) > 0.4
    assert 0.2 < share(lambda w: w["closes"] >= 19 * 60) < 0.6
    assert 0.05 < share(lambda w: w["day"] == 5) < 0.3
    assert 0.03 < share(lambda w: w["opens"] < 9 * 60) < 0.25
    assert all(any(w["day"] < 5 for w in o["hours"]) for o in with_hours)


def test_listing_attributes_come_from_their_own_generator():
    spec = importlib.util.spec_from_file_location("generate_demo", SEED_DIR / "generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    record = json.loads(json.dumps(_data()["providers"][0]))
    expected = {key: record[key] for key in NEW_KEYS} | {"hours": [o["hours"] for o in record["offices"]]}
    place = {"key": "austin", "radius": 15}
    reference = module.reference_slugs()
    for _ in range(2):
        module.add_listing_attributes(record, place, module.SEED, reference)
        assert {key: record[key] for key in NEW_KEYS} | {"hours": [o["hours"] for o in record["offices"]]} == expected


def test_loading_the_demo_file_stores_every_new_attribute(app_ctx):
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from referral.extensions import db
    from referral.models import Office, OfficeHours, Provider, provider_ethnicities
    from referral.services.seeding import load_demo_providers

    records = {p["npi"]: p for p in _data()["providers"]}
    added, _ = load_demo_providers()
    assert added == len(records)
    count = lambda query: db.session.scalar(query)  # noqa: E731
    windows = sum(len(o["hours"]) for p in records.values() for o in p["offices"])
    assert count(select(func.count()).select_from(OfficeHours)) == windows
    assert count(select(func.count()).select_from(provider_ethnicities)) == sum(
        len(p["ethnicities"]) for p in records.values())
    providers = db.session.scalars(
        select(Provider).where(Provider.source == "demo")
        .options(selectinload(Provider.offices).selectinload(Office.hours), selectinload(Provider.ethnicities))
    ).unique().all()
    assert len(providers) == len(records)
    for provider in providers:
        record = records[provider.npi]
        assert provider.fee == record["fee"]
        assert provider.free_consultation is record["free_consultation"]
        assert provider.free_consultation_minutes == record["free_consultation_minutes"]
        assert provider.gender == record["gender"] and provider.pronouns == record["pronouns"]
        assert provider.lgbtq_affirming is record["lgbtq_affirming"]
        assert [e.slug for e in provider.ethnicities] == record["ethnicities"]
        assert (provider.faith.slug if provider.faith else None) == record["faith"]
        assert provider.faith_integrated is record["faith_integrated"]
        stored = [[{"day": h.day, "opens": h.opens, "closes": h.closes} for h in o.hours] for o in provider.offices]
        assert stored == [o["hours"] for o in record["offices"]], provider.npi
