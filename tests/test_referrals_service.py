"""Sending referrals, who may read them, expiry and erasure with a frozen clock, notifications, statistics."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from referral.extensions import db
from referral.models import (
    OutboxMessage,
    Referral,
    ReferralAccessLog,
    ReferralEvent,
    ReferralMessage,
    ReferralRecipientCopy,
    ReferrerProfile,
)
from referral.services import referrals as service
from referral.services import referrers
from referral.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from referral_world import FORM, NOTE, PATIENT_REFERENCE, PATIENT_WORDS, send, sent, world  # noqa: F401

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- sending -----------------------------------------------------------------------------------


def test_send_makes_one_copy_per_provider_and_mails_each_recipient(app_ctx, world, sent):
    """Two recipients: two copies in state sent, two "new referral" emails to the listing owners."""
    assert sorted(c.provider_id for c in sent.referral.copies) == sorted([world.provider_a.id, world.provider_b.id])
    assert {c.state for c in sent.referral.copies} == {"sent"}
    mails = [m for m in _outbox() if m.kind == "referral.new"]
    assert sorted(m.to_address for m in mails) == ["alpha@example.org", "beta@example.org"]
    assert all(f"/referrals/copies/{c.public_id}" in " ".join(m.body_text for m in mails) for c in sent.referral.copies)


@pytest.mark.parametrize("reference", ["JD", "JDK", "J.D.", "J D K", "J.D.K.M.", "MRN-20441", "A1234", "chart7"])
def test_initials_and_chart_numbers_are_accepted(reference):
    """Initials and chart numbers are what a patient reference should be."""
    assert service.check_patient_reference(reference) == reference


@pytest.mark.parametrize("reference", [
    "John Smith", "Smith", "Jane", "JANE", "jd", "Mary-Jane", "01/02/1990", "1990-01-02", "2.3.88", "19900102", "Jan 2 1990",
    "JD born March 3", "", "   ", "X" * 25,
])
def test_names_and_dates_of_birth_are_refused(reference):
    """Anything that looks like a full name or a date of birth is refused."""
    with pytest.raises(ValidationFailed) as refused:
        service.check_patient_reference(reference)
    assert "patient_reference" in refused.value.errors


@pytest.mark.parametrize("change,field", [
    ({"patient_reference": "Jane Doe"}, "patient_reference"),
    ({"age_group": ""}, "age_group"),
    ({"age_group": "toddlers"}, "age_group"),
    ({"patient_zip": "", "telehealth_state": ""}, "patient_zip"),
    ({"patient_zip": "1002"}, "patient_zip"),
    ({"patient_zip": "", "telehealth_state": "ZZ"}, "telehealth_state"),
    ({"concerns": []}, "concerns"),
    ({"concerns": ["depression", "lycanthropy"]}, "concerns"),
    ({"modality": "astrology"}, "modality"),
    ({"insurance": ""}, "insurance"),
    ({"urgency": "whenever"}, "urgency"),
    ({"note": "x" * 1001}, "note"),
    ({"consent": False}, "consent"),
])
def test_bad_fields_are_refused_with_a_message_on_the_field(app_ctx, world, change, field):
    """Each bad field is named; nothing is sent."""
    with pytest.raises(ValidationFailed) as refused:
        service.send_referral(world.referrer, {**FORM, **change}, [world.provider_a.id])
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0


def test_telehealth_state_alone_is_enough(app_ctx, world):
    """A telehealth referral gives the state instead of a ZIP."""
    referral = service.send_referral(world.referrer, {**FORM, "patient_zip": "", "telehealth_state": "ny"},
                                     [world.provider_a.id])
    assert (referral.patient_zip, referral.telehealth_state) == ("", "NY")


def test_urgent_is_not_sent(app_ctx, world):
    """Urgent shows crisis guidance instead: nothing is stored or mailed."""
    with pytest.raises(service.UrgentReferral) as refused:
        service.send_referral(world.referrer, {**FORM, "urgency": "urgent"}, [world.provider_a.id])
    assert "988" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0
    assert _outbox() == []


def test_recipients_one_to_five_verified_and_not_oneself(app_ctx, world, make_provider, make_user):
    """No recipients, six, an unclaimed listing, or one's own listing are refused."""
    unclaimed = make_provider()
    extra = [make_provider(owner_id=make_user().id, listing_status="verified").id for _ in range(4)]
    for ids in ([], [world.provider_a.id, world.provider_b.id] + extra, [unclaimed.id], ["x"], [999999]):
        with pytest.raises(ValidationFailed) as refused:
            service.send_referral(world.referrer, FORM, ids)
        assert "providers" in refused.value.errors
    # a verified provider may refer, but not to their own listing
    with pytest.raises(ValidationFailed) as refused:
        service.send_referral(world.recipient, FORM, [world.provider_a.id])
    assert "own listing" in refused.value.errors["providers"]
    assert service.send_referral(world.recipient, FORM, [world.provider_b.id]).copies[0].provider_id == world.provider_b.id


