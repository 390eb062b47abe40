"""Closed-loop referrals: sending, reading (with authorization), transitions, expiry, erasure, statistics."""
import re
import statistics
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, gettext, in_language, lazy_gettext as _l
from ..models import (
    URGENCIES,
    AgeGroup,
    Concern,
    Frequency,
    InsurancePlan,
    Modality,
    Provider,
    Referral,
    ReferralAccessLog,
    ReferralEvent,
    ReferralMessage,
    ReferralRecipientCopy,
    User,
    utcnow,
)
from . import referral_mail
from .batch import BatchReport, for_each_row
from .bounded_text import fit_to_column
from .listing_rules import can_be_contacted
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .geocoding import US_STATES
from .patient_details import KIND_LABELS, find_patient_details
from .reference import get_by_slug
from .referral_states import (
    ACCEPTED,
    AWAITING_ANSWER,
    CANCELLED,
    DECLINE_REASONS,
    DECLINED,
    EXPIRED,
    INFO_REQUESTED,
    PLACED_ELSEWHERE,
    RECIPIENT,
    REFERRER,
    SENT,
    STATES,
    SYSTEM,
    TERMINAL_STATES,
    TRANSITIONS,
    Transition,
    available_actions,
    check_transition,
)
from .referrers import require_referrer

# Messages raised to people are lazy (_l): each is read in the language of whatever finally shows it, so the web
# shows the page's language while the API can answer its errors in English.
ADMIN = "admin"
MAX_RECIPIENTS = 5
MAX_NOTE = 1000
MAX_MESSAGE = 2000
URGENT = "urgent"

# Initials: one to four capital letters, each optionally followed by a dot and/or a space ("J.D.", "JD", "J D K").
_INITIALS = re.compile(r"^(?:[A-Z]\.?\s?){1,4}$")
# A chart number: letters, digits and hyphens, with at least one digit.
_CHART = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9-]{1,19}$")
_DATE_LIKE = (
    re.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,4}"),
    # A month name next to a number ("Jan 2 1990", "3 March").
    re.compile(r"(?=.*\d)(?:^|.*\b)(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
               r"sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\b", re.IGNORECASE),
)
_ZIP = re.compile(r"^\d{5}$")

# The order in which a referral's copies speak for the whole referral on the dashboard.
_LEAD_ORDER = ("closed", "attended", "scheduled", ACCEPTED, INFO_REQUESTED, "viewed", SENT, EXPIRED, DECLINED,
               CANCELLED, PLACED_ELSEWHERE)
REFER_ELSEWHERE_STATES = frozenset({DECLINED, EXPIRED})
# Actions that store a patient detail (a question in the thread, an appointment date): refused once erased.
ACTIONS_WITH_PATIENT_DETAILS = frozenset({"request_info", "schedule"})
# Timeline details are stored in English; the pages translate them (the web's referral_event_detail filter).
PLACED_ELSEWHERE_DETAIL = "Another recipient accepted this referral"
EXPIRED_DETAIL = "No answer within {days} days"


class UrgentReferral(ValidationFailed):
    """The referrer marked the referral urgent: it is not sent, crisis guidance is shown instead."""


class PatientDetailsFound(ValidationFailed):
    """A note or a message holds details that identify the patient; `kinds` names which (keys of KIND_LABELS)."""

    def __init__(self, field_name: str, kinds: list[str]):
        super().__init__({field_name: patient_details_message(kinds)})
        self.kinds = kinds


def patient_details_message(kinds: list[str]) -> LazyString:
    """What the sender reads when their text holds patient details: which kinds were found, and what to do."""

    def text() -> str:
        labels = [str(KIND_LABELS[kind]) for kind in kinds]
        found = labels[0] if len(labels) == 1 else gettext(
            "%(items)s and %(last)s", items=", ".join(labels[:-1]), last=labels[-1])
        return gettext("This looks like %(found)s. Leave out details that identify the patient.", found=found)

    return LazyString(text)


def english(text) -> str:
    """A label as stored in the database (timelines keep English; pages translate it when they show it)."""
    with in_language(DEFAULT_LANGUAGE):
        return str(text)


def _refuse_patient_details(field_name: str, text: str) -> None:
    kinds = find_patient_details(text)
    if kinds:
        raise PatientDetailsFound(field_name, kinds)


def _config(name: str, default):
    return current_app.config.get(name, default)


