"""The one state machine of a referral copy: states, legal transitions, and who may make each.

Modelled on the FHIR Task states and the 360X closed-loop referral. A transition not in TRANSITIONS
is refused with Conflict; one made by the wrong party is refused with PermissionDenied.
"""
from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from ..i18n import lazy_gettext as _l
from .errors import Conflict, PermissionDenied, ValidationFailed

SENT = "sent"
VIEWED = "viewed"
ACCEPTED = "accepted"
DECLINED = "declined"
INFO_REQUESTED = "info_requested"
SCHEDULED = "scheduled"
ATTENDED = "attended"
CLOSED = "closed"
CANCELLED = "cancelled"
EXPIRED = "expired"
PLACED_ELSEWHERE = "placed_elsewhere"

STATES = (SENT, VIEWED, INFO_REQUESTED, ACCEPTED, SCHEDULED, ATTENDED, CLOSED, DECLINED, CANCELLED, EXPIRED,
          PLACED_ELSEWHERE)
# Labels are lazy: each is read in the language of the page, email or API answer it ends up in.
STATE_LABELS = {
    SENT: _l("Sent"),
    VIEWED: _l("Viewed"),
    INFO_REQUESTED: _l("Information requested"),
    ACCEPTED: _l("Accepted"),
    SCHEDULED: _l("Scheduled"),
    ATTENDED: _l("First session attended"),
    CLOSED: _l("Closed"),
    DECLINED: _l("Declined"),
    CANCELLED: _l("Cancelled"),
    EXPIRED: _l("Expired"),
    PLACED_ELSEWHERE: _l("Placed elsewhere"),
}
# How each step reads in a timeline.
EVENT_LABELS = {
    "send": _l("Sent"),
    "view": _l("Viewed"),
    "accept": _l("Accepted"),
    "decline": _l("Declined"),
    "request_info": _l("Information requested"),
    "provide_info": _l("Information provided"),
    "schedule": _l("First appointment scheduled"),
    "mark_attended": _l("First session attended"),
    "close": _l("Closed"),
    "cancel": _l("Cancelled"),
    "expire": _l("Expired"),
    "place_elsewhere": _l("Placed elsewhere"),
}
# No way out of these: the copy is finished.
TERMINAL_STATES = frozenset({CLOSED, DECLINED, CANCELLED, EXPIRED, PLACED_ELSEWHERE})
# Waiting for the recipient's first answer (these expire).
AWAITING_ANSWER = frozenset({SENT, VIEWED})

# The reasons as people read them. A declined copy's timeline stores the English label (see referrals.transition).
DECLINE_REASONS = {
    "not_accepting": _l("Not accepting new patients"),
    "not_a_fit": _l("Not a fit for this referral"),
    "insurance": _l("Insurance not accepted"),
    "other": _l("Other reason"),
}

REFERRER = "referrer"
RECIPIENT = "recipient"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    """An action: the states it may start from, the state it leads to, and who may take it."""

    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    label: LazyString
    answers: bool = False  # counts as the recipient's first answer


def _t(action, sources, target, actors, label, answers=False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors), label, answers)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("view", {SENT}, VIEWED, {RECIPIENT}, _l("Viewed")),
        _t("accept", {SENT, VIEWED, INFO_REQUESTED}, ACCEPTED, {RECIPIENT}, _l("Accept"), answers=True),
        _t("decline", {SENT, VIEWED, INFO_REQUESTED}, DECLINED, {RECIPIENT}, _l("Decline"), answers=True),
        _t("request_info", {SENT, VIEWED}, INFO_REQUESTED, {RECIPIENT}, _l("Ask for information"), answers=True),
        _t("provide_info", {INFO_REQUESTED}, VIEWED, {REFERRER}, _l("Information provided")),
        _t("schedule", {ACCEPTED, SCHEDULED}, SCHEDULED, {RECIPIENT}, _l("Schedule first appointment")),
        _t("mark_attended", {SCHEDULED}, ATTENDED, {RECIPIENT}, _l("Mark first session attended")),
        _t("close", {ATTENDED}, CLOSED, {RECIPIENT, REFERRER}, _l("Close")),
        _t("cancel", {SENT, VIEWED, INFO_REQUESTED, ACCEPTED, SCHEDULED}, CANCELLED, {REFERRER}, _l("Cancel referral")),
        _t("expire", AWAITING_ANSWER, EXPIRED, {SYSTEM}, _l("Expired without an answer")),
        _t("place_elsewhere", {SENT, VIEWED, INFO_REQUESTED}, PLACED_ELSEWHERE, {SYSTEM}, _l("Placed elsewhere")),
    )
}
ACTIONS = tuple(TRANSITIONS)


def lowercase(text) -> LazyString:
    """A label in lower case, in the language it is finally read in (to sit inside a sentence)."""
    return LazyString(lambda: str(text).lower())


def _only_actors(actors: frozenset[str], action: str) -> LazyString:
    """The sentence refusing a step to anyone but its actors."""
    who = tuple(sorted(actors))
    if who == (RECIPIENT,):
        return _l("Only the recipient may %(action)s this referral.", action=action)
    if who == (REFERRER,):
        return _l("Only the referrer may %(action)s this referral.", action=action)
    if who == (RECIPIENT, REFERRER):
        return _l("Only the recipient or referrer may %(action)s this referral.", action=action)
    return _l("Only the system may %(action)s this referral.", action=action)


def transition_for(action: str) -> Transition:
    """The transition an action names, or ValidationFailed for an unknown action."""
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValidationFailed({"action": f"unknown action {action!r}; one of: {', '.join(ACTIONS)}"}) from None


def check_transition(action: str, current_state: str, actor_role: str) -> Transition:
    """The transition to apply, after checking it is legal from this state and for this party."""
    transition = transition_for(action)
    if actor_role not in transition.actors:
        raise PermissionDenied(_only_actors(transition.actors, lowercase(transition.label)))
    if current_state not in transition.sources:
        raise Conflict(_l("Cannot %(action)s: this referral is %(state)s.", action=lowercase(transition.label),
                          state=lowercase(STATE_LABELS.get(current_state, current_state))))
    return transition


# Steps taken by doing something else: opening the copy (view), replying in the thread (provide_info).
IMPLICIT_ACTIONS = frozenset({"view", "provide_info"})


def available_actions(current_state: str, actor_role: str) -> list[Transition]:
    """The transitions this party may make now (the buttons to show)."""
    return [
        t for t in TRANSITIONS.values()
        if actor_role in t.actors and current_state in t.sources and t.action not in IMPLICIT_ACTIONS
    ]
