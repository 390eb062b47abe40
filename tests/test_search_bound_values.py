"""Every value a located search uses reaches its SQL: searches that differ in one scalar filter, against brute force.

The ranked statement's SQL is compiled once per filter shape and run with each search's values, so a
value frozen into the compiled text would answer a later search with an earlier one's value. Each
example runs two located searches, one after the other, that differ only in one scalar filter.
"""
import math
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from referral.extensions import db
from referral.models import Office, Provider, ProviderType, utcnow
from referral.services.geocoding import EARTH_RADIUS_MILES, Place
from referral.services.reference import get_by_slug
from referral.services.search import AvailabilityRules, nearest_provider_ids
from referral.services.search_params import SearchCriteria
from search_order import best_match_key

CENTER = (43.6328, -116.2035)
RULES = AvailabilityRules()
WORDS = ("grief", "anxiety", "couples", "trauma")
# The scalar filters by search parameter, and the attribute each one filters.
FILTERS = {"max_fee": "fee", "accepting": "accepting", "telehealth": "telehealth", "in_person": "in_person",
           "sliding_scale": "sliding_scale"}
SCALAR_VALUES = {
    "max_fee": st.one_of(st.none(), st.integers(min_value=40, max_value=320)),
    "q": st.sampled_from(["", "grief", "anxiety", "couples", "grief trauma", "Quill"]),
    "accepting": st.sampled_from([None, True, False]),
    "telehealth": st.sampled_from([None, True, False]),
    "in_person": st.sampled_from([None, True, False]),
    "sliding_scale": st.sampled_from([None, True, False]),
}

providers = st.lists(
    st.fixed_dictionaries({
        "dlat": st.floats(min_value=-0.3, max_value=0.3, allow_nan=False),
        "dlng": st.floats(min_value=-0.4, max_value=0.4, allow_nan=False),
        "fee_min": st.one_of(st.none(), st.integers(min_value=40, max_value=300)),
        "fee_step": st.integers(min_value=0, max_value=50),
        "sliding_scale": st.booleans(),
        "telehealth": st.booleans(),
        "in_person": st.booleans(),
        "accepting": st.booleans(),
        "confirmed_days": st.one_of(st.none(), st.sampled_from([2, 60, 300])),
        "word": st.sampled_from(WORDS),
    }),
    min_size=0,
    max_size=30,
)