def _looks_like_date(text: str) -> bool:
    if any(pattern.search(text) for pattern in _DATE_LIKE):
        return True
    digits = re.sub(r"\D", "", text)
    # Eight digits that read as a date (YYYYMMDD or MMDDYYYY) are a date of birth, not a chart number.
    if len(digits) == 8 and digits == text.strip():
        for fmt in ("%Y%m%d", "%m%d%Y"):
            try:
                parsed = datetime.strptime(digits, fmt)
            except ValueError:
                continue
            if 1900 <= parsed.year <= 2100:
                return True
    return False


def check_patient_reference(value: str | None) -> str:
    """The patient reference if it is initials or a chart number; refuses names and dates of birth."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({"patient_reference": _l("Enter the patient's initials or your chart number.")})
    if len(text) > 20:
        raise ValidationFailed({"patient_reference": _l("At most 20 characters: initials or a chart number only.")})
    if _looks_like_date(text):
        raise ValidationFailed({
            "patient_reference": _l("This looks like a date of birth. Use initials or a chart number only.")
        })
    # Four capitals in a row ("JANE", "MARK") read as a name, not initials.
    initials = _INITIALS.match(text) and (len(text) <= 3 or re.search(r"[.\s]", text))
    if initials or _CHART.match(text):
        return text
    raise ValidationFailed({
        "patient_reference": _l("Use the patient's initials (like J.D.) or your chart number, never their full name.")
    })


def _slug_item(model, slug, field_name: str, errors: dict, message):
    if not slug:
        return None
    item = get_by_slug(model, slug)
    if item is None:
        errors[field_name] = message
    return item


def _parse_form(data: dict, errors: dict) -> dict:
    """Check every patient and preference field; collect messages in errors."""
    values: dict = {}
    try:
        values["patient_reference"] = check_patient_reference(data.get("patient_reference"))
    except ValidationFailed as error:
        errors.update(error.errors)
    values["age_group"] = _slug_item(AgeGroup, data.get("age_group"), "age_group", errors,
                                    _l("Choose an age group from the list."))
    if not data.get("age_group"):
        errors["age_group"] = _l("Choose the patient's age group.")
    zip_code = (data.get("patient_zip") or "").strip()
    state = (data.get("telehealth_state") or "").strip().upper()
    if zip_code and not _ZIP.match(zip_code):
        errors["patient_zip"] = _l("Enter a 5-digit ZIP code.")
    if state and state not in US_STATES:
        errors["telehealth_state"] = _l("Choose a US state.")
    if not zip_code and not state:
        errors["patient_zip"] = _l("Enter the patient's ZIP code, or the state for telehealth.")
    values["patient_zip"], values["telehealth_state"] = zip_code, state
    concern_slugs = [s for s in (data.get("concerns") or []) if s]
    concerns = []
    for slug in dict.fromkeys(concern_slugs):
        item = get_by_slug(Concern, slug)
        if item is None:
            errors["concerns"] = _l("Choose concerns from the list.")
        else:
            concerns.append(item)
    if not concerns and "concerns" not in errors:
        errors["concerns"] = _l("Choose at least one concern.")
    values["concerns"] = concerns
    values["modality"] = _slug_item(Modality, data.get("modality"), "modality", errors,
                                   _l("Choose a therapy approach from the list."))
    values["frequency"] = _slug_item(Frequency, data.get("frequency"), "frequency", errors,
                                    _l("Choose a session frequency from the list."))
    values["insurance_plan"] = _slug_item(InsurancePlan, data.get("insurance"), "insurance", errors,
                                         _l("Choose insurance or self-pay from the list."))
    if not data.get("insurance"):
        errors["insurance"] = _l("Choose the patient's insurance, or self-pay.")
    urgency = data.get("urgency") or ""
    if urgency not in URGENCIES and urgency != URGENT:
        errors["urgency"] = _l("Choose routine or soon.")
    values["urgency"] = urgency
    note = (data.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _l("At most %(max)d characters (it has %(length)d).", max=MAX_NOTE, length=len(note))
    else:
        try:
            _refuse_patient_details("note", note)
        except PatientDetailsFound as error:
            errors.update(error.errors)
    values["note"] = note
    if not data.get("consent"):
        errors["consent"] = _l("Confirm that the patient agreed to be referred.")
    return values


def _recipients(referrer: User, provider_ids, errors: dict) -> list[Provider]:
    ids = []
    for raw in provider_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            errors["providers"] = _l("Unknown provider.")
            return []
    ids = list(dict.fromkeys(ids))
    if not ids:
        errors["providers"] = _l("Add one to five providers to your shortlist first.")
        return []
    if len(ids) > MAX_RECIPIENTS:
        errors["providers"] = _l("One referral goes to at most %(max)d providers.", max=MAX_RECIPIENTS)
        return []
    providers = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
    chosen = []
    for provider_id in ids:
        provider = providers.get(provider_id)
        if provider is None or not can_receive(provider):
            errors["providers"] = _l("Some of these providers cannot receive referrals (their listing is not verified).")
            return []
        if provider.owner_id == referrer.id:
            errors["providers"] = _l("You cannot refer to your own listing.")
            return []
        chosen.append(provider)
    return chosen


def can_receive(provider: Provider) -> bool:
    """Whether a listing can receive referrals: verified, active, with an owner to answer."""
    return can_be_contacted(provider)


def shortlist_providers(provider_ids) -> list[Provider]:
    """The providers of a shortlist (ids from the session) that can still receive referrals, in order."""
    ids = []
    for raw in provider_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            continue
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
    return [found[i] for i in dict.fromkeys(ids) if i in found and can_receive(found[i])]


def _record(copy: ReferralRecipientCopy, action: str, from_state, to_state: str, actor: User | None, role: str,
            now: datetime, detail: str = "") -> ReferralEvent:
    event = ReferralEvent(action=action, from_state=from_state, to_state=to_state,
                          actor_id=actor.id if actor is not None else None, actor_role=role, at=now,
                          detail=fit_to_column(ReferralEvent.detail, detail))
    copy.events.append(event)
    return event


def send_referral(referrer: User, data: dict, provider_ids, now: datetime | None = None,
                  original_public_id: str | None = None) -> Referral:
    """Send one referral to one to five providers; each gets its own copy and an email."""
    require_referrer(referrer)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if data.get("urgency") == URGENT:
        raise UrgentReferral({"urgency": _l("Urgent needs are not sent through the directory. Use the crisis line "
                                            "(988) or emergency services (911) now.")})
    values = _parse_form(data, errors)
    providers = _recipients(referrer, provider_ids, errors)
    if errors:
        raise ValidationFailed(errors)
    original = None
    if original_public_id:
        original = db.session.scalar(select(Referral).where(Referral.public_id == original_public_id))
        if original is None or original.referrer_id != referrer.id:
            original = None
    referral = Referral(
        referrer_id=referrer.id, original_id=original.id if original else None,
        patient_reference=values["patient_reference"], age_group=values["age_group"],
        patient_zip=values["patient_zip"], telehealth_state=values["telehealth_state"],
        insurance_plan=values["insurance_plan"], note=values["note"], modality=values["modality"],
        frequency=values["frequency"], urgency=values["urgency"], consent_confirmed=True, created_at=now,
    )
    referral.concerns = values["concerns"]
    db.session.add(referral)
    for provider in providers:
        copy = ReferralRecipientCopy(provider=provider, state=SENT, sent_at=now, updated_at=now)
        referral.copies.append(copy)
        _record(copy, "send", None, SENT, referrer, REFERRER, now)
    db.session.flush()
    for copy in referral.copies:
        referral_mail.notify_new(copy)
    return referral


def referral_form_data(referral: Referral) -> dict:
    """A referral's fields in the shape of the send form (to pre-fill "refer elsewhere")."""
    return {
        "patient_reference": referral.patient_reference,
        "age_group": referral.age_group.slug if referral.age_group else "",
        "patient_zip": referral.patient_zip,
        "telehealth_state": referral.telehealth_state,
        "concerns": [c.slug for c in referral.concerns],
        "modality": referral.modality.slug if referral.modality else "",
        "frequency": referral.frequency.slug if referral.frequency else "",
        "insurance": referral.insurance_plan.slug if referral.insurance_plan else "",
        "urgency": referral.urgency,
        "note": referral.note,
    }


