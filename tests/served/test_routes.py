"""Every GET route of the URL map, over HTTP: no 5xx, whole bodies, HEAD as GET, no cookie for an anonymous visitor
outside the form pages (cookie_pages.FORM_PAGES), and the signed-in pages reached.

The routes come from a `create_app()` URL map, so a new GET route is covered as soon as it exists (and
fails here until its arguments are given realistic values below). Each route is asked for by an
anonymous visitor (GET and HEAD) and by the admin, the referrer and the recipient provider of the
world. Asked with the values of a real record, each route must open (an answer below 400 that is not
the login page) for at least one of them, so that the routes behind a sign-in are covered signed in.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from config import DevelopmentConfig
from cookie_pages import FORM_PAGES, sends_to_sign_in

from .visitor import Visitor

ROLES = ("admin", "referrer", "recipient")
UNKNOWN_ID = 987_654_321
BEYOND_INTEGER = 2**40
# Routes that answer "not found" to everyone: the catch-alls of the interoperability interfaces.
NOT_FOUND_BY_DESIGN = {"fhir.unknown_path", "hsds.unknown_path"}
_url_map = {}


def _app():
    if "app" not in _url_map:
        from referral import create_app

        _url_map["app"] = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://", MAIL_TO_CONSOLE=False)
    return _url_map["app"]


def get_rules():
    """The GET rules of the app's URL map, static files aside."""
    return sorted((rule for rule in _app().url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"),
                  key=lambda rule: rule.rule)


def pytest_generate_tests(metafunc):
    """One test per GET rule."""
    if "rule" in metafunc.fixturenames:
        rules = get_rules()
        metafunc.parametrize("rule", [rule.rule for rule in rules], ids=[rule.rule for rule in rules])


def _first_id(visitor: Visitor, path: str, items) -> str:
    answer = visitor.get(path)
    assert answer.status_code == 200, f"GET {path} answered {answer.status_code}"
    found = items(answer.json())
    assert found, f"GET {path} found nothing"
    return str(found[0]["id"])


@pytest.fixture(scope="session")
def route_values(served, world) -> dict[str, list[dict]]:
    """Per endpoint with arguments: the argument values to visit it with (real records, and ones that do not exist)."""
    from referral.extensions import db
    from referral.models import Modality, Provider, User
    from referral.services import accounts, availability
    from referral.services.reference import all_items
    from referral.services.screeners import INSTRUMENTS

    visitor = Visitor(served.url)
    demo_id = int(_first_id(visitor, "/api/v1/providers?near=10025", lambda body: body["results"]))
    fhir = {kind: _first_id(visitor, f"/fhir/{kind}?_count=1", lambda body: [e["resource"] for e in body.get("entry", [])])
            for kind in ("Practitioner", "PractitionerRole", "Location", "HealthcareService",
                         "Organization", "OrganizationAffiliation")}
    hsds = {kind: _first_id(visitor, f"/hsds/{kind}?per_page=1", lambda body: body["contents"])
            for kind in ("services", "organizations", "locations", "service_at_locations", "taxonomies", "taxonomy_terms")}
    with served.app.app_context():
        modalities = [item.slug for item in all_items(Modality)]
        spare = db.session.scalar(select(User).where(User.email == world.spare_email))
        confirm_token, reset_token = accounts.confirmation_token(spare), accounts.reset_token(spare)
        listing = db.session.get(Provider, world.listing_id)
        availability_token = availability.confirmation_token(served.app.config["SECRET_KEY"], listing)
        follow_up_tokens, alert_tokens = _follow_up_and_alert_tokens(served.app, world.listing_id)

    providers = [{"provider_id": pid} for pid in (demo_id, world.listing_id, UNKNOWN_ID, BEYOND_INTEGER)]
    own_listing = [{"provider_id": world.listing_id}, {"provider_id": demo_id}, {"provider_id": UNKNOWN_ID}]
    referral = [{"public_id": world.referral_public_id}, {"public_id": "not-a-referral"}]
    copy = [{"public_id": world.copy_public_id}, {"public_id": "not-a-copy"}]
    bad_token = {"token": "not-a-valid-token"}

    def records(kind: str) -> list[dict]:
        return [{"record_id": hsds[kind]}, {"record_id": "00000000-0000-0000-0000-000000000000"}]

    return {
        "providers.profile": providers,
        "api.get_provider": providers,
        "listings.photo": [{"provider_id": world.listing_id}, {"provider_id": demo_id}, {"provider_id": UNKNOWN_ID}],
        "listings.contact": [{"provider_id": world.listing_id}, {"provider_id": demo_id}, {"provider_id": UNKNOWN_ID}],
        "api.get_listing": own_listing,
        "listings.edit": own_listing,
        "listings.history": own_listing,
        "guides.modality": [{"slug": slug} for slug in modalities] + [{"slug": "no-such-therapy"}],
        "checks.check": [{"slug": slug} for slug in INSTRUMENTS] + [{"slug": "no-such-check"}],
        "checks.questions": [{"slug": slug} for slug in INSTRUMENTS] + [{"slug": "no-such-check"}],
        "accounts.confirm": [{"token": confirm_token}, bad_token],
        "accounts.reset_password": [{"token": reset_token}, bad_token],
        "listings.confirm_availability_link": [{"token": availability_token}, bad_token],
        "providers.report": [{"provider_id": demo_id}, {"provider_id": UNKNOWN_ID}, {"provider_id": BEYOND_INTEGER}],
        "providers.follow_up_offer": [{"token": follow_up_tokens["offer"]}, bad_token],
        "providers.follow_up_answer": [{"token": follow_up_tokens["answer"]}, bad_token],
        "providers.search_alert_confirm": [{"token": alert_tokens["confirm"]}, bad_token],
        "providers.search_alert_unsubscribe": [{"token": alert_tokens["unsubscribe"]}, bad_token],
        "fhir.search": [{"resource_type": kind} for kind in (*fhir, "Patient")],
        "fhir.search_by_post": [{"resource_type": kind} for kind in (*fhir, "Patient")],
        "fhir.read": [{"resource_type": kind, "resource_id": value} for kind, value in fhir.items()]
        + [{"resource_type": "Practitioner", "resource_id": str(UNKNOWN_ID)},
           {"resource_type": "Location", "resource_id": "not-a-number"}],
        "fhir.vread": [{"resource_type": kind, "resource_id": value, "version_id": "1"} for kind, value in fhir.items()]
        + [{"resource_type": "Practitioner", "resource_id": fhir["Practitioner"], "version_id": "999"}],
        "fhir.instance_history": [{"resource_type": kind, "resource_id": value} for kind, value in fhir.items()]
        + [{"resource_type": "Location", "resource_id": "not-a-number"}],
        "fhir.unknown_path": [{"unknown": "Patient/1/_history/1/extra"}],
        "hsds.unknown_path": [{"unknown": "contacts"}, {"unknown": "services/1/extra"}],
        "hsds.service_detail": records("services"),
        "hsds.taxonomy_detail": records("taxonomies"),
        "hsds.taxonomy_term_detail": records("taxonomy_terms"),
        "hsds.organization_detail": records("organizations"),
        "hsds.location_detail": records("locations"),
        "hsds.service_at_location_detail": records("service_at_locations"),
        "api.get_referral": referral,
        "referrals.referral": referral,
        "referrals.refer_elsewhere": referral,
        "api.get_copy": copy,
        "referrals.copy": copy,
        "referrals.letter": copy,
        "referrals.letter_download": copy,
    }


def _follow_up_and_alert_tokens(app, listing_id: int) -> tuple[dict, dict]:
    """Links as the follow-up and search-alert emails carry them, to records made for this sweep."""
    from referral.extensions import db
    from referral.models import InquiryRecord, SearchAlert, utcnow
    from referral.services import alerts, follow_ups

    secret = app.config["SECRET_KEY"]
    offered = InquiryRecord(provider_id=listing_id, sent_at=utcnow())
    asked = InquiryRecord(provider_id=listing_id, sent_at=utcnow(), follow_up_email="sweep@example.net",
                          follow_up_due_at=utcnow(), follow_up_sent_at=utcnow())
    alert = SearchAlert(email="sweep@example.net", query="near=10025")
    db.session.add_all([offered, asked, alert])
    db.session.commit()
    return ({"offer": follow_ups.offer_token(secret, offered), "answer": follow_ups.answer_token(secret, asked)},
            {"confirm": alerts.confirm_token(secret, alert), "unsubscribe": alerts.unsubscribe_token(secret, alert)})


def paths_for(rule_text: str, values: dict[str, list[dict]]) -> tuple[str, list[str]]:
    """The endpoint of one rule and the paths that visit it: itself when it takes no arguments, else one per set of
    values (the first naming a real record)."""
    app = _app()
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and "GET" in r.methods)
    if not rule.arguments:
        return rule.endpoint, [rule.rule]
    assert rule.endpoint in values, f"no argument values for {rule.endpoint} ({rule.rule}): add them to route_values"
    adapter = app.url_map.bind("127.0.0.1")
    paths = []
    for arguments in values[rule.endpoint]:
        path = adapter.build(rule.endpoint, arguments)
        routed, _ = adapter.match(urlsplit(path).path, method="GET")
        if routed == rule.endpoint:  # /therapies/psychodynamic, say, is a route of its own
            paths.append(path)
    assert paths, f"none of the values for {rule.endpoint} reach {rule.rule}"
    return rule.endpoint, paths