def haversine(lat1, lng1, lat2, lng2):
    """The formula the SQL uses, in Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def brute_force(rows: list[dict], criteria: SearchCriteria, now, limit: int) -> list[int]:
    """The ids a located search must return, filtered and ordered in Python."""
    accepting_cutoff = now - timedelta(days=RULES.stale_days)
    words = [word.lower() for word in criteria.q.split()[:8]]
    kept = []
    for row in rows:
        accepting = row["accepting_new_patients"] and row["availability_confirmed_at"] is not None \
            and row["availability_confirmed_at"] >= accepting_cutoff
        text = " ".join((row["first_name"], row["last_name"], row["statement"])).lower()
        wanted = criteria.filters
        if "accepting" in wanted and accepting != wanted["accepting"]:
            continue
        if any(flag in wanted and row[flag] != wanted[flag] for flag in ("telehealth", "in_person", "sliding_scale")):
            continue
        budget = wanted.get("fee")
        if budget is not None and not ((row["fee"] is not None and row["fee"] <= budget) or (
                row["sliding_scale"] and row["fee_min"] is not None and row["fee_min"] <= budget)):
            continue
        if not all(word in text for word in words):
            continue
        miles = haversine(CENTER[0], CENTER[1], row["lat"], row["lng"])
        if miles > criteria.radius:
            continue
        kept.append((best_match_key(row["accepting_new_patients"], row["availability_confirmed_at"], miles,
                                    (miles, row["id"]), now, RULES), row["id"]))
    return [pid for _, pid in sorted(kept)][:limit]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), listed=providers, field=st.sampled_from(sorted(SCALAR_VALUES)),
       per_page=st.integers(min_value=1, max_value=12))
def test_two_searches_differing_in_one_scalar_filter_each_match_brute_force(app_ctx, data, listed, field, per_page):
    now = utcnow()
    db.session.execute(delete(Office))
    db.session.execute(delete(Provider))
    type_id = get_by_slug(ProviderType, "psychologist").id
    rows = []
    for number, spec in enumerate(listed, start=1):
        confirmed = None if spec["confirmed_days"] is None else now - timedelta(days=spec["confirmed_days"])
        rows.append({
            "id": number, "first_name": "Ana", "last_name": f"Quill{number}", "provider_type_id": type_id,
            "version_id": 1, "listing_status": "unclaimed", "active": True, "source": "demo",
            "statement": f"I work with {spec['word']}.", "fee_min": spec["fee_min"],
            "fee_max": None if spec["fee_min"] is None else spec["fee_min"] + 50,
            "fee": None if spec["fee_min"] is None else spec["fee_min"] + spec["fee_step"],
            "sliding_scale": spec["sliding_scale"], "telehealth": spec["telehealth"], "in_person": spec["in_person"],
            "accepting_new_patients": spec["accepting"], "availability_confirmed_at": confirmed,
            "lat": CENTER[0] + spec["dlat"], "lng": CENTER[1] + spec["dlng"],
        })
    if rows:
        db.session.execute(insert(Provider), [{k: v for k, v in row.items() if k not in ("lat", "lng")} for row in rows])
        db.session.execute(insert(Office), [{"provider_id": row["id"], "city": "Boise", "state": "ID", "zip": "83702",
                                              "lat": row["lat"], "lng": row["lng"]} for row in rows])
    db.session.flush()

    drawn = {name: data.draw(values, label=name) for name, values in SCALAR_VALUES.items()}
    base = SearchCriteria(place=Place(CENTER[0], CENTER[1], "Boise, ID", "ID"), radius=25, per_page=per_page,
                          q=drawn.pop("q")).with_filters(**{FILTERS[name]: value for name, value in drawn.items()})
    first_value = data.draw(SCALAR_VALUES[field], label=f"first {field}")
    second_value = data.draw(SCALAR_VALUES[field], label=f"second {field}")
    for value in (first_value, second_value):
        criteria = replace(base, q=value) if field == "q" else base.with_filters(**{FILTERS[field]: value})
        found = [pid for pid, _ in nearest_provider_ids(criteria, per_page, now=now, rules=RULES)]
        assert found == brute_force(rows, criteria, now, per_page), f"{field}={value!r}"
    db.session.rollback()


def test_a_value_the_statement_does_not_bind_by_name_is_refused(app_ctx, monkeypatch):
    """A per-search value missing from the compiled statement would be frozen at its first value: refused."""
    from referral.services import search

    monkeypatch.setattr(search, "_precompiled", {})
    original = search._search_values
    monkeypatch.setattr(search, "_search_values", lambda *args: {**original(*args), "min_fee": 90})
    criteria = SearchCriteria(place=Place(CENTER[0], CENTER[1], "Boise, ID", "ID"))
    with pytest.raises(RuntimeError, match="min_fee"):
        nearest_provider_ids(criteria, 5)


def test_a_filter_added_the_natural_way_is_part_of_the_statement_key(app_ctx, make_provider, monkeypatch):
    """A new scalar filter written with a plain comparison (its value compiled in) still answers each search."""
    from dataclasses import dataclass

    from referral.services import search

    @dataclass(frozen=True)
    class WithMinFee(SearchCriteria):
        min_fee: int | None = None

    plain_filters = search.provider_filters

    def with_min_fee(criteria, now, rules, *, located=False):
        clauses = plain_filters(criteria, now, rules, located=located)
        if getattr(criteria, "min_fee", None) is not None:
            clauses.append(Provider.fee_min >= criteria.min_fee)
        return clauses

    monkeypatch.setattr(search, "provider_filters", with_min_fee)
    boise = {"lat": CENTER[0], "lng": CENTER[1], "zip": "83702", "city": "Boise", "state": "ID"}
    cheap = make_provider(fee_min=60, offices=[boise]).id
    dear = make_provider(fee_min=200, offices=[{**boise, "lat": CENTER[0] + 0.01}]).id
    place = Place(CENTER[0], CENTER[1], "Boise, ID", "ID")
    found = {minimum: [pid for pid, _ in nearest_provider_ids(WithMinFee(place=place, min_fee=minimum), 10)]
             for minimum in (50, 100, 250)}
    assert found == {50: [cheap, dear], 100: [dear], 250: []}


def test_a_list_parameter_counts_its_values_as_sent_like_the_documents_max_items(client):
    from referral.services.search_params import MAX_LIST_VALUES

    repeated = "&".join(["gender=woman"] * (MAX_LIST_VALUES + 1))
    response = client.get(f"/api/v1/providers?near=10025&{repeated}")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "gender"
    assert client.get("/api/v1/providers?near=10025&" + "&".join(["gender=woman"] * MAX_LIST_VALUES)).status_code == 200
