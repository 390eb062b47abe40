"""The referral state machine: every legal and every illegal transition, through the service and the table."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import ReferralEvent, ReferralRecipientCopy, utcnow
from referral.services import referrals as service
from referral.services.errors import Conflict, PermissionDenied, ValidationFailed
from referral.services.referral_states import (
    RECIPIENT,
    REFERRER,
    STATES,
    SYSTEM,
    TERMINAL_STATES,
    TRANSITIONS,
    available_actions,
    check_transition,
)
from referral_world import sent, world  # noqa: F401

ROLES = (REFERRER, RECIPIENT, SYSTEM)
USER_MOVES = [(action, role) for action, t in TRANSITIONS.items() for role in sorted(t.actors) if role != SYSTEM]


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_table_decides_every_combination(action, state, role):
    """Each (action, state, party) is either legal, or refused as a conflict or as not this party's to make."""
    transition = TRANSITIONS[action]
    if role not in transition.actors:
        with pytest.raises(PermissionDenied):
            check_transition(action, state, role)
    elif state not in transition.sources:
        with pytest.raises(Conflict) as refused:
            check_transition(action, state, role)
        assert "Cannot" in refused.value.message
    else:
        assert check_transition(action, state, role).target == transition.target


def test_terminal_states_have_no_way_out():
    """Nothing leaves closed, declined, cancelled, expired or placed elsewhere."""
    for state in TERMINAL_STATES:
        assert all(state not in t.sources for t in TRANSITIONS.values())
        assert available_actions(state, REFERRER) == [] and available_actions(state, RECIPIENT) == []


def _extra(action: str) -> dict:
    return {
        "decline": {"reason": "not_a_fit"},
        "schedule": {"appointment_date": (utcnow() + timedelta(days=7)).date().isoformat()},
        "request_info": {"message": "Which afternoons suit?"},
    }.get(action, {})


@pytest.mark.parametrize("action,role", USER_MOVES)
def test_every_transition_through_the_service(app_ctx, world, sent, action, role):
    """From every state, each party's action either moves the copy (with a timeline entry) or is refused with 409."""
    copy = sent.a
    actor = world.referrer if role == REFERRER else world.recipient
    transition = TRANSITIONS[action]
    for state in STATES:
        copy = db.session.get(ReferralRecipientCopy, sent.a.id)
        copy.state = state
        copy.appointment_date = (utcnow() - timedelta(days=1)).date() if state == "scheduled" else None
        db.session.commit()
        count = select(db.func.count()).select_from(ReferralEvent).where(ReferralEvent.copy_id == copy.id)
        before = db.session.scalar(count)
        if state in transition.sources:
            result = service.transition(actor, copy.public_id, action, **_extra(action))
            db.session.commit()
            assert result.state == transition.target, state
            last = db.session.scalars(select(ReferralEvent).where(ReferralEvent.copy_id == copy.id)
                                      .order_by(ReferralEvent.id.desc())).first()
            assert (last.action, last.from_state, last.to_state, last.actor_id, last.actor_role) == (
                action, state, transition.target, actor.id, role)
        else:
            with pytest.raises(Conflict):
                service.transition(actor, copy.public_id, action, **_extra(action))
            db.session.rollback()
            assert db.session.get(ReferralRecipientCopy, copy.id).state == state
            assert db.session.scalar(count) == before, state


@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if SYSTEM in t.actors])
def test_system_transitions_are_refused_to_people(app_ctx, world, sent, action):
    """Nobody expires or places a copy elsewhere by hand."""
    for actor in (world.referrer, world.recipient, world.admin):
        with pytest.raises(PermissionDenied):
            service.transition(actor, sent.a.public_id, action)


def test_wrong_party_is_refused(app_ctx, world, sent):
    """The referrer cannot accept; the recipient cannot cancel."""
    with pytest.raises(PermissionDenied):
        service.accept(world.referrer, sent.a.public_id)
    with pytest.raises(PermissionDenied):
        service.transition(world.recipient, sent.a.public_id, "cancel")
    assert sent.a.state == "sent"


def test_accepting_places_the_other_copies_elsewhere(app_ctx, world, sent):
    """One accept closes every other open copy as placed elsewhere, attributed to the system."""
    service.accept(world.recipient, sent.a.public_id)
    db.session.commit()
    assert sent.a.state == "accepted"
    assert sent.b.state == "placed_elsewhere"
    last = sent.b.events[-1]
    assert (last.action, last.actor_role, last.actor_id) == ("place_elsewhere", SYSTEM, None)
    with pytest.raises(Conflict) as refused:
        service.accept(world.recipient_b, sent.b.public_id)
    assert "placed elsewhere" in refused.value.message