def prefill_refer_elsewhere(user: User, public_id: str) -> dict:
    """The send form pre-filled from one of the user's referrals, for sending it to others."""
    referral = _load_referral(public_id)
    if referral.referrer_id != getattr(user, "id", None):
        raise PermissionDenied(_l("Only the referrer can refer this patient elsewhere."))
    if referral.erased:
        raise Conflict(_l("This referral's patient details have been erased; start a new referral."))
    return referral_form_data(referral)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class CopyView:
    """One copy as one user may see it: the copy, the reader's role and the actions open to them."""

    copy: ReferralRecipientCopy
    role: str
    actions: list[Transition] = field(default_factory=list)

    @property
    def referral(self) -> Referral:
        """The referral this copy belongs to."""
        return self.copy.referral


@dataclass
class ReferralView:
    """A referral as one user may see it: the referrer and admins see every copy, a recipient only theirs."""

    referral: Referral
    role: str
    copies: list[ReferralRecipientCopy]


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _load_referral(public_id: str) -> Referral:
    referral = db.session.scalar(
        select(Referral).where(Referral.public_id == str(public_id))
        .options(selectinload(Referral.copies).selectinload(ReferralRecipientCopy.provider), selectinload(Referral.concerns))
    )
    if referral is None:
        raise NotFound(_l("No such referral."))
    return referral


