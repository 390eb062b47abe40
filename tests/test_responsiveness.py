"""Responsiveness measured from what happens to messages: figures against hand-made histories with a frozen clock,
the "not answering" rule in SQL and in Python, its effect on search, cards, profiles and the API, and its lifting."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import Inquiry, InquiryRecord, OutboxMessage, Referral
from referral.models.referral import ReferralRecipientCopy
from referral.services.availability import confirm_availability
from referral.services.inquiries import mark_answered, submit_inquiry
from referral.services.listing_reader import read_listing
from referral.services.responsiveness import (
    Contact,
    ResponsivenessRules,
    figures_from,
    notify_not_answering,
    responsiveness_for,
    unanswered_count,
)
from referral.services.search import AvailabilityRules, search_providers
from referral.services.search_params import parse_search

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
RULES = ResponsivenessRules()  # 180-day window, last 10, 3 to show, 3 unanswered after 7 days
INQUIRY_TEXT = "I have panic attacks at work and would like weekly sessions."


def sent(days_ago: float, answered_after_hours: float | None = None) -> Contact:
    """A message sent `days_ago` before NOW, answered that many hours later (or not)."""
    at = NOW - timedelta(days=days_ago)
    answered_at = at + timedelta(hours=answered_after_hours) if answered_after_hours is not None else None
    return Contact(at, answered_at is not None, answered_at)


# --- figures from hand-made histories ------------------------------------------------------------------

def test_nine_of_the_last_ten_with_the_median_time_to_answer():
    history = [sent(10 + day, hours) for day, hours in enumerate([2, 5, 30, 40, 45, 48, 50, 70, 100])]
    history.append(sent(30))  # unanswered for a month
    history.append(sent(2))  # too recent to judge: it does not count yet
    history.append(sent(200, 1))  # outside the window
    figures = figures_from(history, NOW, RULES)
    assert (figures.answered, figures.of, figures.median_hours) == (9, 10, 45)
    assert figures.as_api() == {"answered": 9, "of": 10, "median_hours": 45.0}
    assert figures.summary == "Usually answers within 2 days · 9 of the last 10"
    assert figures.unanswered == 0 and not figures.not_answering  # the month-old one was followed by answers


def test_only_the_last_ten_judged_messages_count():
    history = [sent(20 + day) for day in range(5)] + [sent(8 + day * 0.5, 3) for day in range(10)]
    figures = figures_from(history, NOW, RULES)
    assert (figures.answered, figures.of, figures.median_hours) == (10, 10, 3)
    assert figures.summary == "Usually answers within 3 hours · 10 of the last 10"


def test_nothing_is_shown_until_there_are_enough_messages():
    figures = figures_from([sent(9, 1), sent(12)], NOW, RULES)
    assert (figures.answered, figures.of, figures.enough) == (1, 2, False)
    assert figures.as_api() is None and figures.summary == ""
    assert figures_from([sent(9, 1), sent(12), sent(13, 1)], NOW, RULES).as_api() == {
        "answered": 2, "of": 3, "median_hours": 1.0}


def test_a_listing_that_mostly_does_not_answer_is_not_said_to_usually_answer():
    figures = figures_from([sent(8, 5), sent(9), sent(10), sent(11)], NOW, RULES)
    assert figures.summary == "Answered 1 of the last 4 messages"


def test_unanswered_messages_since_the_last_answer_make_a_listing_not_answering():
    answered_then_silent = [sent(30, 4), sent(20), sent(15), sent(9)]
    assert figures_from(answered_then_silent, NOW, RULES).unanswered == 3
    assert figures_from(answered_then_silent, NOW, RULES).not_answering
    # A week's grace: the third is only six days old.
    assert not figures_from([sent(30, 4), sent(20), sent(15), sent(6)], NOW, RULES).not_answering
    # Answering the newest one answers for the listing: it is back.
    assert not figures_from([sent(30, 4), sent(20), sent(15), sent(9, 1)], NOW, RULES).not_answering
    # The limit is a setting.
    assert figures_from([sent(20), sent(9)], NOW, ResponsivenessRules(unanswered_limit=2)).not_answering


@pytest.mark.parametrize("hours, said", [(0.5, "within an hour"), (5, "within 5 hours"), (23.5, "within 24 hours"),
                                         (24, "within a day"), (49, "within 3 days")])
def test_times_to_answer_read_as_people_say_them(hours, said):
    from referral.services.responsiveness import answer_time

    assert answer_time(hours) == said


# --- the same histories stored: the reader, the SQL twin of the rule, the search ----------------------------

def store(provider_id: int, history: list[Contact], kinds: str = "i") -> None:
    """Store a history as inquiry records ("i") and referral copies ("r"), alternating as `kinds` repeats."""
    for index, contact in enumerate(history):
        if kinds[index % len(kinds)] == "i":
            db.session.add(InquiryRecord(provider_id=provider_id, sent_at=contact.sent_at, answered_at=contact.answered_at))
        else:
            referral = Referral(created_at=contact.sent_at)
            db.session.add(referral)
            db.session.flush()
            db.session.add(ReferralRecipientCopy(
                referral_id=referral.id, provider_id=provider_id, sent_at=contact.sent_at,
                first_answer_at=contact.answered_at, state="accepted" if contact.answered else "sent"))
    db.session.flush()


HISTORIES = {
    "silent after an answer": [sent(30, 4), sent(20), sent(15), sent(9)],
    "answers everything": [sent(d, 6) for d in (9, 15, 20, 40)],
    "newest answered": [sent(30, 4), sent(20), sent(15), sent(9, 1)],
    "never answered": [sent(10), sent(12), sent(14), sent(16), sent(2)],
    "recent only": [sent(1), sent(2), sent(3), sent(6)],
    "old silence outside the window": [sent(190), sent(185), sent(181), sent(9, 2)],
}


@pytest.mark.parametrize("kinds", ["i", "r", "ir"])
@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_the_sql_rule_and_the_python_rule_agree(app_ctx, make_provider, name, kinds):
    provider_id = make_provider().id
    store(provider_id, HISTORIES[name], kinds)
    expected = figures_from(HISTORIES[name], NOW, RULES)
    counted = db.session.scalar(select(unanswered_count(provider_id, RULES.unanswered_cutoff(NOW),
                                                        RULES.window_start(NOW))))
    assert counted == expected.unanswered
    assert responsiveness_for([provider_id], NOW, RULES)[provider_id] == expected
    assert read_listing(provider_id, now=NOW).responsiveness == expected


def test_a_referral_withdrawn_before_an_answer_is_not_held_against_the_listing(app_ctx, make_provider):
    provider_id = make_provider().id
    store(provider_id, [sent(20), sent(15), sent(9)], "r")
    db.session.execute(ReferralRecipientCopy.__table__.update().values(state="cancelled"))
    figures = responsiveness_for([provider_id], NOW, RULES)[provider_id]
    assert (figures.of, figures.unanswered) == (0, 0)


def test_a_visitors_answer_outweighs_the_owners_mark(app_ctx, make_provider):
    provider_id = make_provider().id
    store(provider_id, [sent(20, 2), sent(15), sent(9, 1)])
    records = db.session.scalars(select(InquiryRecord).order_by(InquiryRecord.sent_at)).all()
    records[0].visitor_answer = "no"  # marked answered, but the visitor says nobody got back to them
    records[1].visitor_answer = "yes"  # never marked, but the visitor heard back
    db.session.flush()
    figures = responsiveness_for([provider_id], NOW, RULES)[provider_id]
    assert (figures.answered, figures.of, figures.median_hours) == (2, 3, 1)


def accepting_names(fake_geocoder, now):
    criteria = parse_search({"near": "10025", "accepting": "true"}, fake_geocoder)
    return sorted(hit.provider.last_name for hit in search_providers(criteria, now=now, rules=AvailabilityRules()).hits)


def test_a_listing_not_answering_stops_counting_as_accepting_until_it_answers(app_ctx, make_user, make_provider,
                                                                               fake_geocoder):
    owner = make_user(email="dr.silent@example.org")
    silent = make_provider(last_name="Silent", owner_id=owner.id, listing_status="verified", source="owner",
                           availability_confirmed_at=NOW - timedelta(days=2))
    make_provider(last_name="Answering", availability_confirmed_at=NOW - timedelta(days=2))
    inquiries = []
    for days in (20, 15, 9):
        inquiry = Inquiry(provider_id=silent.id, name="A", email="a@example.net", message=INQUIRY_TEXT,
                          consented_at=NOW - timedelta(days=days), created_at=NOW - timedelta(days=days))
        db.session.add(inquiry)
        db.session.flush()
        db.session.add(InquiryRecord(provider_id=silent.id, inquiry_id=inquiry.id, sent_at=inquiry.created_at))
        inquiries.append(inquiry)
    db.session.flush()
    assert accepting_names(fake_geocoder, NOW) == ["Answering"]
    assert accepting_names(fake_geocoder, NOW - timedelta(days=3)) == ["Answering", "Silent"]  # 3rd not yet a week old
    record = read_listing(silent.id, now=NOW)
    from referral.services.availability import availability_of

    assert availability_of(record, now=NOW).not_answering and not availability_of(record, now=NOW).accepting

    confirm_availability(owner, silent.id, now=NOW)  # confirming does not lift it
    assert accepting_names(fake_geocoder, NOW) == ["Answering"]

    mark_answered(owner, inquiries[-1].id, now=NOW)  # answering the newest does
    assert accepting_names(fake_geocoder, NOW) == ["Answering", "Silent"]
    assert not availability_of(read_listing(silent.id, now=NOW), now=NOW).not_answering


def test_the_owner_is_told_once_a_week_without_any_message_content(app_ctx, make_user, make_provider):
    owner = make_user(email="dr.told@example.org")
    provider = make_provider(owner_id=owner.id, listing_status="verified", source="owner")
    make_provider(listing_status="verified")  # answering listings are not told anything
    store(provider.id, [sent(30, 4), sent(20), sent(15), sent(9)])
    assert notify_not_answering("https://directory.example/dashboard", NOW, RULES).done == 1
    assert notify_not_answering("https://directory.example/dashboard", NOW + timedelta(days=3), RULES).done == 0
    assert notify_not_answering("https://directory.example/dashboard", NOW + timedelta(days=8), RULES).done == 1
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "responsiveness.owner")).all()
    assert [m.to_address for m in mail] == ["dr.told@example.org"] * 2
    assert "answering does" in mail[0].body_text and "/dashboard" in mail[0].body_text


# --- pages and the API, with a frozen clock -------------------------------------------------------------

def owned_verified(make_user, make_provider, **overrides):
    owner = make_user()
    provider = make_provider(owner_id=owner.id, listing_status="verified", source="owner",
                             availability_confirmed_at=NOW - timedelta(days=1), **overrides)
    return owner, provider


def test_cards_profiles_and_the_api_show_the_figures_once_there_are_enough(app, client, make_user, make_provider):
    _owner, busy = owned_verified(make_user, make_provider, last_name="Busy")
    _owner, quiet = owned_verified(make_user, make_provider, last_name="Quiet")
    with app.app_context():
        store(busy.id, [sent(10 + day, hours) for day, hours in enumerate([2, 5, 30, 40, 45, 48, 50, 70, 100])]
              + [sent(30)], "ir")
        store(quiet.id, [sent(12, 3)])
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        results = client.get("/search?near=10025").get_data(as_text=True)
        profile = client.get(f"/providers/{busy.id}").get_data(as_text=True)
        api = client.get("/api/v1/providers?near=10025").get_json()
        detail = client.get(f"/api/v1/providers/{quiet.id}").get_json()
    card = re.search(rf'<li class="card provider-card" id="provider-{busy.id}">.*?</li>', results, re.S).group(0)
    assert "Usually answers within 2 days · 9 of the last 10" in card
    assert "Usually answers within 2 days · 9 of the last 10" in profile
    quiet_card = re.search(rf'id="provider-{quiet.id}">.*?</li>', results, re.S).group(0)
    assert "Usually answers" not in quiet_card and "Answered" not in quiet_card
    by_id = {result["id"]: result["responsiveness"] for result in api["results"]}
    assert by_id == {busy.id: {"answered": 9, "of": 10, "median_hours": 45.0}, quiet.id: None}
    assert detail["responsiveness"] is None


def test_a_listing_not_answering_says_so_on_its_card_and_profile(app, client, make_user, make_provider):
    _owner, provider = owned_verified(make_user, make_provider, last_name="Silent")
    with app.app_context():
        store(provider.id, [sent(30, 4), sent(20), sent(15), sent(9)])
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        results = client.get("/search?near=10025").get_data(as_text=True)
        accepting = client.get("/search?near=10025&accepting=true").get_data(as_text=True)
        profile = client.get(f"/providers/{provider.id}").get_data(as_text=True)
        api = client.get(f"/api/v1/providers/{provider.id}").get_json()
    assert "Has not answered recent messages" in results and "Has not answered recent messages" in profile
    assert f'id="provider-{provider.id}"' not in accepting
    assert "Accepting new patients · confirmed" not in profile
    assert api["accepting_new_patients"] is False and api["listing_says_accepting"] is True


def test_the_owner_sees_the_warning_and_the_figures_on_the_dashboard(app, client, make_user, make_provider, login):
    owner, provider = owned_verified(make_user, make_provider)
    with app.app_context():
        store(provider.id, [sent(30, 4), sent(20), sent(15), sent(9)])
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(client, owner)
        dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "3 messages have waited more than 7 days" in dashboard
    assert "Confirming your availability does not change this; answering does" in dashboard
    assert "Answered 1 of the last 4 messages" in dashboard


def test_an_inquiry_sent_through_the_site_counts_and_survives_its_erasure(app_ctx, make_user, make_provider):
    from referral.services.inquiries import purge_old_inquiries

    owner = make_user()
    provider = make_provider(owner_id=owner.id, listing_status="verified", source="owner")
    inquiry = submit_inquiry(provider.id, {"name": "Sam", "email": "sam@example.net", "preferred_contact": "email",
                                           "message": INQUIRY_TEXT, "consent": True}, "https://d.example/dashboard",
                             now=NOW - timedelta(days=100))
    mark_answered(owner, inquiry.id, now=NOW - timedelta(days=99))
    assert purge_old_inquiries(NOW, {"INQUIRY_RETENTION_DAYS": 90}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0
    record = db.session.scalars(select(InquiryRecord)).one()
    assert record.inquiry_id is None and record.answered_at == NOW - timedelta(days=99)
    assert responsiveness_for([provider.id], NOW, RULES)[provider.id].answered == 1
