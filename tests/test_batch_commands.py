"""The batch commands go on past a bad row: the others are done, the bad row is named on stderr, the exit status is 1."""
import logging
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import AvailabilityReminder, OutboxMessage, Referral, ReferralMessage, ReferralRecipientCopy
from referral.services import availability, mail, referrals, retention
from referral.services.mail import SMTPTransport, queue_email
from referral_world import NOTE, PATIENT_REFERENCE, send, world  # noqa: F401

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


class BadRow(RuntimeError):
    """What the patched per-row function raises for the chosen row."""


def _fail_for(monkeypatch, module, name: str, bad_id) -> None:
    """Make module.name raise BadRow for the row `bad_id` (its first argument) and work for every other row."""
    original = getattr(module, name)

    def patched(row_id, *args, **kwargs):
        if row_id == bad_id:
            raise BadRow(f"{PATIENT_REFERENCE} {NOTE}")  # an error text holding patient details is never shown
        return original(row_id, *args, **kwargs)

    monkeypatch.setattr(module, name, patched)


def _assert_named(result, what: str, row_id) -> None:
    assert result.exit_code == 1, result.output
    assert f"{what} {row_id} failed (BadRow)" in result.stderr
    assert PATIENT_REFERENCE not in result.output and NOTE not in result.output


def test_expire_referrals_goes_on_past_a_bad_copy(app, world, runner, monkeypatch, caplog):
    """Two overdue copies, the first raises: the second expires and is mailed, the first is named and left sent."""
    with time_machine.travel(T0, tick=False), app.app_context():
        bad_id, good_id = sorted(c.id for c in send(world).copies)
    _fail_for(monkeypatch, referrals, "expire_copy", bad_id)
    with time_machine.travel(T0 + timedelta(days=7), tick=False), caplog.at_level(logging.ERROR):
        result = runner.invoke(args=["expire-referrals"])
    _assert_named(result, "referral copy", bad_id)
    assert "Referrals: 1 expired" in result.output
    assert f"referral copy {bad_id}" in caplog.text and NOTE not in caplog.text
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, bad_id).state == "sent"
        assert db.session.get(ReferralRecipientCopy, good_id).state == "expired"
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "referral.expired")) == 1


def test_a_database_error_undoes_its_row_alone(app, world, runner, monkeypatch):
    """A row whose writes break a constraint after its expiry and mail: that row is undone whole, the next one done."""
    with time_machine.travel(T0, tick=False), app.app_context():
        bad_id, good_id = sorted(c.id for c in send(world).copies)
    expire_copy = referrals.expire_copy

    def expire_then_break_a_constraint(copy_id, now, days):
        changed = expire_copy(copy_id, now, days)
        if copy_id == bad_id:
            db.session.add(ReferralMessage(copy_id=-1, author_role="referrer", body="no such copy"))
            db.session.flush()
        return changed

    monkeypatch.setattr(referrals, "expire_copy", expire_then_break_a_constraint)
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        result = runner.invoke(args=["expire-referrals"])
    assert result.exit_code == 1 and f"referral copy {bad_id} failed (IntegrityError)" in result.stderr
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, bad_id).state == "sent"
        assert db.session.get(ReferralRecipientCopy, good_id).state == "expired"
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "referral.expired")) == 1


def test_purge_goes_on_past_a_bad_referral_and_a_failing_purger(app, world, runner, monkeypatch):
    """The first referral raises and so does a whole purger: the second referral is erased, both failures named."""
    with time_machine.travel(T0, tick=False), app.app_context():
        bad_id, good_id = send(world).id, send(world).id

    def broken_purger(now, config):
        raise BadRow("whole purger")

    monkeypatch.setitem(retention.PURGERS, "broken", broken_purger)
    _fail_for(monkeypatch, referrals, "erase_referral", bad_id)
    with time_machine.travel(T0 + timedelta(days=app.config["REFERRAL_ERASE_AFTER_DAYS"]), tick=False):
        result = runner.invoke(args=["purge"])
    _assert_named(result, "referral", bad_id)
    assert "purger broken failed (BadRow)" in result.stderr and "referrals 1" in result.output
    with app.app_context():
        assert db.session.get(Referral, bad_id).patient_reference == PATIENT_REFERENCE
        assert db.session.get(Referral, good_id).patient_reference == ""


def test_send_reminders_goes_on_past_a_bad_listing(app, runner, make_user, make_provider, monkeypatch):
    """Two listings due a reminder, the first raises: the second is reminded, the first named and not recorded."""
    due = [make_provider(owner_id=make_user().id, listing_status="verified", verified_at=T0, source="owner",
                         npi=npi, availability_confirmed_at=T0) for npi in ("1234567893", "1245319599")]
    bad_id, good_id = sorted(p.id for p in due)
    _fail_for(monkeypatch, availability, "send_reminder", bad_id)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        result = runner.invoke(args=["send-reminders"])
    _assert_named(result, "listing", bad_id)
    assert "queued: 1" in result.output
    with app.app_context():
        assert db.session.scalars(select(AvailabilityReminder.provider_id)).all() == [good_id]


def test_send_outbox_goes_on_past_a_bad_message(app, runner, monkeypatch):
    """Two queued messages, the first raises outside the transport: the second is sent, the first named."""
    with app.app_context():
        bad_id, good_id = (queue_email(f"{n}@example.org", "Hello", "text", kind="test").id for n in ("a", "b"))
        db.session.commit()
    sent = []
    monkeypatch.setattr(SMTPTransport, "send", lambda self, message: sent.append(message.id))
    app.config.update(MAIL_TO_CONSOLE=False, SMTP_HOST="mail.example.org")
    _fail_for(monkeypatch, mail, "deliver_message", bad_id)
    result = runner.invoke(args=["send-outbox"])
    _assert_named(result, "outbox message", bad_id)
    assert "1 sent" in result.output and sent == [good_id]
    with app.app_context():
        assert db.session.get(OutboxMessage, good_id).sent_at is not None
        assert db.session.get(OutboxMessage, bad_id).sent_at is None
