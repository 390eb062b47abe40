"""Generated text stored in a bounded column is shortened to fit, never overflows: long names still send mail."""
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import OutboxMessage, Provider, Referral, ReferralRecipientCopy, ReferrerProfile
from referral.services.mail import queue_email
from referral_world import FORM, as_role, send, world  # noqa: F401

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
SUBJECT_LENGTH = OutboxMessage.subject.type.length


def _longest(column, word: str) -> str:
    """A value of exactly the column's length, made of words."""
    length = column.type.length
    return (f"{word} " * length)[:length - 1] + "x"


def _longest_names(app, world) -> None:
    """The referrer's name and credentials, and provider A's names and credentials, at their maximum lengths."""
    with app.app_context():
        profile = db.session.scalar(select(ReferrerProfile).where(ReferrerProfile.user_id == world.referrer.id))
        profile.clinician_name = _longest(ReferrerProfile.clinician_name, "Bartholomew")
        profile.credentials = _longest(ReferrerProfile.credentials, "LCSW")
        provider = db.session.get(Provider, world.provider_a.id)
        provider.first_name = _longest(Provider.first_name, "Maximiliana")
        provider.last_name = _longest(Provider.last_name, "Featherstonehaugh")
        provider.credentials = _longest(Provider.credentials, "PsyD")
        db.session.commit()


def _mails(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_queue_email_shortens_a_long_subject_with_an_ellipsis(app_ctx):
    """A subject one character too long loses its end to an ellipsis; one that fits is kept whole, on one line."""
    long_subject = "x" * (SUBJECT_LENGTH + 1)
    message = queue_email("someone@example.org", long_subject, "body")
    assert len(message.subject) == SUBJECT_LENGTH and message.subject == "x" * (SUBJECT_LENGTH - 1) + "…"
    fitting = queue_email("someone@example.org", "A subject\nthat fits", "body")
    assert fitting.subject == "A subject that fits"
    db.session.commit()


def test_a_referral_from_the_longest_name_is_sent_through_the_form(app, world, as_role):
    """Name and credentials at their maximum lengths: 302, the referral and its mail exist, the subject fits."""
    _longest_names(app, world)
    client = as_role("referrer")
    client.post("/referrals/shortlist", data={"provider_id": world.provider_a.id, "next": "/search"})
    data = {k: v for k, v in FORM.items() if k != "consent"} | {"consent": "y"}
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 1
    [mail] = _mails(app, "referral.new")
    assert len(mail.subject) <= SUBJECT_LENGTH and mail.subject.startswith("New referral from Bartholomew")
    assert mail.subject.endswith("…")


def test_a_question_from_the_longest_provider_name_is_sent_through_the_api(app, world, as_role):
    """The recipient's name at its maximum length: asking for information answers 200 and mails the referrer."""
    _longest_names(app, world)
    with app.app_context():
        copy_id = next(c.public_id for c in send(world).copies if c.provider_id == world.provider_a.id)
    response = as_role("recipient").post(f"/api/v1/referrals/copies/{copy_id}/transitions",
                                         json={"action": "request_info", "message": "Evenings possible?"})
    assert response.status_code == 200, response.get_json()
    [mail] = _mails(app, "referral.info_requested")
    assert len(mail.subject) <= SUBJECT_LENGTH and mail.subject.endswith("…")


def test_expiry_with_the_longest_names_expires_every_copy(app, world, runner):
    """`flask expire-referrals` expires both copies and mails the referrer, however long the provider's name."""
    _longest_names(app, world)
    with time_machine.travel(T0, tick=False), app.app_context():
        referral_id = send(world).id
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        result = runner.invoke(args=["expire-referrals"])
    assert result.exit_code == 0 and "2 expired" in result.output, result.output
    with app.app_context():
        states = db.session.scalars(select(ReferralRecipientCopy.state)
                                    .where(ReferralRecipientCopy.referral_id == referral_id)).all()
    assert states == ["expired", "expired"]
    assert all(len(m.subject) <= SUBJECT_LENGTH for m in _mails(app, "referral.expired"))
    assert len(_mails(app, "referral.expired")) == 2