def _load_copy(public_id: str) -> ReferralRecipientCopy:
    copy = db.session.scalar(
        select(ReferralRecipientCopy).where(ReferralRecipientCopy.public_id == str(public_id))
        .options(selectinload(ReferralRecipientCopy.events), selectinload(ReferralRecipientCopy.messages))
    )
    if copy is None:
        raise NotFound(_l("No such referral."))
    return copy


def role_for_copy(user: User | None, copy: ReferralRecipientCopy) -> str | None:
    """The user's part in a copy: referrer, recipient, admin, or None (no access)."""
    if not _authenticated(user):
        return None
    if copy.referral.referrer_id == user.id:
        return REFERRER
    if copy.provider is not None and copy.provider.owner_id == user.id:
        return RECIPIENT
    if user.is_admin:
        return ADMIN
    return None


def _audit(user: User, referral: Referral, what: str) -> None:
    db.session.add(ReferralAccessLog(referral_id=referral.id, user_id=user.id, what=what, at=utcnow()))
    db.session.flush()


def get_referral(user: User | None, public_id: str, via: str = "page") -> ReferralView:
    """A referral for its referrer, a recipient (their own copy only) or an admin (audited)."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to read referrals."))
    referral = _load_referral(public_id)
    if referral.referrer_id == user.id:
        return ReferralView(referral, REFERRER, list(referral.copies))
    own = [c for c in referral.copies if c.provider is not None and c.provider.owner_id == user.id]
    if own:
        return ReferralView(referral, RECIPIENT, own)
    if user.is_admin:
        _audit(user, referral, via)
        return ReferralView(referral, ADMIN, list(referral.copies))
    raise PermissionDenied(_l("Only the referrer, the recipients and admins can read this referral."))


def get_copy(user: User | None, public_id: str, via: str = "page", mark_viewed: bool = True,
             now: datetime | None = None) -> CopyView:
    """One copy for its referrer, its recipient or an admin (audited); the recipient's first look marks it viewed."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to read referrals."))
    copy = _load_copy(public_id)
    role = role_for_copy(user, copy)
    if role is None:
        raise PermissionDenied(_l("Only the referrer, the recipient and admins can read this referral."))
    if role == ADMIN:
        _audit(user, copy.referral, via)
    if role == RECIPIENT and mark_viewed and copy.state == SENT:
        with _refuse_stale():
            _apply(copy, "view", user, RECIPIENT, now or utcnow())
    return CopyView(copy, role, available_actions(copy.state, role) if role != ADMIN else [])


def referrer_referrals(user: User, state: str | None = None) -> list["ReferralSummary"]:
    """The referrer's referrals, newest first, optionally only those whose lead state is `state`."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to see your referrals."))
    if state and state not in STATES:
        raise ValidationFailed({"state": f"unknown state {state!r}"})
    query = (
        select(Referral).where(Referral.referrer_id == user.id).order_by(Referral.created_at.desc(), Referral.id.desc())
        .options(selectinload(Referral.copies).selectinload(ReferralRecipientCopy.provider))
    )
    summaries = [summarize(r) for r in db.session.scalars(query)]
    return [s for s in summaries if not state or s.state == state]


def inbox(user: User, state: str | None = None) -> list[ReferralRecipientCopy]:
    """The copies sent to listings the user owns, newest first."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to see your referrals."))
    if state and state not in STATES:
        raise ValidationFailed({"state": f"unknown state {state!r}"})
    query = (
        select(ReferralRecipientCopy).join(Provider, ReferralRecipientCopy.provider_id == Provider.id)
        .where(Provider.owner_id == user.id)
        .order_by(ReferralRecipientCopy.sent_at.desc(), ReferralRecipientCopy.id.desc())
        .options(selectinload(ReferralRecipientCopy.referral), selectinload(ReferralRecipientCopy.provider))
    )
    if state:
        query = query.where(ReferralRecipientCopy.state == state)
    return list(db.session.scalars(query))