@pytest.mark.parametrize("status", ["pending", "rejected", None])
def test_only_approved_referrers_and_verified_providers_may_send(app_ctx, world, make_user, status):
    """A referrer whose profile is missing, pending or rejected cannot send."""
    user = make_user(role="referrer")
    if status:
        db.session.add(ReferrerProfile(user_id=user.id, npi="1003000126", clinician_name="Dr Waiting", status=status))
        db.session.commit()
    with pytest.raises(PermissionDenied):
        service.send_referral(user, FORM, [world.provider_a.id])
    with pytest.raises(PermissionDenied):
        service.send_referral(None, FORM, [world.provider_a.id])


# --- reading: the authorization matrix on the services -------------------------------------------

READERS = ["anonymous", "other_provider", "other_referrer", "recipient", "recipient_b", "referrer", "admin"]


def _who(world, name):
    return None if name == "anonymous" else getattr(world, name)


@pytest.mark.parametrize("name", READERS)
def test_who_reads_a_copy(app_ctx, world, sent, name):
    """A copy: its referrer, its own recipient and admins (audited); nobody else, not even the other recipient."""
    user = _who(world, name)
    if name in ("referrer", "recipient", "admin"):
        view = service.get_copy(user, sent.a.public_id)
        assert view.copy.id == sent.a.id
        assert view.role == {"referrer": "referrer", "recipient": "recipient", "admin": "admin"}[name]
    else:
        with pytest.raises(PermissionDenied):
            service.get_copy(user, sent.a.public_id)
    audited = db.session.scalar(select(db.func.count()).select_from(ReferralAccessLog))
    assert audited == (1 if name == "admin" else 0)


@pytest.mark.parametrize("name", READERS)
def test_who_reads_a_referral(app_ctx, world, sent, name):
    """The referral: the referrer and admins see both copies, each recipient only their own."""
    user = _who(world, name)
    expected = {"referrer": {sent.a.id, sent.b.id}, "admin": {sent.a.id, sent.b.id},
                "recipient": {sent.a.id}, "recipient_b": {sent.b.id}}
    if name in expected:
        assert {c.id for c in service.get_referral(user, sent.referral.public_id).copies} == expected[name]
    else:
        with pytest.raises(PermissionDenied):
            service.get_referral(user, sent.referral.public_id)


def test_unknown_ids_are_not_found(app_ctx, world):
    """An id that names nothing is NotFound."""
    with pytest.raises(NotFound):
        service.get_copy(world.referrer, "nothing-here")
    with pytest.raises(NotFound):
        service.get_referral(world.admin, "nothing-here")


def test_admin_reads_are_audited(app_ctx, world, sent):
    """Every admin read leaves a row: who, which referral, how."""
    service.get_referral(world.admin, sent.referral.public_id, via="api")
    service.get_copy(world.admin, sent.b.public_id)
    rows = list(db.session.scalars(select(ReferralAccessLog).order_by(ReferralAccessLog.id)))
    assert [(r.user_id, r.referral_id, r.what) for r in rows] == [
        (world.admin.id, sent.referral.id, "api"), (world.admin.id, sent.referral.id, "page")]


def test_opening_a_copy_marks_it_viewed_only_for_its_recipient(app_ctx, world, sent):
    """The referrer's and an admin's reads leave it "sent"; the recipient's first look makes it "viewed"."""
    service.get_copy(world.referrer, sent.a.public_id)
    service.get_copy(world.admin, sent.a.public_id)
    assert sent.a.state == "sent"
    service.get_copy(world.recipient, sent.a.public_id)
    assert sent.a.state == "viewed"


def test_messages_only_between_the_two_clinicians(app_ctx, world, sent):
    """The referrer and the recipient write; the other recipient and admins cannot."""
    service.post_message(world.recipient, sent.a.public_id, "Happy to help.")
    for outsider in (world.recipient_b, world.admin, world.other_referrer, None):
        with pytest.raises(PermissionDenied):
            service.post_message(outsider, sent.a.public_id, "Hello")
    with pytest.raises(ValidationFailed):
        service.post_message(world.referrer, sent.a.public_id, "   ")


# --- expiry and erasure with a frozen clock --------------------------------------------------------


