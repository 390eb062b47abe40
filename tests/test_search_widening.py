"""The widening nearest-first search returns exactly what a brute-force search returns."""
import math
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from referral.extensions import db
from referral.models import Office, Provider, ProviderType, utcnow
from referral.services.geocoding import EARTH_RADIUS_MILES, Place
from referral.services.reference import get_by_slug
from referral.services.search import nearest_provider_ids
from referral.services.search_params import SearchCriteria
from search_order import best_match_key

CENTER = (40.7975, -73.9683)


def haversine(lat1, lng1, lat2, lng2):
    """The same formula the SQL uses, in Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


offices = st.lists(
    st.tuples(
        st.floats(min_value=-0.6, max_value=0.6, allow_nan=False),  # degrees of latitude from the centre
        st.floats(min_value=-0.8, max_value=0.8, allow_nan=False),
        st.integers(min_value=0, max_value=2),  # which provider of a small pool owns the office
    ),
    min_size=0,
    max_size=60,
)
# Each provider's availability: whether the listing says it is accepting, and how many days ago it was confirmed.
availabilities = st.lists(
    st.tuples(st.booleans(), st.one_of(st.none(), st.sampled_from([0, 20, 44, 46, 90, 300]))),
    min_size=40,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=offices, radius=st.sampled_from([3, 10, 25, 40]), per_page=st.integers(1, 15), page=st.integers(1, 4),
       provider_count=st.integers(1, 40), availability=availabilities)
def test_widening_equals_brute_force(app_ctx, data, radius, per_page, page, provider_count, availability):
    db.session.execute(delete(Office))
    db.session.execute(delete(Provider))
    type_id = get_by_slug(ProviderType, "psychologist").id
    now = utcnow()
    listed = {}
    for pid in range(1, provider_count + 1):
        accepting, days = availability[pid - 1]
        listed[pid] = (accepting, None if days is None else now - timedelta(days=days, minutes=pid))
    db.session.execute(insert(Provider), [
        {"id": pid, "first_name": "A", "last_name": f"P{pid}", "provider_type_id": type_id, "version_id": 1,
         "listing_status": "unclaimed", "active": True, "source": "demo",
         "accepting_new_patients": accepting, "availability_confirmed_at": confirmed}
        for pid, (accepting, confirmed) in listed.items()
    ])
    rows = []
    for index, (dlat, dlng, owner) in enumerate(data):
        pid = (index * 7 + owner) % provider_count + 1
        rows.append({"provider_id": pid, "city": "X", "state": "NY", "zip": "10025",
                     "lat": CENTER[0] + dlat, "lng": CENTER[1] + dlng})
    if rows:
        db.session.execute(insert(Office), rows)
    db.session.flush()

    # Brute force: every provider's nearest office, kept within the radius, ordered as the service orders.
    nearest: dict[int, float] = {}
    for row in rows:
        d = haversine(CENTER[0], CENTER[1], row["lat"], row["lng"])
        if d <= radius and d < nearest.get(row["provider_id"], math.inf):
            nearest[row["provider_id"]] = d
    ordered = sorted(nearest, key=lambda pid: best_match_key(*listed[pid], nearest[pid], (nearest[pid], pid), now))
    offset = (page - 1) * per_page
    expected = ordered[offset:offset + per_page]

    criteria = SearchCriteria(place=Place(CENTER[0], CENTER[1], "centre", "NY"), radius=radius, page=page, per_page=per_page)
    found = nearest_provider_ids(criteria, per_page, offset, now=now)
    assert [pid for pid, _ in found] == expected
    for pid, distance in found:
        assert distance <= radius + 1e-9
        assert abs(distance - nearest[pid]) < 1e-6
    db.session.rollback()
