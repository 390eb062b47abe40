"""Referrals in Spanish: the letter taken from an /es/ page, the referral pages, the timeline and the emails."""
import io
from datetime import timedelta

from babel.dates import format_date
from pypdf import PdfReader
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, ReferralRecipientCopy, User, utcnow
from referral.services import referrals as service
from referral_world import PATIENT_REFERENCE, send, sent, world  # noqa: F401


def _client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_letter_downloaded_from_a_spanish_page_is_in_spanish(app, login, world, sent):
    """Headings, facts, state, date and closing are Spanish, with their accents printed by the core font."""
    response = _client(app, login, world.recipient).get(f"/es/referrals/copies/{sent.a.public_id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    today = format_date(utcnow().date(), "long", locale="es_US")
    for expected in ("Derivación a psicoterapia", today, "Para", "De", "Referencia del paciente", PATIENT_REFERENCE,
                     "Grupo de edad", "Ubicación", "Código postal 10025", "Motivos de consulta",
                     "Frecuencia de las sesiones", "Urgencia", "De rutina", "Consentimiento del paciente",
                     "El paciente aceptó ser derivado.", "Estado", "Enviada", "Nota del profesional que deriva",
                     "Enviada a través del Directorio Abierto de Terapia", "Dr Psych, MD", "NPI 1234567893"):
        assert expected in text, expected
    for english in ("Referral for psychotherapy", "Patient reference", "Session frequency", "Routine"):
        assert english not in text, english
    assert b"/Lang (es)" in response.data


def test_the_same_letter_from_an_english_page_stays_english(app, login, world, sent):
    """The letter follows the page it is taken from, not the reader's account."""
    with app.app_context():
        db.session.get(User, world.recipient.id).language = "es"
        db.session.commit()
    response = _client(app, login, world.recipient).get(f"/referrals/copies/{sent.a.public_id}/letter.pdf")
    text = _pdf_text(response.data)
    assert "Referral for psychotherapy" in text and "Derivación" not in text


def test_the_referral_page_renders_in_spanish(app, login, world, sent):
    """The referrer's page of a referral: headings, state names, timeline and buttons in Spanish."""
    page = _client(app, login, world.referrer).get(f"/es/referrals/{sent.referral.public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in (f"Derivación {PATIENT_REFERENCE}", "Detalles", "Destinatarios", "Próximos pasos",
                     "Hasta la primera respuesta", "Grupo de edad", "Frecuencia de las sesiones", "De rutina",
                     "Enviada", "por el profesional que deriva", "Cancelar esta derivación", "Mensajes y acciones"):
        assert expected in html, expected
    for english in ("Recipients", "Next steps", "by the referrer", "Cancel this referral", "Preferred approach"):
        assert english not in html, english
    # Stored values stay English: the state's CSS class and the database.
    assert "state-sent" in html
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"


def test_a_recipient_declines_in_spanish_and_the_timeline_keeps_english(app, login, world, sent):
    """The copy page offers Spanish reasons; the decline is stored in English and shown in Spanish."""
    client = _client(app, login, world.recipient)
    copy_page = client.get(f"/es/referrals/copies/{sent.a.public_id}").get_data(as_text=True)
    for expected in ("Responder", "Aceptar", "Rechazar: motivo", "No acepta pacientes nuevos", "Historial"):
        assert expected in copy_page, expected
    response = client.post(f"/es/referrals/copies/{sent.a.public_id}/actions/decline",
                           data={"decline-reason": "not_accepting"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Hecho: rechazada." in html and "Rechazada: No acepta pacientes nuevos." in html
    assert "Not accepting new patients" not in html
    with app.app_context():
        copy = db.session.get(ReferralRecipientCopy, sent.a.id)
        assert copy.decline_reason == "not_accepting"
        assert [e.detail for e in copy.events if e.action == "decline"] == ["Not accepting new patients"]
    # A refused step is explained in Spanish.
    again = client.post(f"/es/referrals/copies/{sent.a.public_id}/actions/accept", follow_redirects=True)
    assert "No se puede aceptar: el estado de esta derivación es «rechazada»." in again.get_data(as_text=True)


def test_referral_emails_go_out_in_each_recipients_language(app_ctx, world):
    """The listing owner who reads in Spanish gets the new referral in Spanish; the other one in English."""
    db.session.get(User, world.recipient.id).language = "es"
    db.session.commit()
    send(world)
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referral.new"))}
    spanish, english = mails["alpha@example.org"], mails["beta@example.org"]
    assert spanish.subject == "Nueva derivación de Dr Psych, MD"
    assert "le ha derivado un paciente a través del Directorio Abierto de Terapia" in spanish.body_text
    assert "vence" in spanish.body_text and "inicie sesión para leer la derivación" in spanish.body_text
    assert english.subject == "New referral from Dr Psych, MD"
    assert "has referred a patient to you" in english.body_text


def test_the_expiry_job_writes_to_a_spanish_referrer_in_spanish(app_ctx, world, sent):
    """The scheduled expiry runs outside any request: its email still follows the referrer's language."""
    db.session.get(User, world.referrer.id).language = "es"
    db.session.commit()
    copy = db.session.get(ReferralRecipientCopy, sent.a.id)
    service.expire_overdue(now=copy.sent_at + timedelta(days=8), days=7)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referral.expired")).first()
    assert mail.subject.startswith("La derivación a ") and mail.subject.endswith(" venció sin respuesta")
    assert "no respondió a su derivación en 7 días, por lo que venció." in mail.body_text
    assert [e.detail for e in copy.events if e.action == "expire"] == ["No answer within 7 days"]