# --- transitions -----------------------------------------------------------------------------


def _update_closed(referral: Referral, now: datetime) -> None:
    if referral.copies and all(c.state in TERMINAL_STATES for c in referral.copies):
        referral.closed_at = referral.closed_at or now
    else:
        referral.closed_at = None


def _apply(copy: ReferralRecipientCopy, action: str, actor: User | None, role: str, now: datetime,
           detail: str = "") -> Transition:
    transition = check_transition(action, copy.state, role)
    from_state = copy.state
    copy.state = transition.target
    copy.updated_at = now
    if transition.answers and copy.first_answer_at is None:
        copy.first_answer_at = now
    _record(copy, action, from_state, transition.target, actor, role, now, detail)
    _update_closed(copy.referral, now)
    return transition


@contextmanager
def _refuse_stale():
    """Turn an optimistic-locking failure (a copy changed since it was loaded) into Conflict."""
    try:
        yield
        db.session.flush()
    except StaleDataError:
        raise Conflict(_l("Someone else changed this referral meanwhile. Reload the page and try again.")) from None


def _parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def transition(user: User | None, copy_public_id: str, action: str, *, reason: str | None = None,
               appointment_date=None, message: str | None = None, now: datetime | None = None) -> ReferralRecipientCopy:
    """Apply one action of the state machine to a copy, as this user; notifies whom it concerns."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to answer referrals."))
    now = now or utcnow()
    copy = _load_copy(copy_public_id)
    role = role_for_copy(user, copy)
    if role is None:
        raise PermissionDenied(_l("Only the referrer and the recipient can change this referral."))
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": f"unknown action {action!r}; one of: {', '.join(TRANSITIONS)}"})
    check_transition(action, copy.state, role)  # refuse before looking at the other fields
    if action in ACTIONS_WITH_PATIENT_DETAILS and copy.referral.erased:
        raise Conflict(_l("This referral's patient details were erased, so it takes no new questions or dates."))
    detail = ""
    if action == "decline":
        if reason not in DECLINE_REASONS:
            raise ValidationFailed({"reason": LazyString(lambda: gettext(
                "Choose a reason: %(reasons)s.", reasons=", ".join(str(r) for r in DECLINE_REASONS.values())))})
        copy.decline_reason = reason
        detail = english(DECLINE_REASONS[reason])
    elif action == "schedule":
        when = _parse_date(appointment_date)
        if when is None:
            raise ValidationFailed({"appointment_date": _l("Enter the date of the first appointment (YYYY-MM-DD).")})
        if when < copy.sent_at.date() or when > now.date() + timedelta(days=366):
            raise ValidationFailed({"appointment_date": _l("Enter a date between the referral and a year from now.")})
        copy.appointment_date = when
        if copy.scheduled_at is None:
            copy.scheduled_at = now
    elif action == "mark_attended":
        if copy.appointment_date is not None and copy.appointment_date > now.date():
            raise ValidationFailed({"action": _l("The first appointment has not taken place yet.")})
    elif action == "request_info":
        question = (message or "").strip()
        if not question or len(question) > MAX_MESSAGE:
            raise ValidationFailed({"message": _l("Write your question (at most %(max)d characters).", max=MAX_MESSAGE)})
        _refuse_patient_details("message", question)
        copy.messages.append(ReferralMessage(author_id=user.id, author_role=role, body=question, created_at=now))
    with _refuse_stale():
        _apply(copy, action, user, role, now, detail)
        if action == "accept":
            for other in copy.referral.copies:
                if other is not copy and other.state in TRANSITIONS["place_elsewhere"].sources:
                    _apply(other, "place_elsewhere", None, SYSTEM, now, PLACED_ELSEWHERE_DETAIL)
    notify = {
        "accept": referral_mail.notify_accepted, "decline": referral_mail.notify_declined,
        "schedule": referral_mail.notify_scheduled, "request_info": referral_mail.notify_info_requested,
    }.get(action)
    if notify is not None and not (action == "schedule" and len([e for e in copy.events if e.action == "schedule"]) > 1):
        notify(copy)
    return copy


def view(user, copy_public_id: str, now=None) -> ReferralRecipientCopy:
    """The recipient marks a copy viewed."""
    return transition(user, copy_public_id, "view", now=now)


def accept(user, copy_public_id: str, now=None) -> ReferralRecipientCopy:
    """The recipient accepts; the other open copies close as placed elsewhere."""
    return transition(user, copy_public_id, "accept", now=now)


def decline(user, copy_public_id: str, reason: str, now=None) -> ReferralRecipientCopy:
    """The recipient declines with a reason from the fixed list."""
    return transition(user, copy_public_id, "decline", reason=reason, now=now)


def request_info(user, copy_public_id: str, question: str, now=None) -> ReferralRecipientCopy:
    """The recipient asks the referrer a question before answering."""
    return transition(user, copy_public_id, "request_info", message=question, now=now)


def schedule(user, copy_public_id: str, appointment_date, now=None) -> ReferralRecipientCopy:
    """The recipient records the date of the first appointment."""
    return transition(user, copy_public_id, "schedule", appointment_date=appointment_date, now=now)


def mark_attended(user, copy_public_id: str, now=None) -> ReferralRecipientCopy:
    """The recipient records that the first session took place."""
    return transition(user, copy_public_id, "mark_attended", now=now)


def close(user, copy_public_id: str, now=None) -> ReferralRecipientCopy:
    """The referrer or the recipient closes a copy after the first session."""
    return transition(user, copy_public_id, "close", now=now)


def cancel(user, referral_public_id: str, now: datetime | None = None) -> Referral:
    """The referrer cancels every copy of a referral that is still open."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to cancel referrals."))
    now = now or utcnow()
    referral = _load_referral(referral_public_id)
    if referral.referrer_id != user.id:
        raise PermissionDenied(_l("Only the referrer can cancel this referral."))
    open_copies = [c for c in referral.copies if c.state in TRANSITIONS["cancel"].sources]
    if not open_copies:
        raise Conflict(_l("Nothing to cancel: every copy of this referral is already finished."))
    with _refuse_stale():
        for copy in open_copies:
            _apply(copy, "cancel", user, REFERRER, now)
    return referral


