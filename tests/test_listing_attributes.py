"""A walk over the registry of listing attributes: every attribute, end to end.

For each attribute declared in services/attributes.py: its search parameter is parsed and a bad value is
refused with the attribute's label; its filter matches exactly what a brute force over the listings
finds (with and without a place); the search form asks for it; the editor offers it; the profile, the
JSON API, the OpenAPI document and the CSV export carry it; a change to it shows in the history.
"""
import csv
import io
from datetime import timedelta
from markupsafe import escape

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import Office, OfficeHours, Provider, User, utcnow
from referral.services.attribute_values import hours_windows, stored_value, value_labels
from referral.services.attributes import (
    ANY_OF,
    API,
    AT_MOST,
    ATTRIBUTES,
    AVAILABILITY,
    CSV,
    HISTORY,
    HOURS,
    OPENAPI,
    YES_NO,
)
from referral.services.listings import FIELD_LABELS, update_listing
from referral.services.search import AvailabilityRules

RULES = AvailabilityRules()
EVENING = [{"day": 0, "opens": 12 * 60, "closes": 20 * 60}]
DAYTIME = [{"day": 1, "opens": 10 * 60, "closes": 16 * 60}]
BAD_VALUES = {ANY_OF: "no-such-value", HOURS: "midnight-feasts", YES_NO: "maybe", AVAILABILITY: "perhaps",
              AT_MOST: "cheap"}


def samples(attribute) -> tuple:
    """Two different values of the attribute, as a listing holds them (slugs, choices, flags, numbers)."""
    if attribute.reference is not None:
        slugs = list(db.session.scalars(select(attribute.reference.slug).order_by(attribute.reference.sort_order)))
        return ([slugs[0]], [slugs[1]]) if attribute.multiple else (slugs[0], slugs[1])
    if attribute.filter == HOURS:
        return EVENING, DAYTIME
    if attribute.choices:
        return attribute.choices[0].value, attribute.choices[1].value
    if attribute.filter in (YES_NO, AVAILABILITY):
        return True, False
    if attribute.maximum is not None:
        return 100, 200
    return "she/her", "they/them"


def give(provider: Provider, attribute, value) -> None:
    """Set one attribute of a provider, whatever its storage."""
    if attribute.filter == HOURS:
        for office in provider.offices:
            office.hours = [OfficeHours(**window) for window in value]
    elif attribute.filter == AVAILABILITY:
        provider.accepting_new_patients = value
        provider.availability_confirmed_at = utcnow() - timedelta(days=2)
    elif attribute.reference is not None:
        model = attribute.reference
        items = [db.session.scalar(select(model).where(model.slug == slug)) for slug in
                 (value if attribute.multiple else [value])]
        setattr(provider, attribute.column, items if attribute.multiple else items[0])
    else:
        setattr(provider, attribute.column, value)


def matches(provider: Provider, attribute, asked) -> bool:
    """Brute force: whether the provider matches the filter value asked for, read from its stored value."""
    if attribute.filter == AT_MOST:
        return (provider.fee is not None and provider.fee <= asked) or (
            provider.sliding_scale and provider.fee_min is not None and provider.fee_min <= asked)
    if attribute.filter == AVAILABILITY:
        confirmed = provider.availability_confirmed_at
        accepting = bool(provider.accepting_new_patients and confirmed and confirmed >= utcnow() - timedelta(days=45))
        return accepting == asked
    if attribute.filter == YES_NO:
        return bool(getattr(provider, attribute.column)) == asked
    if attribute.filter == HOURS:
        return bool(set(hours_windows(provider)) & set(asked))
    value = stored_value(provider, attribute)
    held = set(value) if isinstance(value, list) else {value}
    return bool(held & set(asked))


def filter_value(attribute, first):
    """What to ask the search for so that the first sample matches: (query value, value for brute force)."""
    if attribute.filter == HOURS:
        return "evenings", ("evenings",)
    if attribute.filter in (YES_NO, AVAILABILITY):
        return "true", True
    if attribute.filter == AT_MOST:
        return "150", 150
    slug = first[0] if isinstance(first, list) else first
    return slug, (slug,)


@pytest.fixture
def three(app_ctx, make_provider):
    """Three listings near 10025 that differ in nothing the walk sets, fees aside."""
    return [make_provider(last_name=f"Quarrel{n}", fee=None, fee_min=None, fee_max=None) for n in range(3)]


