"""Converting referrals and their copies to JSON-ready dicts."""
from ..models import Referral, ReferralRecipientCopy
from ..services.referral_states import DECLINE_REASONS, STATE_LABELS


def _iso(value):
    return value.isoformat() if value is not None else None


def _seconds(delta):
    return int(delta.total_seconds()) if delta is not None else None


def event_dict(event) -> dict:
    """One timeline entry."""
    return {
        "action": event.action, "from_state": event.from_state, "to_state": event.to_state,
        "actor_role": event.actor_role, "at": _iso(event.at), "detail": event.detail,
    }


def copy_dict(copy: ReferralRecipientCopy, include_referral: bool = False, detail: bool = False,
              actions: list[str] | None = None) -> dict:
    """One recipient's copy."""
    provider = copy.provider
    data = {
        "id": copy.public_id,
        "referral_id": copy.referral.public_id,
        "provider": {"id": provider.id, "name": provider.name} if provider is not None else None,
        "state": copy.state,
        "state_label": STATE_LABELS.get(copy.state, copy.state),
        "decline_reason": copy.decline_reason or None,
        "decline_reason_label": DECLINE_REASONS.get(copy.decline_reason),
        "appointment_date": _iso(copy.appointment_date),
        "sent_at": _iso(copy.sent_at),
        "first_answer_at": _iso(copy.first_answer_at),
        "scheduled_at": _iso(copy.scheduled_at),
        "version": copy.version_id,
    }
    if include_referral:
        data["referral"] = patient_dict(copy.referral)
    if detail:
        data["timeline"] = [event_dict(e) for e in copy.events]
        data["messages"] = [
            {"author_role": m.author_role, "body": m.body, "created_at": _iso(m.created_at)} for m in copy.messages
        ]
    if actions is not None:
        data["actions"] = actions
    return data


def patient_dict(referral: Referral) -> dict:
    """The referral's own fields (patient fields are empty once erased)."""
    return {
        "id": referral.public_id,
        "patient_reference": referral.patient_reference or None,
        "age_group": referral.age_group.slug if referral.age_group else None,
        "patient_zip": referral.patient_zip or None,
        "telehealth_state": referral.telehealth_state or None,
        "concerns": [c.slug for c in referral.concerns],
        "modality": referral.modality.slug if referral.modality else None,
        "frequency": referral.frequency.slug if referral.frequency else None,
        "insurance": referral.insurance_plan.slug if referral.insurance_plan else None,
        "urgency": referral.urgency,
        "note": referral.note,
        "consent_confirmed": referral.consent_confirmed,
        "created_at": _iso(referral.created_at),
        "closed_at": _iso(referral.closed_at),
        "patient_fields_erased_at": _iso(referral.patient_fields_erased_at),
    }


def referral_dict(referral: Referral, copies, summary=None) -> dict:
    """A referral with the copies the reader may see, and its dashboard figures."""
    data = patient_dict(referral)
    data["copies"] = [copy_dict(c) for c in copies]
    if summary is not None:
        data["state"] = summary.state
        data["seconds_to_first_answer"] = _seconds(summary.time_to_first_answer)
        data["seconds_to_scheduling"] = _seconds(summary.time_to_scheduling)
    return data