def post_message(user: User | None, copy_public_id: str, body: str, now: datetime | None = None) -> ReferralMessage:
    """A message from the referrer or the recipient on a copy; the referrer's reply answers a request for information."""
    if not _authenticated(user):
        raise PermissionDenied(_l("Log in to write messages."))
    now = now or utcnow()
    copy = _load_copy(copy_public_id)
    role = role_for_copy(user, copy)
    if role not in (REFERRER, RECIPIENT):
        raise PermissionDenied(_l("Only the referrer and the recipient write in this thread."))
    if copy.referral.erased:
        raise Conflict(_l("This referral's details were erased; the thread is closed."))
    text = (body or "").strip()
    if not text:
        raise ValidationFailed({"body": _l("Write a message.")})
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed({"body": _l("At most %(max)d characters (it has %(length)d).", max=MAX_MESSAGE,
                                             length=len(text))})
    _refuse_patient_details("body", text)
    message = ReferralMessage(author_id=user.id, author_role=role, body=text, created_at=now)
    with _refuse_stale():
        copy.messages.append(message)
        if role == REFERRER and copy.state == INFO_REQUESTED:
            _apply(copy, "provide_info", user, REFERRER, now)
    return message


# --- scheduled jobs --------------------------------------------------------------------------


def expire_overdue(now: datetime | None = None, days: int | None = None) -> BatchReport:
    """Expire copies that got no answer within the configured days, one at a time; emails each referrer."""
    now = now or utcnow()
    days = days if days is not None else int(_config("REFERRAL_EXPIRY_DAYS", 7))
    cutoff = now - timedelta(days=days)
    overdue = db.session.scalars(
        select(ReferralRecipientCopy.id)
        .where(ReferralRecipientCopy.state.in_(AWAITING_ANSWER), ReferralRecipientCopy.sent_at <= cutoff)
        .order_by(ReferralRecipientCopy.id)
    ).all()
    return for_each_row("referral copy", overdue, lambda copy_id: expire_copy(copy_id, now, days))