def turned_away(answer) -> bool:
    """Whether an answer sends the visitor to sign in."""
    if answer.status_code == 401:
        return True
    return answer.is_redirect and urlsplit(answer.headers["Location"]).path == "/login"


def test_get_route(rule, served, route_values, signed_in):
    endpoint, paths = paths_for(rule, route_values)
    for index, path in enumerate(paths):
        anonymous = Visitor(served.url)
        answers = {"anonymous": anonymous.get(path)}  # each: no 5xx, whole body
        head = anonymous.request("HEAD", path)
        assert head.status_code == answers["anonymous"].status_code, f"HEAD {path}: {head.status_code}"
        for method, answer in (("GET", answers["anonymous"]), ("HEAD", head)):
            if endpoint not in FORM_PAGES and not sends_to_sign_in(answer.status_code, answer.headers.get("Location")):
                assert "Set-Cookie" not in answer.headers, f"{method} {path} set a cookie for an anonymous visitor"
        if endpoint in FORM_PAGES and index == 0:  # the list names pages whose form does set one
            assert "Set-Cookie" in answers["anonymous"].headers, f"GET {path} is listed in FORM_PAGES but set no cookie"
        answers.update((role, signed_in(role).get(path)) for role in ROLES)
        production = served.env["APP_ENV"] == "production"
        for who, answer in answers.items():
            assert answer.headers.get("X-Frame-Options") == "DENY", f"GET {path} as {who}"
            assert ("Strict-Transport-Security" in answer.headers) == production, f"GET {path} as {who}: HSTS"
            if who != "anonymous":  # what a signed-in person sees is never kept by a cache
                assert answer.headers.get("Cache-Control") == "no-store", f"GET {path} as {who}"
        if index == 0 and endpoint not in NOT_FOUND_BY_DESIGN:
            opened = [who for who, answer in answers.items() if answer.status_code < 400 and not turned_away(answer)]
            assert opened, f"GET {path} opened for nobody: " + ", ".join(
                f"{who} {answer.status_code}" for who, answer in answers.items())


def test_health_check(served, signed_in):
    """/healthz (one of the routes above) under gunicorn: ok, never cached, and no cookie set, signed in or not."""
    for who, visitor in [("anonymous", Visitor(served.url))] + [(role, signed_in(role)) for role in ROLES]:
        for method in ("GET", "HEAD"):
            answer = visitor.request(method, "/healthz")
            assert answer.status_code == 200, f"{method} /healthz as {who}: {answer.status_code}"
            assert answer.headers["Cache-Control"] == "no-store", f"{method} /healthz as {who}"
            assert "Set-Cookie" not in answer.headers, f"{method} /healthz as {who} set a cookie"
        assert visitor.get("/healthz").json() == {"status": "ok"}
