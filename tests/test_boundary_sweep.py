"""Every route of the URL map, with every method it takes, signed out and in each role, fed hostile input.

Real ids stand in for the route's converters. A NUL byte, a lone surrogate (in JSON, and as undecodable
percent-escapes in the query and the path), an integer beyond 64 bits in a JSON body, and JSON nested 5,000
deep are refused by the input boundary with 400; huge integers in the query string and the path reach the
views, which must answer without a server error. A failure names the rule, the method, the role and the payload.

Each test records the statuses it saw as the junit property "statuses" (pytest --junitxml) and prints nothing.
"""
from collections import Counter

import pytest
from conftest import set_up
from sqlalchemy import select

from config import TestingConfig
from referral import create_app
from referral.extensions import db
from referral.hsds.records import hsds_id
from referral.models import REVIEW_NEW, Inquiry, ListingReview, Office, ReferrerProfile, utcnow
from referral_world import as_role, sent, world  # noqa: F401

HUGE = str(10**30)
ROLES = ("anonymous", "recipient", "referrer", "admin")
# Every numeric query parameter some route reads (search, API, FHIR, HSDS, pages).
NUMERIC_PARAMETERS = ("page", "per_page", "max_fee", "radius", "lat", "lng", "_count", "_offset", "_id",
                      "proximity", "organization_id", "version", "id", "provider_id")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _rules() -> list[tuple[str, str]]:
    """(rule, method) for every rule of the app's URL map and every method it takes but HEAD and OPTIONS."""
    url_map = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://").url_map
    return sorted((rule.rule, method) for rule in url_map.iter_rules()
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))


RULES = _rules()


# Payloads the boundary refuses: name -> the request's keyword arguments for a path with real ids.
def _with_query(text: str):
    return lambda path: {"path": f"{path}?{text}"}


def _with_json(body: str):
    return lambda path: {"path": path, "data": body.encode(), "content_type": "application/json"}


REFUSED = {
    "NUL in the query": _with_query("q=a%00b"),
    "lone surrogate in JSON": _with_json('{"q": "\\ud800", "name": "x"}'),
    "undecodable escape in the query": _with_query("q=%ED%A0%80"),
    "integer beyond 64 bits in JSON": _with_json(f'{{"version": {2**64}, "id": {2**64}}}'),
    "JSON nested 5,000 deep": _with_json("[" * 5000 + "]" * 5000),
}
REFUSED_IN_FORMS = {
    "NUL in a form field": lambda path: {"path": path, "data": "name=a%00b",
                                         "content_type": "application/x-www-form-urlencoded"},
}
# Path payloads: what replaces the first converter's value (or is appended where the rule has none).
REFUSED_IN_PATH = {"NUL in the path": "a%00b", "undecodable escape in the path": "%ED%A0%80"}


@pytest.fixture
def ids(app, world, sent):
    """A real value for each converter name the URL map uses."""
    with set_up(app):
        review = ListingReview(provider_id=world.provider_c.id, requester_id=world.other_provider.id, kind=REVIEW_NEW,
                               created_at=utcnow())
        inquiry = Inquiry(provider_id=world.provider_a.id, name="Sam", email="sam@example.net", phone="",
                          preferred_contact="email", message="Weekly sessions?", consented_at=utcnow())
        db.session.add_all([review, inquiry])
        db.session.commit()
        review_id, inquiry_id = review.id, inquiry.id
        profile_id = db.session.scalar(select(ReferrerProfile.id).where(ReferrerProfile.user_id == world.other_referrer.id))
        office_id = db.session.scalar(select(Office.id).where(Office.provider_id == world.provider_a.id))
        provider_type_id = world.provider_a.provider_type_id
    provider_id = world.provider_a.id
    return {
        "provider_id": str(provider_id), "review_id": str(review_id), "profile_id": str(profile_id),
        "inquiry_id": str(inquiry_id), "token": "not-a-token", "action": "accept", "resource_type": "Practitioner",
        "resource_id": str(provider_id), "version_id": "1", "unknown": "nowhere", "filename": "css/site.css",
        "public_id": {"/copies/": sent.a.public_id, "/": sent.referral.public_id},
        "slug": {"/check/": "phq-9", "/therapies/": "psychodynamic"},
        "record_id": {"/hsds/services/": hsds_id("service", provider_id),
                      "/hsds/organizations/": hsds_id("organization", provider_id),
                      "/hsds/locations/": hsds_id("location", office_id),
                      "/hsds/service_at_locations/": hsds_id("service_at_location", office_id),
                      "/hsds/taxonomies/": hsds_id("taxonomy", 1),
                      "/hsds/taxonomy_terms/": hsds_id("provider_type_term", provider_type_id)},
    }


def _value_for(name: str, rule: str, ids: dict) -> str:
    """The real value of a converter; where it depends on the route, the first whose marker the rule holds."""
    value = ids[name]
    if isinstance(value, dict):
        return next(text for marker, text in value.items() if marker in rule)
    return value


def _path(rule: str, ids: dict, replacement: str | None = None) -> str:
    """The rule with real values for its converters; `replacement` in place of the first (appended when none)."""
    pieces = rule.replace(">", "<").split("<")  # odd pieces are converters: "int:provider_id", "public_id"
    for index in range(1, len(pieces), 2):
        name = pieces[index].split(":")[-1]
        pieces[index] = replacement if index == 1 and replacement is not None else _value_for(name, rule, ids)
    path = "".join(pieces)
    return path + replacement if len(pieces) == 1 and replacement is not None else path


def _requests(rule: str, method: str, ids: dict):
    """(payload name, request keyword arguments, whether the boundary must refuse it) for one rule and method."""
    path = _path(rule, ids)
    for name, build in {**REFUSED, **(REFUSED_IN_FORMS if method in WRITE_METHODS else {})}.items():
        yield name, build(path), True
    for name, replacement in REFUSED_IN_PATH.items():
        yield name, {"path": _path(rule, ids, replacement)}, True
    yield "huge integers in the query", {"path": f"{path}?" + "&".join(f"{p}={HUGE}" for p in NUMERIC_PARAMETERS)}, False
    if "<" in rule:
        yield "huge integer in the path", {"path": _path(rule, ids, HUGE)}, False


@pytest.mark.parametrize("rule, method", RULES, ids=[f"{method} {rule}" for rule, method in RULES])
def test_hostile_input_is_refused_with_400_and_never_gets_a_server_error(app, ids, as_role, record_property, rule, method):
    statuses, failures = Counter(), []
    for role in ROLES:
        client = as_role(role)
        for payload, request, refused in _requests(rule, method, ids):
            status = client.open(method=method, **request).status_code
            statuses[f"{status // 100}xx"] += 1
            if status >= 500 or (refused and status != 400):
                failures.append(f"{method} {rule} as {role} with {payload}: {status} ({request['path'][:120]})")
    record_property("statuses", dict(statuses))
    assert not failures, "\n".join(failures)


GET_RULES = [rule for rule, method in RULES if method == "GET" and not rule.startswith("/static")]


@pytest.mark.parametrize("rule", GET_RULES)
def test_what_any_signed_in_role_is_shown_is_never_cached(app, ids, as_role, rule):
    uncached = []
    for role in ROLES[1:]:
        answer = as_role(role).get(_path(rule, ids))
        answer.close()  # a streamed answer (the CSV exports) holds its request open until closed
        if answer.headers.get("Cache-Control") != "no-store":
            uncached.append(f"GET {rule} as {role}: {answer.status_code} {answer.headers.get('Cache-Control')!r}")
    assert not uncached, "\n".join(uncached)
