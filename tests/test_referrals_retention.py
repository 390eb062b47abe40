"""Patient details of a referral are erased REFERRAL_ERASE_AFTER_DAYS after its last activity, whatever its state."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import Referral, ReferralMessage
from referral.services import referrals as service
from referral.services.errors import Conflict
from referral.services.referral_states import STATES
from referral_world import NOTE, PATIENT_REFERENCE, send, world  # noqa: F401

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def _reach(world, state: str) -> Referral:
    """A referral, sent at T0, with a copy brought to `state` and a message on it; everything happens at T0."""
    referral = send(world)
    copy_a = next(c for c in referral.copies if c.provider_id == world.provider_a.id)
    copy_b = next(c for c in referral.copies if c.provider_id == world.provider_b.id)
    service.post_message(world.referrer, copy_a.public_id, "Happy to answer questions.")
    steps = {
        "sent": [],
        "viewed": [lambda: service.get_copy(world.recipient, copy_a.public_id)],
        "info_requested": [lambda: service.request_info(world.recipient, copy_a.public_id, "Evenings possible?")],
        "accepted": [lambda: service.accept(world.recipient, copy_a.public_id)],
        "scheduled": [lambda: service.accept(world.recipient, copy_a.public_id),
                      lambda: service.schedule(world.recipient, copy_a.public_id, (T0 + timedelta(days=3)).date())],
        "attended": [lambda: service.accept(world.recipient, copy_a.public_id),
                     lambda: service.schedule(world.recipient, copy_a.public_id, T0.date()),
                     lambda: service.mark_attended(world.recipient, copy_a.public_id)],
        "closed": [lambda: service.accept(world.recipient, copy_a.public_id),
                   lambda: service.schedule(world.recipient, copy_a.public_id, T0.date()),
                   lambda: service.mark_attended(world.recipient, copy_a.public_id),
                   lambda: service.close(world.referrer, copy_a.public_id)],
        "declined": [lambda: service.decline(world.recipient, copy_a.public_id, "insurance")],
        "cancelled": [lambda: service.cancel(world.referrer, referral.public_id)],
        "expired": [lambda: service.expire_overdue(now=T0, days=0)],
        "placed_elsewhere": [lambda: service.accept(world.recipient_b, copy_b.public_id)],
    }
    for step in steps[state]:
        step()
    db.session.commit()
    assert copy_a.state == state
    return referral


def _patient_fields(app, referral_id: int) -> dict:
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        copy_ids = [c.id for c in referral.copies]
        return {
            "patient_reference": referral.patient_reference, "patient_zip": referral.patient_zip,
            "note": referral.note, "age_group": referral.age_group_id, "insurance": referral.insurance_plan_id,
            "concerns": len(referral.concerns), "erased_at": referral.patient_fields_erased_at,
            "appointments": [c.appointment_date for c in referral.copies if c.appointment_date],
            "messages": db.session.scalar(select(db.func.count()).select_from(ReferralMessage)
                                          .where(ReferralMessage.copy_id.in_(copy_ids))),
            "states": sorted(c.state for c in referral.copies),
        }


@pytest.mark.parametrize("state", STATES)
def test_patient_fields_are_erased_after_the_window_in_every_state(app, world, runner, state):
    """Kept a minute before REFERRAL_ERASE_AFTER_DAYS after the last activity; erased at it, the states untouched."""
    days = app.config["REFERRAL_ERASE_AFTER_DAYS"]
    with time_machine.travel(T0, tick=False), app.app_context():
        referral_id = _reach(world, state).id
    before = _patient_fields(app, referral_id)
    assert before["patient_reference"] == PATIENT_REFERENCE and before["note"] == NOTE and before["messages"] >= 1

    with time_machine.travel(T0 + timedelta(days=days) - timedelta(minutes=1), tick=False):
        assert runner.invoke(args=["purge"]).exit_code == 0
    assert _patient_fields(app, referral_id) == before

    with time_machine.travel(T0 + timedelta(days=days), tick=False):
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "referrals 1" in result.output, result.output
    after = _patient_fields(app, referral_id)
    assert after == {
        "patient_reference": "", "patient_zip": "", "note": "", "age_group": None, "insurance": None, "concerns": 0,
        "erased_at": T0 + timedelta(days=days), "appointments": [], "messages": 0, "states": before["states"],
    }


def test_a_later_message_starts_the_window_again(app, world, runner):
    """An accepted referral with a message 100 days later is kept until 100 days + the window."""
    days = app.config["REFERRAL_ERASE_AFTER_DAYS"]
    with time_machine.travel(T0, tick=False), app.app_context():
        referral = _reach(world, "accepted")
        referral_id, copy_public_id = referral.id, referral.copies[0].public_id
    with time_machine.travel(T0 + timedelta(days=100), tick=False), app.app_context():
        service.post_message(world.recipient, copy_public_id, "Still seeing them weekly.")
        db.session.commit()
    with time_machine.travel(T0 + timedelta(days=days), tick=False):
        assert "referrals 0" in runner.invoke(args=["purge"]).output
    assert _patient_fields(app, referral_id)["note"] == NOTE
    with time_machine.travel(T0 + timedelta(days=100 + days), tick=False):
        assert "referrals 1" in runner.invoke(args=["purge"]).output
    assert _patient_fields(app, referral_id)["note"] == ""


def test_an_erased_referral_takes_no_new_patient_details(app_ctx, world):
    """Once erased, its thread is closed and a question or an appointment date is refused."""
    with time_machine.travel(T0, tick=False):
        referral = _reach(world, "viewed")
    service.erase_patient_fields(now=T0 + timedelta(days=1), days=1)
    db.session.commit()
    copy = referral.copies[0]
    assert referral.erased
    with pytest.raises(Conflict):
        service.request_info(world.recipient, copy.public_id, "Evenings possible?")
    service.accept(world.recipient, copy.public_id)
    with pytest.raises(Conflict):
        service.schedule(world.recipient, copy.public_id, (T0 + timedelta(days=3)).date())
    assert copy.appointment_date is None and copy.messages == []
