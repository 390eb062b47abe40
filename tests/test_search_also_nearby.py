"""Nearby listings that name no approach or frequency, shown apart from the matches of a search by them."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from referral.extensions import db
from referral.models import Frequency, Modality, Office, Provider, ProviderType, provider_frequencies, provider_modalities
from referral.services.geocoding import Place
from referral.services.reference import get_by_slug
from referral.services.search import AvailabilityRules, also_nearby, search_providers
from referral.services.search_params import SearchCriteria
from test_search_sorts import haversine

CENTER = (41.8781, -87.6298)
RADIUS = 10
RULES = AvailabilityRules()
TYPES = ("psychologist", "psychiatrist")
MODALITIES = ("cbt", "psychodynamic")
FREQUENCIES = ("weekly", "monthly")
UNLISTED = ("modality", "frequency")

listings = st.lists(
    st.fixed_dictionaries({
        # Most within the radius, some beyond it; a few on the same spot, so that distance ties occur.
        "dlat": st.one_of(st.sampled_from([0.0, 0.01]), st.floats(min_value=-0.2, max_value=0.2)),
        "dlng": st.one_of(st.sampled_from([0.0, 0.01]), st.floats(min_value=-0.25, max_value=0.25)),
        "type": st.sampled_from(TYPES),
        # Registry listings name no approach and no frequency: often none here too.
        "modality": st.one_of(st.just(set()), st.sets(st.sampled_from(MODALITIES))),
        "frequency": st.one_of(st.just(set()), st.sets(st.sampled_from(FREQUENCIES))),
        "telehealth": st.booleans(),
        "in_person": st.booleans(),
        "listing_status": st.sampled_from(["unclaimed", "unclaimed", "verified", "pending"]),
    }),
    min_size=1,
    max_size=30,
)
filters = st.fixed_dictionaries({}, optional={
    "modality": st.lists(st.sampled_from(MODALITIES), min_size=1, max_size=2, unique=True).map(tuple),
    "frequency": st.lists(st.sampled_from(FREQUENCIES), min_size=1, max_size=2, unique=True).map(tuple),
    "type": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True).map(tuple),
    "telehealth": st.booleans(),
    "in_person": st.booleans(),
})


def _store(rows: list[dict]) -> None:
    """The generated listings, each with one office, its approaches and its frequencies."""
    db.session.execute(delete(Office))
    db.session.execute(delete(provider_modalities))
    db.session.execute(delete(provider_frequencies))
    db.session.execute(delete(Provider))
    if not rows:
        return
    type_ids = {slug: get_by_slug(ProviderType, slug).id for slug in TYPES}
    modality_ids = {slug: get_by_slug(Modality, slug).id for slug in MODALITIES}
    frequency_ids = {slug: get_by_slug(Frequency, slug).id for slug in FREQUENCIES}
    db.session.execute(insert(Provider), [{
        "id": r["id"], "first_name": f"F{r['id']}", "last_name": "Quillby", "provider_type_id": type_ids[r["type"]],
        "version_id": 1, "listing_status": r["listing_status"], "active": True, "source": "nppes",
        "telehealth": r["telehealth"], "in_person": r["in_person"]} for r in rows])
    db.session.execute(insert(Office), [{
        "id": r["id"], "provider_id": r["id"], "city": "Chicago", "state": "IL", "zip": "60602",
        "lat": CENTER[0] + r["dlat"], "lng": CENTER[1] + r["dlng"]} for r in rows])
    modalities = [{"provider_id": r["id"], "modality_id": modality_ids[m]} for r in rows for m in r["modality"]]
    frequencies = [{"provider_id": r["id"], "frequency_id": frequency_ids[f]} for r in rows for f in r["frequency"]]
    if modalities:
        db.session.execute(insert(provider_modalities), modalities)
    if frequencies:
        db.session.execute(insert(provider_frequencies), frequencies)
    db.session.flush()


def _criteria(asked: dict, located: bool = True) -> SearchCriteria:
    place = Place(CENTER[0], CENTER[1], "Chicago, IL", "IL") if located else None
    ids = {"modality": Modality, "frequency": Frequency, "type": ProviderType}
    filters = {name: tuple(get_by_slug(ids[name], slug).id for slug in value) if name in ids else value
               for name, value in asked.items()}
    return SearchCriteria(place=place, radius=RADIUS, per_page=100).with_filters(**filters)


def _judged(row: dict, asked: dict) -> bool:
    """Brute force of the filters every listing can be judged by: public, type, telehealth, in person."""
    if row["listing_status"] not in ("unclaimed", "verified"):
        return False
    if "type" in asked and row["type"] not in asked["type"]:
        return False
    return all(row[flag] == asked[flag] for flag in ("telehealth", "in_person") if flag in asked)


def _matches(row: dict, asked: dict) -> bool:
    """Brute force of the search itself."""
    return _judged(row, asked) and all(row[name] & set(asked[name]) for name in UNLISTED if name in asked)


def _in_group(row: dict, asked: dict) -> bool:
    """Brute force of the group: each approach or frequency filter matched or left unsaid, one at least unsaid."""
    kinds = [name for name in UNLISTED if name in asked]
    return (bool(kinds) and _judged(row, asked) and any(not row[name] for name in kinds)
            and all(not row[name] or row[name] & set(asked[name]) for name in kinds))


@settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=listings, asked=filters, limit=st.integers(min_value=1, max_value=12))
def test_the_group_is_the_nearest_listings_that_leave_the_filter_unsaid_as_brute_force(app_ctx, rows, asked, limit):
    for number, row in enumerate(rows, start=1):
        row["id"] = number
        row["miles"] = haversine(*CENTER, CENTER[0] + row["dlat"], CENTER[1] + row["dlng"])
    _store(rows)
    criteria = _criteria(asked)

    group = [hit.provider.id for hit in also_nearby(criteria, limit=limit, rules=RULES)]
    page = search_providers(criteria, rules=RULES)

    nearby = [row for row in rows if row["miles"] <= RADIUS]
    expected = sorted((row["miles"], row["id"]) for row in nearby if _in_group(row, asked))
    assert group == [pid for _, pid in expected[:limit]]
    matches = {row["id"] for row in nearby if _matches(row, asked)}
    assert {hit.provider.id for hit in page.hits} == matches and page.total == len(matches)
    assert not set(group) & matches
    db.session.rollback()


def test_no_group_without_a_place_or_without_an_approach_or_frequency_filter(app_ctx, make_provider):
    make_provider(source="nppes", listing_status="unclaimed")
    psychodynamic = (get_by_slug(Modality, "psychodynamic").id,)
    place = Place(40.7975, -73.9683, "New York, NY 10025", "NY", "10025")
    assert len(also_nearby(SearchCriteria(place=place).with_filters(modality=psychodynamic), rules=RULES)) == 1
    assert also_nearby(SearchCriteria(place=None).with_filters(modality=psychodynamic), rules=RULES) == []
    assert also_nearby(SearchCriteria(place=place), rules=RULES) == []
    assert also_nearby(SearchCriteria(place=place).with_filters(telehealth=False), rules=RULES) == []


def _registry_and_matching(make_provider):
    """A psychodynamic psychologist, a registry psychologist and psychiatrist nearby, and one far away."""
    make_provider(last_name="Quillmatch", modalities=["psychodynamic"], frequencies=["weekly"])
    north = {"lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}
    for name, miles, kind in (("Quillfar", 3, "psychologist"), ("Quillnear", 1, "psychologist"),
                              ("Quillmedic", 2, "psychiatrist"), ("Quillaway", 40, "psychologist")):
        make_provider(last_name=name, type=kind, source="nppes", listing_status="unclaimed", statement="",
                      offices=[{**north, "lat": 40.7975 + miles / 69.09}])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_page_shows_the_group_after_the_matches_with_its_own_heading(client, make_provider):
    _registry_and_matching(make_provider)
    body = text_of(client.get("/search?near=10025&modality=psychodynamic&type=psychologist"))
    assert "1 clinician within 25 miles" in body
    heading = "Nearby clinicians who haven't listed their approaches"
    assert heading in body and "have not said which approaches they use; ask them." in body
    after = body.split(heading, 1)[1]
    assert body.index("Quillmatch") < body.index(heading)
    assert after.index("Quillnear") < after.index("Quillfar") and "Quillmedic" not in body and "Quillaway" not in body
    assert "Quillmatch" not in after


def test_the_page_names_frequencies_when_they_were_the_filter(client, make_provider):
    _registry_and_matching(make_provider)
    body = text_of(client.get("/search?near=10025&frequency=monthly"))
    assert "No clinicians matched" in body
    assert "Nearby clinicians who haven't listed their session frequencies" in body
    assert "have not said how often they meet; ask them." in body and "Quillmatch" not in body
    body = text_of(client.get("/search?near=10025&frequency=monthly&modality=cbt"))
    assert "haven't listed their approaches or session frequencies" in body


def test_the_page_has_no_group_without_an_approach_filter(client, make_provider):
    _registry_and_matching(make_provider)
    for url in ("/search?near=10025&type=psychologist", "/search?modality=psychodynamic"):
        assert "haven't listed" not in text_of(client.get(url))


def test_the_api_gives_the_group_under_also_nearby_in_the_result_shape(client, make_provider):
    _registry_and_matching(make_provider)
    data = client.get("/api/v1/providers?near=10025&modality=psychodynamic&type=psychologist").get_json()
    assert [r["name"].split()[-1] for r in data["results"]] == ["Quillmatch"]
    assert data["total"] == 1 and data["total_exact"] is True
    assert [r["name"].split()[-1] for r in data["also_nearby"]] == ["Quillnear", "Quillfar"]
    assert set(data["also_nearby"][0]) == set(data["results"][0])
    assert data["also_nearby"][0]["modalities"] == [] and data["also_nearby"][0]["distance_miles"] > 0
    assert client.get("/api/v1/providers?near=10025&type=psychologist").get_json()["also_nearby"] == []
    assert client.get("/api/v1/providers?modality=psychodynamic").get_json()["also_nearby"] == []


def test_the_csv_export_holds_the_matches_only(client, make_provider):
    _registry_and_matching(make_provider)
    body = client.get("/api/v1/providers.csv?near=10025&modality=psychodynamic").get_data(as_text=True)
    assert "Quillmatch" in body and "Quillnear" not in body and "Quillfar" not in body
