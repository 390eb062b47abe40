"""Did they get back to you? The offer after an inquiry, the question a week later, the one-click answer, the
figures it feeds, and the erasure of the address (counted in every table), with a frozen clock."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from referral.extensions import db
from referral.models import InquiryRecord, OutboxMessage
from referral.services.follow_ups import erase_lapsed_follow_ups, follow_up_counts, send_due_follow_ups
from referral.services.responsiveness import ResponsivenessRules, responsiveness_for
from referral.services.retention import purge_expired

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
VISITOR = "sam.visitor@example.net"
FOLLOW_UP_ADDRESS = "sam.checkin@example.net"
MESSAGE = "I have panic attacks at work and would like weekly sessions."
GOOD = {"name": "Sam Ellery", "email": VISITOR, "phone": "", "preferred_contact": "email", "message": MESSAGE,
        "consent": "y"}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def listing(make_user, make_provider):
    owner = make_user(email="dr.owner@example.org")
    return make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", source="owner",
                         first_name="Odile", last_name="Marchbank")


def write_and_ask(client, provider_id: int, address: str = FOLLOW_UP_ADDRESS):
    """Send an inquiry through the contact page, then leave an address on the offer page; returns the offer page."""
    sent = client.post(f"/providers/{provider_id}/contact", data=GOOD)
    assert sent.status_code == 302 and "/follow-up/offer/" in sent.location
    offer = client.get(sent.location)
    assert offer.status_code == 200 and offer.headers["Cache-Control"] == "no-store"
    assert "Your message was sent" in offer.get_data(as_text=True)
    asked = client.post(sent.location, data={"email": address})
    assert asked.status_code == 200 and "We will check in with you" in asked.get_data(as_text=True)
    return sent.location


def question_link(app) -> str:
    with app.app_context():
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up.ask")).one()
        return re.search(r"https?://\S+(/follow-up/\S+)", mail.body_text).group(1)


def delivered(at: datetime) -> None:
    """What `flask send-outbox` does to the queued mail, as far as erasure cares: it is marked sent."""
    db.session.execute(OutboxMessage.__table__.update().values(sent_at=at))


def table_rows(app) -> dict[str, list]:
    """Every row of every table, as text."""
    with app.app_context():
        return {table.name: [repr(tuple(row)) for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables}


def test_the_question_comes_a_week_later_and_one_click_answers_it(app, client, listing):
    with time_machine.travel(START, tick=False):
        write_and_ask(client, listing.id)
    with app.app_context():
        record = db.session.scalars(select(InquiryRecord)).one()
        assert record.follow_up_email == FOLLOW_UP_ADDRESS and record.follow_up_due_at == START + timedelta(days=7)
        assert send_due_follow_ups("secret", "https://d.example", START + timedelta(days=6)).done == 0
        assert send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", START + timedelta(days=7)).done == 1
        assert send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", START + timedelta(days=8)).done == 0
        delivered(START + timedelta(days=7))
        db.session.commit()
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up.ask")).one()
        # Nothing about the person or the clinician: no name, no message, no listing.
        assert mail.to_address == FOLLOW_UP_ADDRESS
        for detail in ("Odile", "Marchbank", "Sam", "Ellery", "panic", VISITOR, "dr.owner"):
            assert detail not in mail.body_text and detail not in mail.subject, detail
    link = question_link(app)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count('name="answer"') == 3 and "Odile" not in html
    answered = client.post(link, data={"answer": "no"})
    assert answered.status_code == 200 and "No, I have not heard from them" in answered.get_data(as_text=True)
    with app.app_context():
        record = db.session.scalars(select(InquiryRecord)).one()
        assert (record.visitor_answer, record.follow_up_email) == ("no", "")
        assert follow_up_counts([listing.id]) == {listing.id: {"yes": 0, "no": 1, "elsewhere": 0}}
    again = client.get(link)
    assert again.status_code == 200 and "already recorded" in again.get_data(as_text=True)
    assert client.post(link, data={"answer": "yes"}).status_code == 200  # closed: the first answer stands
    with app.app_context():
        assert db.session.scalars(select(InquiryRecord)).one().visitor_answer == "no"
    rows = table_rows(app)
    assert not [name for name, found in rows.items() if any(FOLLOW_UP_ADDRESS in row for row in found)]
    assert len(rows["inquiry_records"]) == 1 and len(rows["inquiries"]) == 1


def test_the_answer_feeds_the_figures(app, client, listing):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            write_and_ask(client, listing.id)
    rules = ResponsivenessRules()
    with app.app_context():
        before = responsiveness_for([listing.id], START + timedelta(days=8), rules)[listing.id]
        assert (before.answered, before.of, before.not_answering) == (0, 3, True)
        send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", START + timedelta(days=7))
        db.session.commit()
        links = [re.search(r"(/follow-up/\S+)", m.body_text).group(1)
                 for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up.ask"))]
    for link, answer in zip(links, ("yes", "yes", "elsewhere")):
        assert client.post(link, data={"answer": answer}).status_code == 200
    with app.app_context():
        after = responsiveness_for([listing.id], START + timedelta(days=8), rules)[listing.id]
        assert (after.answered, after.of, after.median_hours, after.not_answering) == (2, 3, None, False)
        assert after.as_api() == {"answered": 2, "of": 3, "median_hours": None}


def test_an_unanswered_follow_up_is_erased_after_thirty_days_and_every_table_is_counted(app, client, listing):
    with time_machine.travel(START, tick=False):
        write_and_ask(client, listing.id)
    with app.app_context():
        send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", START + timedelta(days=7))
        delivered(START + timedelta(days=7))
        db.session.commit()
    before = {name: len(found) for name, found in table_rows(app).items()}
    with app.app_context():
        assert purge_expired(app.config, START + timedelta(days=29))["follow_ups"].done == 0
        reports = purge_expired(app.config, START + timedelta(days=31))
        assert reports["follow_ups"].done == 1 and reports["inquiries"].done == 0
        db.session.commit()
    rows = table_rows(app)
    after = {name: len(found) for name, found in rows.items()}
    # Only the sent question left the outbox; the inquiry (kept 90 days) and its record stay, without the address.
    assert {name: before[name] - after[name] for name in before if before[name] != after[name]} == {"outbox_messages": 1}
    assert not [name for name, found in rows.items() if any(FOLLOW_UP_ADDRESS in row for row in found)]
    link_page = client.get(question_link_from_token(app))
    assert link_page.status_code == 200 and "erased" in link_page.get_data(as_text=True)


def question_link_from_token(app) -> str:
    from referral.services.follow_ups import answer_token

    with app.app_context():
        return "/follow-up/" + answer_token(app.config["SECRET_KEY"], db.session.scalars(select(InquiryRecord)).one())


def test_the_offer_keeps_a_bad_address_and_says_why_by_the_field(app, client, listing):
    sent = client.post(f"/providers/{listing.id}/contact", data=GOOD)
    for bad in ("not an address", "a@b", "x" * 250 + "@example.net"):
        page = client.post(sent.location, data={"email": bad})
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and 'class="field-errors" id="email-error"' in html
        assert f'value="{bad}"' in html
    with app.app_context():
        assert db.session.scalars(select(InquiryRecord)).one().follow_up_email == ""


@pytest.mark.parametrize("path", ["/follow-up/offer/nonsense", "/follow-up/nonsense", "/follow-up/" + "A" * 5000,
                                  "/follow-up/offer/%00"])
def test_bad_links_are_refused_without_a_server_error(client, path):
    assert client.get(path).status_code in (400, 404)
    assert client.post(path, data={"answer": "yes", "email": "a@example.net"}).status_code in (400, 404)


def test_an_answer_that_is_not_one_of_the_three_is_refused(app, client, listing):
    with time_machine.travel(START, tick=False):
        write_and_ask(client, listing.id)
    with app.app_context():
        send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", START + timedelta(days=7))
        db.session.commit()
    link = question_link(app)
    for bad in ("maybe", "", "yes\x00"):
        assert client.post(link, data={"answer": bad}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(InquiryRecord)).one().visitor_answer == ""


def test_the_offer_is_taken_once(app, client, listing):
    offer = write_and_ask(client, listing.id)
    again = client.post(offer, data={"email": "someone.else@example.net"})
    assert again.status_code == 200 and "already asked" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(InquiryRecord)).one().follow_up_email == FOLLOW_UP_ADDRESS


def test_forms_need_their_token_and_keep_what_was_typed(app, client, listing):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/providers/{listing.id}/contact")
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        sent = client.post(f"/providers/{listing.id}/contact", data={**GOOD, "csrf_token": token})
        offer = client.get(sent.location)
        assert "Set-Cookie" in offer.headers or client.get_cookie("session") is not None
        refused = client.post(sent.location, data={"email": FOLLOW_UP_ADDRESS})
        assert refused.status_code == 400 and FOLLOW_UP_ADDRESS in refused.get_data(as_text=True)
        token = TOKEN.search(offer.get_data(as_text=True)).group(1)
        assert client.post(sent.location, data={"email": FOLLOW_UP_ADDRESS, "csrf_token": token}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InquiryRecord).where(
            InquiryRecord.follow_up_email == FOLLOW_UP_ADDRESS)) == 1


def test_erasure_by_the_service_counts_what_it_erased(app_ctx, make_provider):
    provider_id = make_provider().id
    for days, address in ((40, "old@example.net"), (10, "recent@example.net"), (40, "")):
        db.session.add(InquiryRecord(provider_id=provider_id, sent_at=START - timedelta(days=days),
                                     follow_up_email=address))
    db.session.flush()
    assert erase_lapsed_follow_ups(START, {"FOLLOW_UP_ERASE_DAYS": 30}) == 1
    assert sorted(db.session.scalars(select(InquiryRecord.follow_up_email))) == ["", "", "recent@example.net"]