def test_unanswered_copies_expire_after_the_configured_days(app, world, runner):
    """Day 7 minus a minute: nothing; day 7: sent and viewed copies expire, answered ones do not; one mail each."""
    with time_machine.travel(T0, tick=False), app.app_context():
        referral = send(world)
        copy_a, copy_b = referral.copies
        other = send(world, patient_reference="ZK")
        service.accept(world.recipient, next(c for c in other.copies if c.provider_id == world.provider_a.id).public_id)
        service.get_copy(world.recipient_b, copy_b.public_id)  # viewed, still unanswered
        db.session.commit()
        referral_id, other_id = referral.id, other.id
    with time_machine.travel(T0 + timedelta(days=7) - timedelta(minutes=1), tick=False):
        result = runner.invoke(args=["expire-referrals"])
        assert "0 expired" in result.output
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        result = runner.invoke(args=["expire-referrals"])
        assert result.exit_code == 0 and "2 expired" in result.output
    with app.app_context():
        assert {c.state for c in db.session.get(Referral, referral_id).copies} == {"expired"}
        assert db.session.get(Referral, referral_id).closed_at == T0 + timedelta(days=7)
        assert {c.state for c in db.session.get(Referral, other_id).copies} == {"accepted", "placed_elsewhere"}
        expired_mails = [m for m in _outbox() if m.kind == "referral.expired"]
        assert [m.to_address for m in expired_mails] == ["psych@example.org", "psych@example.org"]
        event = db.session.scalars(select(ReferralEvent).where(ReferralEvent.action == "expire")).first()
        assert (event.actor_id, event.actor_role) == (None, "system")


def test_expiry_days_come_from_configuration(app, app_ctx, world):
    """REFERRAL_EXPIRY_DAYS=3 expires after three days."""
    app.config["REFERRAL_EXPIRY_DAYS"] = 3
    with time_machine.travel(T0, tick=False):
        send(world)
    assert service.expire_overdue(now=T0 + timedelta(days=3)).done == 2


def test_purge_erases_patient_fields_after_the_configured_days_and_keeps_the_timeline(app, world, runner):
    """Closed 180 days ago: patient fields and thread erased by `flask purge`; states and timeline remain."""
    with time_machine.travel(T0, tick=False), app.app_context():
        referral = send(world)
        copy_a = next(c for c in referral.copies if c.provider_id == world.provider_a.id)
        service.post_message(world.recipient, copy_a.public_id, "Can see them Tuesday.")
        service.accept(world.recipient, copy_a.public_id)
        service.schedule(world.recipient, copy_a.public_id, (T0 + timedelta(days=3)).date())
        service.mark_attended(world.recipient, copy_a.public_id, now=T0 + timedelta(days=4))
        service.close(world.referrer, copy_a.public_id, now=T0 + timedelta(days=5))
        db.session.commit()
        referral_id, copy_a_id = referral.id, copy_a.id
    closed = T0 + timedelta(days=5)
    with app.app_context():
        assert db.session.get(Referral, referral_id).closed_at == closed
    with time_machine.travel(closed + timedelta(days=180) - timedelta(minutes=1), tick=False):
        runner.invoke(args=["purge"])
    with app.app_context():
        assert db.session.get(Referral, referral_id).patient_reference == PATIENT_REFERENCE
    with time_machine.travel(closed + timedelta(days=180), tick=False):
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "referrals 1" in result.output
    with app.app_context():
        erased = db.session.get(Referral, referral_id)
        assert erased.patient_reference == "" and erased.note == "" and erased.patient_zip == ""
        assert erased.concerns == [] and erased.age_group is None and erased.insurance_plan is None
        assert erased.patient_fields_erased_at == closed + timedelta(days=180)
        assert db.session.scalar(select(db.func.count()).select_from(ReferralMessage)) == 0
        copy = db.session.get(ReferralRecipientCopy, copy_a_id)
        assert copy.state == "closed" and copy.appointment_date is None and copy.scheduled_at is not None
        assert [e.action for e in copy.events] == ["send", "accept", "schedule", "mark_attended", "close"]
        assert erased.modality.slug == "psychodynamic"  # the anonymous preferences stay for statistics


# --- notifications -------------------------------------------------------------------------------


