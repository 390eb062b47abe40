"""Reading listings for display: the same values the ORM holds, in a fixed number of statements."""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import selectinload

from referral.extensions import db
from referral.models import Modality, Office, Provider
from referral.models.listing import ProviderPhoto
from referral.services.attribute_values import published_value, value_labels
from referral.services.attributes import ATTRIBUTES
from referral.services.listing_reader import read_listing, read_listings
from referral.services.reference import all_items, ids_for_slugs
from referral.services.reference_cache import reference_list
from referral.services.search import AvailabilityRules

RULES = AvailabilityRules()
FULL = dict(
    modalities=["psychodynamic", "cbt", "act"], frequencies=["weekly", "several-weekly"], concerns=["depression", "grief"],
    insurance=["aetna", "self-pay"], languages=["es", "en"], age_groups=["adults", "teens"],
    treatment_lengths=["long-term"], ethnicity=["asian"], faith="jewish", faith_integrated=True,
    gender="woman", pronouns="she/her", lgbtq_affirming=True, wheelchair_accessible=True, telehealth=True,
    sliding_scale=True, free_consultation=True, free_consultation_minutes=15, licenses=["NY", "NJ"],
    offices=[{"lat": 40.79, "lng": -73.97, "zip": "10025", "city": "New York", "state": "NY",
              "hours": [{"day": 2, "opens": 18 * 60, "closes": 21 * 60}, {"day": 0, "opens": 540, "closes": 1020}]},
             {"lat": 40.70, "lng": -74.01, "zip": "10004", "city": "New York", "state": "NY", "address2": "Suite 3"}],
)


@contextmanager
def counted_statements():
    """The SELECT statements run inside the block."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def orm_listing(provider_id: int) -> Provider:
    """The listing through the ORM, everything loaded: what the reader must agree with."""
    options = [selectinload(Provider.offices).selectinload(Office.hours), selectinload(Provider.licenses)]
    options += [selectinload(getattr(Provider, a.column)) for a in ATTRIBUTES if a.multiple]
    return db.session.scalar(select(Provider).where(Provider.id == provider_id).options(*options))


def test_a_record_says_what_the_model_says_for_every_attribute(app_ctx, make_provider):
    provider_id = make_provider(**FULL).id
    db.session.expire_all()
    record, model = read_listing(provider_id), orm_listing(provider_id)
    for attribute in ATTRIBUTES:
        assert published_value(record, attribute, RULES) == published_value(model, attribute, RULES), attribute.name
        assert value_labels(record, attribute) == value_labels(model, attribute), attribute.name
    assert record.name == model.name and record.licensed_states == model.licensed_states == ["NJ", "NY"]
    assert [o.one_line for o in record.offices] == [o.one_line for o in model.offices]
    assert [[(w.day, w.opens, w.closes) for w in o.hours] for o in record.offices] == [
        [(w.day, w.opens, w.closes) for w in o.hours] for o in model.offices]
    columns = [column.key for column in Provider.__table__.columns]
    assert {key: getattr(record, key) for key in columns} == {key: getattr(model, key) for key in columns}
    # Lists keep the order the model's relationships give (names for approaches, sort order for frequencies).
    assert [m.slug for m in record.modalities] == [m.slug for m in model.modalities]
    assert [f.slug for f in record.frequencies] == ["several-weekly", "weekly"]
    assert record.photo is None


def test_a_photo_is_said_to_exist_without_its_bytes(app_ctx, make_provider):
    provider = make_provider()
    db.session.add(ProviderPhoto(provider_id=provider.id, content_type="image/jpeg", data=b"\xff\xd8"))
    db.session.commit()
    record = read_listing(provider.id)
    assert record.photo is not None and record.photo.updated_at is not None and not hasattr(record.photo, "data")


def test_the_number_of_statements_does_not_grow_with_the_listings(app_ctx, make_provider):
    ids = [make_provider(**FULL).id for _ in range(12)]
    reference_list(Modality)  # reference lists are read once per process, not per listing
    for model in {a.reference for a in ATTRIBUTES if a.reference is not None}:
        reference_list(model)
    with counted_statements() as one:
        read_listings(ids[:1])
    with counted_statements() as twelve:
        found = read_listings(ids)
    assert len(one) == len(twelve) == 4
    assert sorted(found) == sorted(ids)


def test_unknown_ids_are_left_out(app_ctx, make_provider):
    provider_id = make_provider().id
    assert list(read_listings([provider_id, 2**31 - 1])) == [provider_id]
    assert read_listings([]) == {} and read_listing(2**31 - 1) is None


def test_reference_lists_are_read_once_and_dropped_when_written(app_ctx):
    first = all_items(Modality)
    with counted_statements() as statements:
        again = all_items(Modality)
        found, unknown = ids_for_slugs(Modality, ["psychodynamic", "no-such-approach"])
    assert statements == [] and again == first
    assert unknown == ["no-such-approach"] and found == {"psychodynamic": reference_list(Modality).id_by_slug["psychodynamic"]}
    db.session.add(Modality(slug="test-approach", name="A test approach", sort_order=999))
    db.session.flush()  # a write to a reference list through the session drops this process's copy
    assert "test-approach" in [m.slug for m in all_items(Modality)]
    db.session.rollback()


def test_reference_lists_are_read_again_once_older_than_the_configured_age(app, monkeypatch):
    app.config["REFERENCE_CACHE_SECONDS"] = 30
    clock = [1000.0]
    monkeypatch.setattr("referral.services.reference_cache.time.monotonic", lambda: clock[0])
    with app.app_context():
        all_items(Modality)
        with counted_statements() as fresh:
            all_items(Modality)
        clock[0] += 31
        with counted_statements() as stale:
            all_items(Modality)
    assert fresh == [] and len(stale) == 1


@pytest.mark.parametrize("path", ["/search?near=10025&modality=psychodynamic", "/api/v1/providers?near=10025"])
def test_a_search_request_costs_a_fixed_number_of_statements(client, app, make_provider, path):
    for n in range(3):
        make_provider(last_name=f"Few{n}", **FULL)
    client.get(path)  # reference lists read
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
        few = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        with app.app_context():
            for n in range(20):
                make_provider(last_name=f"Many{n}", **FULL)
        statements.clear()
        assert client.get(path).status_code == 200
        many = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    # The ranked fetch (one or more widening circles), then the three reads; no count of the circle.
    assert len(many) <= len(few) + 1 and len(many) <= 7
    # Nothing counts the matches; a listing's own unanswered messages are counted from their tables (responsiveness).
    for statement in many:
        counted_tables = re.findall(r"count\([^)]*\)(?: as \w+)?\s+from\s+(\w+)", statement.lower())
        assert statement.lower().count("count(") == len(counted_tables)
        assert set(counted_tables) <= {"inquiry_records", "referral_copies"}
