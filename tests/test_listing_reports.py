"""Reporting a wrong listing: the form on every profile, the honeypot and rate limit, the owner's notice, the
admin queue with the listing's history, and the caution that appears with independent reports and clears."""
import re

import pytest
from conftest import build_test_app
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import ListingReport, OutboxMessage, Provider, ProviderType, utcnow
from referral.services.reference import get_by_slug

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NOTE = "The number rings a dentist's office; my daughter has anxiety and we need someone soon."


def report(client, provider_id: int, kind: str = "contact", note: str = "", address: str = "10.0.0.1", **extra):
    return client.post(f"/providers/{provider_id}/report", data={"kind": kind, "note": note, **extra},
                       environ_base={"REMOTE_ADDR": address})


def count_reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ListingReport))


def test_every_profile_links_to_its_report_page(client, make_provider):
    unclaimed = make_provider(listing_status="unclaimed", source="nppes")
    profile = client.get(f"/providers/{unclaimed.id}").get_data(as_text=True)
    assert f'href="/providers/{unclaimed.id}/report"' in profile
    page = client.get(f"/providers/{unclaimed.id}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count('name="kind"') == 6 and 'name="website"' in html
    for label in ("phone number or address is wrong", "moved", "retired", "not accepting", "insurance listed"):
        assert label in html


def test_a_report_reaches_the_queue_and_the_owner_is_told_without_the_note(app, client, make_user, make_provider,
                                                                             login):
    owner = make_user(email="dr.owner@example.org")
    provider = make_provider(owner_id=owner.id, listing_status="verified", source="owner", last_name="Reported")
    sent = report(client, provider.id, "contact", NOTE)
    assert sent.status_code == 302 and sent.location.endswith(f"/providers/{provider.id}")
    assert "Thank you" in client.get(sent.location).get_data(as_text=True)
    report(client, provider.id, "moved", address="10.0.0.2")
    with app.app_context():
        stored = db.session.scalars(select(ListingReport).order_by(ListingReport.id)).all()
        assert [(r.kind, r.note, r.status) for r in stored] == [("contact", NOTE, "open"), ("moved", "", "open")]
        assert "10.0.0.1" not in stored[0].reporter_key and len(stored[0].reporter_key) == 64
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report.owner")).all()
    assert len(mail) == 1 and mail[0].to_address == "dr.owner@example.org"  # at most one a day
    assert "phone number or address is wrong" in mail[0].body_text
    assert "dentist" not in mail[0].body_text and "daughter" not in mail[0].body_text and "10.0.0" not in mail[0].body_text

    admin = make_user(role="admin")
    admin_client = app.test_client()
    login(admin_client, admin)
    queue = admin_client.get("/admin/reports")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and queue.headers["Cache-Control"] == "no-store"
    assert "Reported" in html and "dentist" in html and "Recent changes" in html
    assert "Marked for review" not in html

    login(client, owner)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Visitors reported problems with this listing" in dashboard and "dentist" not in dashboard


def test_the_queue_is_for_admins_only(app, client, make_user, login):
    login(client, make_user(role="provider"))
    assert client.get("/admin/reports").status_code == 403
    assert client.post("/admin/reports/1/resolve").status_code in (400, 403)


def test_independent_reports_of_one_kind_show_a_caution_until_resolved(app, client, make_user, make_provider, login):
    provider = make_provider(listing_status="unclaimed", source="nppes", last_name="Ghost")
    for _ in range(3):
        report(client, provider.id, "retired", address="10.0.0.7")  # one person, three times: not independent
    report(client, provider.id, "contact", address="10.0.0.8")
    assert "may be wrong" not in client.get(f"/providers/{provider.id}").get_data(as_text=True)
    report(client, provider.id, "retired", address="10.0.0.8")
    report(client, provider.id, "retired", address="10.0.0.9")
    profile = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Visitors have reported that this listing may be wrong" in profile and "retired" in profile

    admin = make_user(role="admin")
    admin_client = app.test_client()
    login(admin_client, admin)
    queue = admin_client.get("/admin/reports").get_data(as_text=True)
    assert "Marked for review" in queue
    assert admin_client.post(f"/admin/reports/{provider.id}/resolve").status_code == 302
    assert "Resolved 6 reports" in admin_client.get("/admin/reports").get_data(as_text=True)
    assert "may be wrong" not in client.get(f"/providers/{provider.id}").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalars(select(ListingReport)).all()
        assert {(r.status, r.reporter_key, r.resolved_by_id) for r in stored} == {("resolved", "", admin.id)}
    history = admin_client.get(f"/listings/{provider.id}/history").get_data(as_text=True)
    assert "reports_resolved" in history


def test_a_bad_report_keeps_what_was_typed_and_says_why_by_the_field(app, client, make_provider):
    provider = make_provider()
    for data, field in (({"kind": "", "note": "typed words"}, "kind"), ({"kind": "other", "note": ""}, "note"),
                        ({"kind": "nonsense", "note": "typed words"}, "kind"),
                        ({"kind": "moved", "note": "x" * 1001}, "note")):
        page = client.post(f"/providers/{provider.id}/report", data=data)
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and f'id="{field}-error"' in html, data
        if data["note"] == "typed words":
            assert "typed words" in html
    assert count_reports(app) == 0


@pytest.mark.parametrize("data", [{"kind": "moved\x00", "note": ""}, {"kind": "moved", "note": "a\x00b"},
                                  {"kind": "moved", "note": "x" * 200_000}])
def test_hostile_input_is_refused_without_a_server_error(app, client, make_provider, data):
    provider = make_provider()
    assert client.post(f"/providers/{provider.id}/report", data=data).status_code in (400, 413)
    assert count_reports(app) == 0


def test_no_report_for_a_listing_nobody_may_see(client, make_provider):
    hidden = make_provider(listing_status="pending")
    assert client.get(f"/providers/{hidden.id}/report").status_code == 404
    assert report(client, hidden.id).status_code == 404
    assert client.get(f"/providers/{2**40}/report").status_code == 404


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(app, client, make_provider):
    provider = make_provider()
    sent = report(client, provider.id, "moved", website="http://spam.example")
    assert sent.status_code == 302
    assert count_reports(app) == 0


def test_the_form_checks_its_token_and_keeps_the_note(app, client, make_provider):
    provider = make_provider()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/providers/{provider.id}/report")
        assert "Set-Cookie" in page.headers  # a form page: its token needs the session cookie
        refused = report(client, provider.id, "other", "the note I wrote")
        assert refused.status_code == 400 and "the note I wrote" in refused.get_data(as_text=True)
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        assert report(client, provider.id, "other", "the note I wrote", csrf_token=token).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert count_reports(app) == 1


def test_reports_are_rate_limited_per_client():
    application = build_test_app("sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_REPORT="2 per hour")
    with application.app_context():
        provider = Provider(first_name="Rae", last_name="Lim", provider_type=get_by_slug(ProviderType, "psychologist"),
                            listing_status="unclaimed", source="nppes", in_person=False, verified_at=utcnow())
        db.session.add(provider)
        db.session.commit()
        provider_id = provider.id
    client = application.test_client()
    assert [report(client, provider_id).status_code for _ in range(3)] == [302, 302, 429]
    assert report(application.test_client(), provider_id, address="10.0.0.9").status_code == 302
    with application.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListingReport)) == 3
