"""Random filters and every sort, with and without a place, against a brute force over the same listings."""
import math
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from referral.extensions import db
from referral.models import Office, OfficeHours, Provider, ProviderType, utcnow
from referral.services.geocoding import EARTH_RADIUS_MILES, Place
from referral.services.reference import get_by_slug
from referral.services.search import AvailabilityRules, search_providers
from referral.services.search_params import SORT_VALUES, SearchCriteria, parse_search
from search_order import best_match_key

CENTER = (41.8781, -87.6298)
RULES = AvailabilityRules()

listings = st.lists(
    st.fixed_dictionaries({
        # Most listings within a couple of miles, so that many share a distance band; some far apart.
        "dlat": st.one_of(st.floats(min_value=-0.02, max_value=0.02), st.floats(min_value=-0.25, max_value=0.25)),
        "dlng": st.one_of(st.floats(min_value=-0.03, max_value=0.03), st.floats(min_value=-0.3, max_value=0.3)),
        "fee": st.one_of(st.none(), st.integers(min_value=60, max_value=300)),
        "sliding_scale": st.booleans(),
        "gender": st.sampled_from([None, "woman", "man", "nonbinary"]),
        "lgbtq_affirming": st.booleans(),
        "free_consultation": st.booleans(),
        "accepting": st.booleans(),
        "confirmed_days": st.one_of(st.none(), st.integers(min_value=0, max_value=400), st.sampled_from([44, 45, 46])),
        "evenings": st.booleans(),
        "last_name": st.sampled_from(["Abbot", "Birch", "Cole", "Abbot", "Dunn"]),
    }),
    min_size=3,
    max_size=25,
)
filters = st.fixed_dictionaries({}, optional={
    "gender": st.lists(st.sampled_from(["woman", "man", "nonbinary"]), min_size=1, max_size=2, unique=True).map(tuple),
    "lgbtq_affirming": st.booleans(),
    "free_consultation": st.booleans(),
    "fee": st.integers(min_value=50, max_value=320),
    "hours": st.just(("evenings",)),
})


def haversine(lat1, lng1, lat2, lng2):
    """The formula the SQL uses, in Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def wanted(row: dict, asked: dict) -> bool:
    """Brute force of the filters drawn."""
    if "gender" in asked and row["gender"] not in asked["gender"]:
        return False
    if any(flag in asked and row[flag] != asked[flag] for flag in ("lgbtq_affirming", "free_consultation")):
        return False
    if "fee" in asked and not ((row["fee"] is not None and row["fee"] <= asked["fee"]) or (
            row["sliding_scale"] and row["fee_min"] is not None and row["fee_min"] <= asked["fee"])):
        return False
    return not ("hours" in asked and not row["evenings"])


def order_key(row: dict, sort: str, miles, now):
    """The sort's order in Python: distance breaks ties with a place, the name without one."""
    confirmed = row["availability_confirmed_at"]
    ties = (miles, row["id"]) if miles is not None else (row["last_name"], row["first_name"], row["id"])
    if sort == "distance":
        return (miles, row["id"])
    if sort == "fee":
        return (row["fee"] is None, row["fee"] or 0, *ties)
    if sort == "confirmed":
        return (confirmed is None, -(confirmed.timestamp() if confirmed else 0), *ties)
    return best_match_key(row["accepting"], confirmed, miles, ties, now, RULES)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=listings, asked=filters, sort=st.sampled_from(SORT_VALUES), located=st.booleans(),
       per_page=st.integers(min_value=1, max_value=8), page=st.integers(min_value=1, max_value=3))
def test_filters_and_sorts_match_brute_force_page_by_page(app_ctx, rows, asked, sort, located, per_page, page):
    if sort == "distance" and not located:
        sort = "best"
    now = utcnow()
    db.session.execute(delete(Office))
    db.session.execute(delete(Provider))
    type_id = get_by_slug(ProviderType, "psychologist").id
    for number, row in enumerate(rows, start=1):
        row.update(id=number, first_name=f"F{number}", fee_min=None if row["fee"] is None else row["fee"] - 20,
                   availability_confirmed_at=None if row["confirmed_days"] is None
                   else now - timedelta(days=row["confirmed_days"], minutes=number))
    if rows:
        db.session.execute(insert(Provider), [{
            "id": r["id"], "first_name": r["first_name"], "last_name": r["last_name"], "provider_type_id": type_id,
            "version_id": 1, "listing_status": "unclaimed", "active": True, "source": "demo", "fee": r["fee"],
            "fee_min": r["fee_min"], "fee_max": r["fee"], "sliding_scale": r["sliding_scale"], "gender": r["gender"],
            "lgbtq_affirming": r["lgbtq_affirming"], "free_consultation": r["free_consultation"],
            "availability_confirmed_at": r["availability_confirmed_at"], "accepting_new_patients": r["accepting"],
        } for r in rows])
        db.session.execute(insert(Office), [{
            "id": r["id"], "provider_id": r["id"], "city": "Chicago", "state": "IL", "zip": "60602",
            "lat": CENTER[0] + r["dlat"], "lng": CENTER[1] + r["dlng"]} for r in rows])
        evening = [{"office_id": r["id"], "day": 2, "opens": 12 * 60, "closes": 19 * 60} for r in rows if r["evenings"]]
        if evening:
            db.session.execute(insert(OfficeHours), evening)
    db.session.flush()

    place = Place(CENTER[0], CENTER[1], "Chicago, IL", "IL") if located else None
    criteria = SearchCriteria(place=place, radius=25, sort=sort, page=page, per_page=per_page).with_filters(**asked)
    found = search_providers(criteria, now=now, rules=RULES)

    kept = []
    for row in rows:
        miles = haversine(CENTER[0], CENTER[1], CENTER[0] + row["dlat"], CENTER[1] + row["dlng"]) if located else None
        if wanted(row, asked) and (miles is None or miles <= 25):
            kept.append((order_key(row, sort, miles, now), row["id"]))
    expected = [pid for _, pid in sorted(kept)]
    offset = (page - 1) * per_page
    assert [hit.provider.id for hit in found.hits] == expected[offset:offset + per_page]
    if found.total_exact:
        assert found.total == len(expected)
    else:  # nothing counted beyond the page: it knows only the matches through it, and that more follow
        assert found.total == offset + per_page < len(expected) and found.has_next
    db.session.rollback()


def test_within_a_mile_availability_comes_before_a_few_hundred_yards(app_ctx, make_provider, fake_geocoder):
    north = {"lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}

    def miles_north(miles):
        return [{**north, "lat": 40.7975 + miles / 69.09}]

    make_provider(last_name="Closed", offices=miles_north(0.1), accepting_new_patients=False, confirmed_days_ago=2)
    make_provider(last_name="Unconfirmed", offices=miles_north(0.3), confirmed_days_ago=300)
    make_provider(last_name="Unlisted", offices=miles_north(0.4), accepting_new_patients=False, confirmed_days_ago=None)
    make_provider(last_name="Open", offices=miles_north(0.9), confirmed_days_ago=20)
    make_provider(last_name="NextMile", offices=miles_north(1.1), confirmed_days_ago=1)

    def order(**params):
        return [hit.provider.last_name for hit in search_providers(parse_search({"near": "10025", **params}, fake_geocoder)).hits]

    assert order() == ["Open", "Unconfirmed", "Unlisted", "Closed", "NextMile"]
    assert order(sort="distance") == ["Closed", "Unconfirmed", "Unlisted", "Open", "NextMile"]