@pytest.mark.parametrize("attribute", ATTRIBUTES, ids=lambda a: a.name)
def test_every_attribute_end_to_end(app, app_ctx, three, make_user, attribute):
    first, second = samples(attribute)
    listed, other, plain = three
    give(listed, attribute, first)
    give(other, attribute, second)
    db.session.commit()
    ids = {p.id for p in three}
    providers = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
    asked, brute_value = filter_value(attribute, first)
    expected = {pid for pid, provider in providers.items() if matches(provider, attribute, brute_value)}
    expected_labels = value_labels(listed, attribute)
    listed_id = listed.id
    db.session.remove()
    app_ctx.pop()
    client = app.test_client()
    try:
        if attribute.searchable and attribute.filter:
            _check_search(client, attribute, asked, ids, expected)
        _check_outputs(client, attribute, listed_id, expected_labels)
        if attribute.editable and HISTORY in attribute.outputs:
            _check_editor_and_history(app, client, make_user, attribute, listed_id, second)
    finally:
        app_ctx.push()


def _check_search(client, attribute, asked, ids, expected):
    parameter = attribute.search_parameter
    bad = BAD_VALUES[attribute.filter]
    refused = client.get(f"/api/v1/providers?{parameter}={bad}")
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["parameter"] == parameter
    message = error["errors"][parameter]
    assert str(attribute.question) in message or str(attribute.plural).lower() in message.lower(), message
    page = client.get(f"/search?near=10025&{parameter}={bad}")
    assert page.status_code == 400 and escape(message) in page.get_data(as_text=True)

    for place in ("near=10025&", ""):
        found = client.get(f"/api/v1/providers?{place}{parameter}={asked}&per_page=100").get_json()["results"]
        assert {r["id"] for r in found} & ids == expected, place
    assert escape(attribute.question) in client.get("/search").get_data(as_text=True)


def _check_outputs(client, attribute, listed_id, expected_labels):
    profile = client.get(f"/providers/{listed_id}").get_data(as_text=True)
    for label in expected_labels:
        assert escape(label) in profile, label
    detail = client.get(f"/api/v1/providers/{listed_id}").get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    if API in attribute.outputs:
        assert attribute.output_key in detail
        assert attribute.output_key in document["components"]["schemas"]["ProviderDetail"]["properties"]
        if attribute.in_summary:
            results = client.get("/api/v1/providers?per_page=100").get_json()["results"]
            assert all(attribute.output_key in result for result in results)
    if OPENAPI in attribute.outputs and attribute.searchable and attribute.filter:
        parameters = document["paths"]["/api/v1/providers"]["get"]["parameters"]
        assert attribute.search_parameter in {p["name"] for p in parameters}
    if CSV in attribute.outputs:
        rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/providers.csv").get_data(as_text=True))))
        row = next(r for r in rows if r["id"] == str(listed_id))
        value = detail[attribute.output_key]
        shown = ";".join(value) if isinstance(value, list) else ("yes" if value is True else "no" if value is False
                                                                 else "" if value is None else str(value))
        assert row[attribute.output_key] == shown


def _check_editor_and_history(app, client, make_user, attribute, listed_id, second):
    owner = make_user()
    with app.app_context():
        provider = db.session.get(Provider, listed_id)
        provider.owner_id, provider.listing_status, provider.verified_at = owner.id, "verified", utcnow()
        db.session.commit()
    client.post("/login", data={"email": owner.email, "password": owner.test_password})
    editor = client.get(f"/listings/{listed_id}/edit").get_data(as_text=True)
    assert escape(attribute.editor_label) in editor
    with app.app_context():
        provider = db.session.get(Provider, listed_id)
        user = db.session.get(User, owner.id)
        change = second if attribute.reference is None or attribute.multiple else second
        update_listing(user, listed_id, {attribute.output_key: change}, provider.version_id,
                       app.extensions["geocoder"])
        db.session.commit()
    history = client.get(f"/listings/{listed_id}/history").get_data(as_text=True)
    assert escape(FIELD_LABELS[attribute.output_key]) in history


def test_every_output_key_is_unique_and_labelled():
    keys = [attribute.output_key for attribute in ATTRIBUTES]
    parameters = [attribute.search_parameter for attribute in ATTRIBUTES if attribute.searchable]
    assert len(keys) == len(set(keys)) and len(parameters) == len(set(parameters))
    for attribute in ATTRIBUTES:
        assert attribute.label and attribute.plural and attribute.question and attribute.editor_label
        assert attribute.output_key in FIELD_LABELS


def test_office_windows_place_a_listing_in_each_hours_filter(app_ctx, make_provider):
    provider = make_provider()
    office = db.session.get(Office, provider.offices[0].id)
    office.hours = [OfficeHours(day=5, opens=7 * 60 + 30, closes=12 * 60)]
    db.session.commit()
    assert hours_windows(db.session.get(Provider, provider.id)) == ["weekends", "early-mornings"]
