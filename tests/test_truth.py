"""The directory's own truth for admins: the shares against a hand-made directory with a frozen clock, the CSV,
and the page with its charts drawn on the server."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import update

from referral.extensions import db
from referral.models import InquiryRecord, ListingAudit, ListingReport, Provider, Referral
from referral.models.referral import ReferralRecipientCopy
from referral.services.truth import CSV_HEADER, directory_truth, truth_csv

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def hand_made(make_provider):
    """Three public listings and one pending, with messages, reports and confirmations at known times."""
    with time_machine.travel(NOW - timedelta(days=200), tick=False):
        fresh = make_provider(last_name="Fresh", type="psychologist", availability_confirmed_at=NOW - timedelta(days=10))
        lapsed = make_provider(last_name="Lapsed", type="psychologist", availability_confirmed_at=NOW - timedelta(days=60))
        jersey = make_provider(last_name="Jersey", type="psychiatrist", availability_confirmed_at=NOW - timedelta(days=5),
                               offices=[{"lat": 40.73, "lng": -74.17, "zip": "07102", "city": "Newark", "state": "NJ"}])
        make_provider(last_name="Hidden", listing_status="pending", availability_confirmed_at=NOW)
    db.session.add_all([
        InquiryRecord(provider_id=fresh.id, sent_at=NOW - timedelta(days=20), answered_at=NOW - timedelta(days=20, hours=-2)),
        InquiryRecord(provider_id=fresh.id, sent_at=NOW - timedelta(days=10)),  # never answered
        InquiryRecord(provider_id=fresh.id, sent_at=NOW - timedelta(hours=5)),  # too recent to judge
        ListingReport(provider_id=lapsed.id, kind="moved", created_at=NOW - timedelta(days=4)),
        ListingReport(provider_id=fresh.id, kind="contact", created_at=NOW - timedelta(days=30), status="resolved",
                      resolved_at=NOW - timedelta(days=25)),
        # Lapsed confirmed 60 days ago, and also 100 days ago: in the window of the week 70 days back, not now.
        ListingAudit(provider_id=lapsed.id, action="confirm", changes={}, created_at=NOW - timedelta(days=100)),
    ])
    referral = Referral(created_at=NOW - timedelta(days=15))
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralRecipientCopy(referral_id=referral.id, provider_id=jersey.id, state="accepted",
                                         sent_at=NOW - timedelta(days=15),
                                         first_answer_at=NOW - timedelta(days=15, hours=-100)))  # answered after 100 h
    db.session.flush()
    return fresh, lapsed, jersey


def test_the_shares_of_a_hand_made_directory(app_ctx, make_provider):
    hand_made(make_provider)
    truth = directory_truth(45, NOW)
    overall = truth.overall
    assert (overall.listings, overall.confirmed, overall.reported, overall.messages, overall.answered) == (3, 2, 1, 3, 1)
    assert (overall.confirmed_share, overall.answered_share, overall.reported_share) == (66.7, 33.3, 33.3)
    psychologists = truth.by_type["Psychologist"]
    assert (psychologists.listings, psychologists.confirmed, psychologists.messages, psychologists.answered,
            psychologists.reported) == (2, 1, 2, 1, 1)
    assert (truth.by_state["NY"].listings, truth.by_state["NJ"].listings) == (2, 1)
    assert (truth.by_state["NJ"].messages, truth.by_state["NJ"].answered_share) == (1, 0.0)

    weeks = dict(truth.weeks)
    assert len(weeks) == 12 and max(weeks) == NOW
    assert weeks[NOW].reported == 1 and weeks[NOW - timedelta(weeks=1)].reported == 0  # reported 4 days ago
    assert weeks[NOW].confirmed == 2
    # Ten weeks back: Fresh's and Jersey's only known confirmations were later; Lapsed's audit entry counts.
    assert weeks[NOW - timedelta(weeks=10)].confirmed == 1
    two_weeks_back = weeks[NOW - timedelta(weeks=2)]  # the inquiry answered in 2 hours, the referral in 100
    assert (two_weeks_back.messages, two_weeks_back.answered) == (2, 1)


def test_the_csv_holds_the_same_figures(app_ctx, make_provider):
    hand_made(make_provider)
    rows = list(csv.reader(io.StringIO(truth_csv(directory_truth(45, NOW)))))
    assert tuple(rows[0]) == CSV_HEADER
    by_group = {(row[0], row[1]): row for row in rows[1:]}
    assert by_group[("directory", "all")] == ["directory", "all", "3", "2", "66.7", "3", "1", "33.3", "1", "33.3"]
    assert by_group[("type", "Psychiatrist")][2:5] == ["1", "1", "100.0"]
    assert ("state", "NJ") in by_group and len([row for row in rows if row[0] == "week"]) == 12


def test_a_directory_without_messages_says_so_instead_of_dividing_by_nothing(app_ctx, make_provider):
    make_provider()
    truth = directory_truth(45, NOW)
    assert truth.overall.answered_share is None
    assert truth_csv(truth).splitlines()[1].split(",")[5:8] == ["0", "0", ""]


def test_the_page_draws_its_charts_itself_and_is_for_admins_only(app, client, make_user, make_provider, login):
    with app.app_context():
        hand_made(make_provider)
        db.session.execute(update(Provider).values(created_at=NOW - timedelta(days=300)))
        db.session.commit()
    login(client, make_user(role="provider"))
    assert client.get("/admin/truth").status_code == 403
    assert client.get("/admin/truth.csv").status_code == 403
    admin_client = app.test_client()
    with time_machine.travel(NOW, tick=False):
        login(admin_client, make_user(role="admin"))
        page = admin_client.get("/admin/truth")
        download = admin_client.get("/admin/truth.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count('<svg class="chart"') == 3 and html.count('role="img"') >= 3
    assert "66.7 %" in html and "Psychiatrist" in html
    # Nothing the charts show comes from elsewhere: the only address in them is the SVG namespace.
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        assert set(re.findall(r"https?://[^\s\"']+", svg)) == {"http://www.w3.org/2000/svg"}
        assert "<script" not in svg
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.get_data(as_text=True).startswith(",".join(CSV_HEADER))