def test_no_notification_carries_a_patient_detail(app_ctx, world, sent):
    """New, accepted, declined, info requested, scheduled, expired: each mailed, none with a patient detail."""
    service.request_info(world.recipient_b, sent.b.public_id, "What about QX-77341's schedule?")
    service.decline(world.recipient_b, sent.b.public_id, "insurance")
    service.accept(world.recipient, sent.a.public_id)
    service.schedule(world.recipient, sent.a.public_id, (datetime.now(timezone.utc) + timedelta(days=2)).date())
    other = send(world)
    service.expire_overdue(now=datetime.now(timezone.utc) + timedelta(days=8))
    db.session.commit()
    mails = _outbox()
    kinds = {m.kind for m in mails}
    assert {"referral.new", "referral.accepted", "referral.declined", "referral.scheduled", "referral.expired",
            "referral.info_requested"} <= kinds
    for mail in mails:
        text = mail.subject + "\n" + mail.body_text
        for word in PATIENT_WORDS + (NOTE, "Adults", "Aetna", "Psychodynamic", "Weekly"):
            assert word not in text, (mail.kind, word)
        assert "http://" in mail.body_text or "https://" in mail.body_text
    declined = next(m for m in mails if m.kind == "referral.declined")
    assert "Insurance not accepted" in declined.body_text
    assert other.copies  # the second referral expired


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_times_and_lead_states(app_ctx, world):
    """Times from sending to the first answer and to scheduling, and the state that speaks for each referral."""
    with time_machine.travel(T0, tick=False):
        first = send(world)
        second = send(world, patient_reference="ZK")
    a1 = next(c for c in first.copies if c.provider_id == world.provider_a.id)
    b2 = next(c for c in second.copies if c.provider_id == world.provider_b.id)
    a2 = next(c for c in second.copies if c.provider_id == world.provider_a.id)
    service.accept(world.recipient, a1.public_id, now=T0 + timedelta(hours=5))
    service.schedule(world.recipient, a1.public_id, (T0 + timedelta(days=4)).date(), now=T0 + timedelta(days=1))
    service.decline(world.recipient_b, b2.public_id, "not_accepting", now=T0 + timedelta(hours=9))
    service.decline(world.recipient, a2.public_id, "not_a_fit", now=T0 + timedelta(hours=11))
    db.session.commit()
    summaries = {s.referral.id: s for s in service.referrer_referrals(world.referrer)}
    assert summaries[first.id].state == "scheduled"
    assert summaries[first.id].time_to_first_answer == timedelta(hours=5)
    assert summaries[first.id].time_to_scheduling == timedelta(days=1)
    assert summaries[second.id].state == "declined" and summaries[second.id].can_refer_elsewhere
    assert not summaries[first.id].can_refer_elsewhere
    stats = service.referrer_stats(list(summaries.values()))
    assert (stats.sent, stats.answered, stats.scheduled) == (2, 2, 1)
    assert stats.median_to_first_answer == timedelta(hours=7)
    assert [s.referral.id for s in service.referrer_referrals(world.referrer, "declined")] == [second.id]
    assert service.referrer_referrals(world.other_referrer) == []


def test_refer_elsewhere_prefills_from_the_original(app_ctx, world, sent):
    """The referrer gets the original's fields; others are refused; a new referral remembers its original."""
    data = service.prefill_refer_elsewhere(world.referrer, sent.referral.public_id)
    assert data["patient_reference"] == PATIENT_REFERENCE and data["concerns"] == ["anxiety", "depression"]
    assert data["note"] == NOTE and data["insurance"] == "aetna"
    for outsider in (world.recipient, world.admin, world.other_referrer):
        with pytest.raises(PermissionDenied):
            service.prefill_refer_elsewhere(outsider, sent.referral.public_id)
    again = service.send_referral(world.referrer, {**data, "consent": True}, [world.provider_c.id],
                                  original_public_id=sent.referral.public_id)
    assert again.original_id == sent.referral.id


# --- referrer profiles ---------------------------------------------------------------------------


def test_referrer_profile_needs_a_valid_npi_and_admin_approval(app_ctx, world, make_user):
    """Apply with a valid NPI, wait, get approved by an admin, then refer; a bad check digit is refused."""
    user = make_user(role="referrer")
    with pytest.raises(ValidationFailed) as refused:
        referrers.submit_profile(user, "1234567890", "Dr Casey Ng")
    assert "npi" in refused.value.errors
    with pytest.raises(ValidationFailed) as taken:
        referrers.submit_profile(user, "1234567893", "Dr Casey Ng")  # the world's referrer holds it
    assert "already" in taken.value.errors["npi"]
    profile = referrers.submit_profile(user, "1003000126", "Dr Casey Ng", "MD")
    assert profile.status == "pending" and not referrers.can_refer(user)
    with pytest.raises(PermissionDenied):
        referrers.decide_profile(world.referrer, profile.id, True)
    with pytest.raises(ValidationFailed):
        referrers.decide_profile(world.admin, profile.id, False, "")
    referrers.decide_profile(world.admin, profile.id, True)
    assert referrers.can_refer(user)
    with pytest.raises(Conflict):
        referrers.submit_profile(user, "1003000126", "Dr Casey Ng")


def test_provider_accounts_do_not_apply_as_referrers(app_ctx, world):
    """Providers refer through their verified listing; they have no NPI profile to submit."""
    with pytest.raises(PermissionDenied):
        referrers.submit_profile(world.other_provider, "1003000126", "Dr Gamma")
    assert referrers.can_refer(world.other_provider)