def expire_copy(copy_id: int, now: datetime, days: int) -> bool:
    """Expire one unanswered copy and email its referrer; False when it was answered meanwhile."""
    copy = db.session.get(ReferralRecipientCopy, copy_id)
    if copy is None or copy.state not in AWAITING_ANSWER:
        return False
    with _refuse_stale():
        _apply(copy, "expire", None, SYSTEM, now, EXPIRED_DETAIL.format(days=days))
    referral_mail.notify_expired(copy)
    return True


def erase_patient_fields(now: datetime | None = None, days: int | None = None) -> BatchReport:
    """Erase the patient fields and threads of referrals with no activity for the configured days, whatever the
    state of their copies (open ones stay in their state); the timeline stays."""
    now = now or utcnow()
    days = days if days is not None else int(_config("REFERRAL_ERASE_AFTER_DAYS", 180))
    cutoff = now - timedelta(days=days)
    copies_of_referral = ReferralRecipientCopy.referral_id == Referral.id
    # The last activity is the latest step on the timeline (every state change) or message, on any copy.
    later_step = exists().where(ReferralEvent.copy_id == ReferralRecipientCopy.id, copies_of_referral,
                                ReferralEvent.at > cutoff)
    later_message = exists().where(ReferralMessage.copy_id == ReferralRecipientCopy.id, copies_of_referral,
                                   ReferralMessage.created_at > cutoff)
    inactive = db.session.scalars(
        select(Referral.id)
        .where(Referral.patient_fields_erased_at.is_(None), Referral.created_at <= cutoff, ~later_step, ~later_message)
        .order_by(Referral.id)
    ).all()
    return for_each_row("referral", inactive, lambda referral_id: erase_referral(referral_id, now))


def erase_referral(referral_id: int, now: datetime) -> bool:
    """Erase one referral's patient fields, appointment dates and thread; its states and timeline stay."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.erased:
        return False
    referral.patient_reference = ""
    referral.age_group = None
    referral.patient_zip = ""
    referral.telehealth_state = ""
    referral.insurance_plan = None
    referral.note = ""
    referral.concerns = []
    referral.patient_fields_erased_at = now
    for copy in referral.copies:
        copy.appointment_date = None
    copy_ids = [c.id for c in referral.copies]
    if copy_ids:
        db.session.execute(delete(ReferralMessage).where(ReferralMessage.copy_id.in_(copy_ids))
                           .execution_options(synchronize_session=False))
    db.session.flush()
    for copy in referral.copies:
        db.session.expire(copy, ["messages"])
    return True


# --- the dashboard ---------------------------------------------------------------------------


@dataclass
class ReferralSummary:
    """A referral on the dashboard: its lead state, age and the times to the first answer and to scheduling."""

    referral: Referral
    state: str
    time_to_first_answer: timedelta | None
    time_to_scheduling: timedelta | None

    @property
    def can_refer_elsewhere(self) -> bool:
        """Whether "refer elsewhere" is offered: every copy declined or expired, details not erased."""
        return self.state in REFER_ELSEWHERE_STATES and not self.referral.erased


def lead_state(copies: list[ReferralRecipientCopy]) -> str:
    """The state that speaks for the referral: its most advanced copy."""
    states = {c.state for c in copies}
    return next((s for s in _LEAD_ORDER if s in states), SENT)


def summarize(referral: Referral) -> ReferralSummary:
    """A referral's dashboard line."""
    answers = [c.first_answer_at for c in referral.copies if c.first_answer_at]
    scheduled = [c.scheduled_at for c in referral.copies if c.scheduled_at]
    return ReferralSummary(
        referral=referral,
        state=lead_state(referral.copies),
        time_to_first_answer=(min(answers) - referral.created_at) if answers else None,
        time_to_scheduling=(min(scheduled) - referral.created_at) if scheduled else None,
    )


@dataclass(frozen=True)
class ReferrerStats:
    """The referrer's medians over their referrals."""

    sent: int
    answered: int
    scheduled: int
    median_to_first_answer: timedelta | None
    median_to_scheduling: timedelta | None


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def referrer_stats(summaries: list[ReferralSummary]) -> ReferrerStats:
    """Medians of the time to a first answer and to scheduling over a referrer's referrals."""
    answers = [s.time_to_first_answer for s in summaries if s.time_to_first_answer is not None]
    scheduled = [s.time_to_scheduling for s in summaries if s.time_to_scheduling is not None]
    return ReferrerStats(len(summaries), len(answers), len(scheduled), _median(answers), _median(scheduled))
