"""Referral notifications through the outbox. They carry a link and never a patient detail."""
from flask import current_app

from ..extensions import db
from ..models import ReferralRecipientCopy, User
from .mail import queue_email
from .referral_states import DECLINE_REASONS
from .referrers import referrer_name

PRIVACY_LINE = "For the patient's privacy this email holds no details about them; sign in to read the referral."


def _link(path: str) -> str:
    return current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/") + path


def copy_link(copy: ReferralRecipientCopy) -> str:
    """Where a recipient (or the referrer) opens one copy."""
    return _link(f"/referrals/copies/{copy.public_id}")


def referral_link(copy: ReferralRecipientCopy) -> str:
    """Where the referrer follows the whole referral."""
    return _link(f"/referrals/{copy.referral.public_id}")


def _provider_label(copy: ReferralRecipientCopy) -> str:
    provider = copy.provider
    if provider is None:
        return "A provider"
    return f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name


def _referrer_email(copy: ReferralRecipientCopy) -> str | None:
    referrer = copy.referral.referrer
    return referrer.email if referrer is not None else None


def _to_referrer(copy: ReferralRecipientCopy, kind: str, subject: str, lines: list[str]) -> None:
    to = _referrer_email(copy)
    if not to:
        return
    body = "\n\n".join(lines + [f"Follow the referral here:\n{referral_link(copy)}", PRIVACY_LINE])
    queue_email(to, subject, body + "\n", kind=kind)


def notify_new(copy: ReferralRecipientCopy) -> None:
    """Tell a recipient a referral is waiting for them."""
    owner = db.session.get(User, copy.provider.owner_id) if copy.provider and copy.provider.owner_id else None
    if owner is None:
        return
    sender = referrer_name(copy.referral.referrer)
    days = current_app.config.get("REFERRAL_EXPIRY_DAYS", 7)
    body = "\n\n".join([
        f"{sender} has referred a patient to you through the Open Therapy Directory.",
        f"Read the referral and answer it (accept, decline or ask for information):\n{copy_link(copy)}",
        f"A referral that is not answered within {days} days expires.",
        PRIVACY_LINE,
    ])
    queue_email(owner.email, f"New referral from {sender}", body + "\n", kind="referral.new")


def notify_accepted(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient accepted."""
    who = _provider_label(copy)
    _to_referrer(copy, "referral.accepted", f"Referral accepted by {who}",
                 [f"{who} accepted your referral. The other recipients' copies were closed as placed elsewhere."])


def notify_declined(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient declined, and why (a reason from the fixed list)."""
    who = _provider_label(copy)
    reason = DECLINE_REASONS.get(copy.decline_reason, "no reason given")
    _to_referrer(copy, "referral.declined", f"Referral declined by {who}",
                 [f"{who} declined your referral. Reason: {reason}.",
                  "You can refer elsewhere from your referrals dashboard; the form is filled in from this referral."])


def notify_info_requested(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient asked a question."""
    who = _provider_label(copy)
    _to_referrer(copy, "referral.info_requested", f"{who} asked for information about a referral",
                 [f"{who} asked you for more information before answering your referral. Read the question and reply in the referral's message thread."])


def notify_scheduled(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a first appointment was scheduled."""
    who = _provider_label(copy)
    _to_referrer(copy, "referral.scheduled", f"First appointment scheduled with {who}",
                 [f"{who} scheduled a first appointment for your referral."])


def notify_expired(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a copy expired without an answer."""
    who = _provider_label(copy)
    days = current_app.config.get("REFERRAL_EXPIRY_DAYS", 7)
    _to_referrer(copy, "referral.expired", f"Referral to {who} expired without an answer",
                 [f"{who} did not answer your referral within {days} days, so it expired.",
                  "You can refer elsewhere from your referrals dashboard; the form is filled in from this referral."])
