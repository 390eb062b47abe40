"""The one state machine of a referral copy: states, legal transitions, and who may make each.

Modelled on the FHIR Task states and the 360X closed-loop referral. A transition not in TRANSITIONS
is refused with Conflict; one made by the wrong party is refused with PermissionDenied.
"""
from dataclasses import dataclass

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
STATE_LABELS = {
    SENT: "Sent",
    VIEWED: "Viewed",
    INFO_REQUESTED: "Information requested",
    ACCEPTED: "Accepted",
    SCHEDULED: "Scheduled",
    ATTENDED: "First session attended",
    CLOSED: "Closed",
    DECLINED: "Declined",
    CANCELLED: "Cancelled",
    EXPIRED: "Expired",
    PLACED_ELSEWHERE: "Placed elsewhere",
}
# How each step reads in a timeline.
EVENT_LABELS = {
    "send": "Sent",
    "view": "Viewed",
    "accept": "Accepted",
    "decline": "Declined",
    "request_info": "Information requested",
    "provide_info": "Information provided",
    "schedule": "First appointment scheduled",
    "mark_attended": "First session attended",
    "close": "Closed",
    "cancel": "Cancelled",
    "expire": "Expired",
    "place_elsewhere": "Placed elsewhere",
}
# No way out of these: the copy is finished.
TERMINAL_STATES = frozenset({CLOSED, DECLINED, CANCELLED, EXPIRED, PLACED_ELSEWHERE})
# Waiting for the recipient's first answer (these expire).
AWAITING_ANSWER = frozenset({SENT, VIEWED})

DECLINE_REASONS = {
    "not_accepting": "Not accepting new patients",
    "not_a_fit": "Not a fit for this referral",
    "insurance": "Insurance not accepted",
    "other": "Other reason",
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
    label: str
    answers: bool = False  # counts as the recipient's first answer


def _t(action, sources, target, actors, label, answers=False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors), label, answers)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("view", {SENT}, VIEWED, {RECIPIENT}, "Viewed"),
        _t("accept", {SENT, VIEWED, INFO_REQUESTED}, ACCEPTED, {RECIPIENT}, "Accept", answers=True),
        _t("decline", {SENT, VIEWED, INFO_REQUESTED}, DECLINED, {RECIPIENT}, "Decline", answers=True),
        _t("request_info", {SENT, VIEWED}, INFO_REQUESTED, {RECIPIENT}, "Ask for information", answers=True),
        _t("provide_info", {INFO_REQUESTED}, VIEWED, {REFERRER}, "Information provided"),
        _t("schedule", {ACCEPTED, SCHEDULED}, SCHEDULED, {RECIPIENT}, "Schedule first appointment"),
        _t("mark_attended", {SCHEDULED}, ATTENDED, {RECIPIENT}, "Mark first session attended"),
        _t("close", {ATTENDED}, CLOSED, {RECIPIENT, REFERRER}, "Close"),
        _t("cancel", {SENT, VIEWED, INFO_REQUESTED, ACCEPTED, SCHEDULED}, CANCELLED, {REFERRER}, "Cancel referral"),
        _t("expire", AWAITING_ANSWER, EXPIRED, {SYSTEM}, "Expired without an answer"),
        _t("place_elsewhere", {SENT, VIEWED, INFO_REQUESTED}, PLACED_ELSEWHERE, {SYSTEM}, "Placed elsewhere"),
    )
}
ACTIONS = tuple(TRANSITIONS)


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
        who = " or ".join(sorted(transition.actors))
        raise PermissionDenied(f"Only the {who} may {transition.label.lower()} this referral.")
    if current_state not in transition.sources:
        raise Conflict(
            f"Cannot {transition.label.lower()}: this referral is {STATE_LABELS.get(current_state, current_state).lower()}."
        )
    return transition


# Steps taken by doing something else: opening the copy (view), replying in the thread (provide_info).
IMPLICIT_ACTIONS = frozenset({"view", "provide_info"})


def available_actions(current_state: str, actor_role: str) -> list[Transition]:
    """The transitions this party may make now (the buttons to show)."""
    return [
        t for t in TRANSITIONS.values()
        if actor_role in t.actors and current_state in t.sources and t.action not in IMPLICIT_ACTIONS
    ]