def test_decline_needs_a_listed_reason(app_ctx, world, sent):
    """A decline without a reason from the list is refused and changes nothing."""
    with pytest.raises(ValidationFailed) as refused:
        service.decline(world.recipient, sent.a.public_id, "bored")
    assert "reason" in refused.value.errors
    db.session.rollback()
    assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"


def test_schedule_needs_a_sensible_date(app_ctx, world, sent):
    """The first appointment needs a real date, not before the referral and within a year."""
    service.accept(world.recipient, sent.a.public_id)
    for bad in ("", "tomorrow", "2020-01-01", (utcnow() + timedelta(days=400)).date().isoformat()):
        with pytest.raises(ValidationFailed) as refused:
            service.schedule(world.recipient, sent.a.public_id, bad)
        assert "appointment_date" in refused.value.errors
    when = (utcnow() + timedelta(days=5)).date()
    service.schedule(world.recipient, sent.a.public_id, when.isoformat())
    assert sent.a.appointment_date == when and sent.a.scheduled_at is not None


def test_attended_only_after_the_appointment(app_ctx, world, sent):
    """The first session cannot be marked attended before its date."""
    service.accept(world.recipient, sent.a.public_id)
    service.schedule(world.recipient, sent.a.public_id, (utcnow() + timedelta(days=3)).date())
    with pytest.raises(ValidationFailed):
        service.mark_attended(world.recipient, sent.a.public_id)
    service.mark_attended(world.recipient, sent.a.public_id, now=utcnow() + timedelta(days=4))
    assert sent.a.state == "attended"


def test_answering_a_question_returns_the_copy_to_the_recipient(app_ctx, world, sent):
    """Info requested: the referrer's reply in the thread moves it back to viewed."""
    service.request_info(world.recipient, sent.a.public_id, "Is the patient on medication?")
    assert sent.a.state == "info_requested"
    service.post_message(world.referrer, sent.a.public_id, "Yes, stable for a year.")
    db.session.commit()
    assert sent.a.state == "viewed"
    assert [m.author_role for m in sent.a.messages] == [RECIPIENT, REFERRER]


def test_cancel_cancels_every_open_copy_and_closes_the_referral(app_ctx, world, sent):
    """The referrer cancels; each open copy is cancelled and the referral counts as closed."""
    service.decline(world.recipient_b, sent.b.public_id, "insurance")
    service.cancel(world.referrer, sent.referral.public_id)
    db.session.commit()
    assert (sent.a.state, sent.b.state) == ("cancelled", "declined")
    assert sent.referral.closed_at is not None
    with pytest.raises(Conflict):
        service.cancel(world.referrer, sent.referral.public_id)


def test_the_timeline_is_complete(app_ctx, world, sent):
    """Every step is kept, timestamped and attributed, in order."""
    service.view(world.recipient, sent.a.public_id)
    service.accept(world.recipient, sent.a.public_id)
    service.schedule(world.recipient, sent.a.public_id, (utcnow() + timedelta(days=2)).date())
    db.session.commit()
    steps = [(e.action, e.from_state, e.to_state, e.actor_role) for e in sent.a.events]
    assert steps == [("send", None, "sent", REFERRER), ("view", "sent", "viewed", RECIPIENT),
                     ("accept", "viewed", "accepted", RECIPIENT), ("schedule", "accepted", "scheduled", RECIPIENT)]
    assert all(e.at is not None and e.at.tzinfo is not None for e in sent.a.events)


def test_a_change_made_meanwhile_is_a_conflict(app_ctx, world, sent):
    """Optimistic locking: if the copy changed since it was loaded, the transition is refused, not lost."""
    copy = db.session.get(ReferralRecipientCopy, sent.a.id)
    session = db.session()
    session.expire_on_commit = False  # keep the loaded (soon stale) copy in memory, like a second request would
    try:
        db.session.execute(
            ReferralRecipientCopy.__table__.update().where(ReferralRecipientCopy.__table__.c.id == copy.id)
            .values(version_id=copy.version_id + 1, state="declined")
        )
        db.session.commit()
        assert copy.state == "sent"  # what this session still believes
        with pytest.raises(Conflict) as refused:
            service.accept(world.recipient, copy.public_id)
    finally:
        session.expire_on_commit = True
    assert "changed this referral meanwhile" in refused.value.message
    db.session.rollback()
    assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "declined"


def test_buttons_follow_the_table():
    """The recipient of a new copy may accept, decline or ask; the referrer may only cancel."""
    assert [t.action for t in available_actions("sent", RECIPIENT)] == ["accept", "decline", "request_info"]
    assert [t.action for t in available_actions("sent", REFERRER)] == ["cancel"]
    assert [t.action for t in available_actions("attended", REFERRER)] == ["close"]
    assert [t.action for t in available_actions("info_requested", REFERRER)] == ["cancel"]  # answered by replying
