"""Emails go out in their recipient's language, with links to the pages in it: the language a person registered,
signed in, wrote or subscribed in, stored with them, never taken from whoever caused the email."""
import re
from datetime import timedelta

from sqlalchemy import select

from referral.extensions import db
from referral.models import InquiryRecord, OutboxMessage, SearchAlert, User, utcnow
from referral.services.availability import send_reminders
from referral.services.follow_ups import send_due_follow_ups

PASSWORD = "a sturdy passphrase"
INQUIRY = {"name": "Lucía Ferrer", "email": "lucia@example.net", "phone": "", "preferred_contact": "email",
           "message": "Busco sesiones semanales.", "consent": "y"}


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def links(message: OutboxMessage) -> list[str]:
    return re.findall(r"https?://\S+", message.body_text)


def test_registering_on_a_spanish_page_keeps_spanish_for_the_account_and_its_emails(app, client):
    response = client.post("/es/register", data={"role": "provider", "display_name": "Dana", "email": "dana@example.org",
                                                 "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.location.startswith("/es/")
    with app.app_context():
        assert db.session.scalars(select(User)).one().language == "es"
    [confirmation] = mails(app, "account.confirm")
    assert "/es/" in confirmation.body_text and "Directorio Abierto de Terapia" in confirmation.body_text
    assert confirmation.subject == "Confirme su dirección de correo electrónico"


def test_an_english_page_leaves_english_emails(app, client):
    client.post("/register", data={"role": "provider", "display_name": "Dana", "email": "dana@example.org",
                                   "password": PASSWORD, "confirm": PASSWORD})
    [confirmation] = mails(app, "account.confirm")
    assert all("/es/" not in link for link in links(confirmation)) and "Open Therapy Directory" in confirmation.body_text


def test_a_message_written_in_spanish_to_an_english_clinician(app, client, make_user, make_provider):
    owner = make_user(email="dr.owner@example.org")  # registered in English
    provider = make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", source="owner",
                             first_name="Odile", last_name="Marchbank")
    sent = client.post(f"/es/providers/{provider.id}/contact", data=INQUIRY)
    assert sent.status_code == 302 and sent.location.startswith("/es/follow-up/offer/")
    asked = client.post(sent.location, data={"email": "lucia.checkin@example.net"})
    assert asked.status_code == 200 and '<html lang="es">' in asked.get_data(as_text=True)

    [notice] = mails(app, "inquiry.new")
    assert all("/es/" not in link for link in links(notice)), "the clinician reads English"
    with app.app_context():
        assert db.session.scalars(select(InquiryRecord)).one().language == "es"
        send_due_follow_ups(app.config["SECRET_KEY"], "https://d.example", utcnow() + timedelta(days=8))
        db.session.commit()
    [question] = mails(app, "follow_up.ask")
    assert question.to_address == "lucia.checkin@example.net"
    assert [link for link in links(question) if "/follow-up/" in link][0].startswith("https://d.example/es/follow-up/")
    assert "Did the clinician get back to you?" != question.subject


def test_a_spanish_clinician_is_reminded_in_spanish(app, make_user, make_provider):
    owner = make_user(email="rosario@example.org", language="es")
    make_provider(owner_id=owner.id, listing_status="verified", source="owner",
                  availability_confirmed_at=utcnow() - timedelta(days=40))
    with app.app_context():
        report = send_reminders(app.config["SECRET_KEY"], "https://d.example", 30)
        db.session.commit()
    assert report.done == 1
    [reminder] = mails(app, "availability.reminder")
    assert "https://d.example/es/availability/confirm/" in reminder.body_text
    assert "has not confirmed its availability" not in reminder.body_text


def test_a_search_alert_asked_for_in_spanish_is_confirmed_in_spanish(app, client, make_provider):
    make_provider(modalities=["psychodynamic"], accepting_new_patients=False)
    sent = client.post("/es/alerts/new?near=10025&modality=psychodynamic", data={"email": "lucia@example.net"})
    assert sent.status_code == 200 and '<html lang="es">' in sent.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(SearchAlert)).one().language == "es"
    [confirmation] = mails(app, "alert.confirm")
    assert "/es/alerts/confirm/" in confirmation.body_text
