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
