"""Referral notifications through the outbox. They carry a link and never a patient detail.

Each email is written in its recipient's language (the language of the pages they last used).
"""
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from ..i18n import gettext as _, in_language, ngettext
from ..models import ReferralRecipientCopy, User
from .mail import queue_email
from .referral_states import DECLINE_REASONS
from .referrers import referrer_name


def _privacy_line() -> str:
    return _("For the patient's privacy this email holds no details about them; sign in to read the referral.")


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
        return _("A provider")
    return f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name


def _to_referrer(copy: ReferralRecipientCopy, kind: str, write: Callable[[str], tuple[str, list[str]]]) -> None:
    """Email the referrer: `write(provider_label)` gives the subject and paragraphs, in the referrer's language."""
    referrer = copy.referral.referrer
    if referrer is None or not referrer.email:
        return
    with in_language(referrer.language):
        subject, lines = write(_provider_label(copy))
        body = "\n\n".join(lines + [_("Follow the referral here:\n%(link)s", link=referral_link(copy)), _privacy_line()])
    queue_email(referrer.email, subject, body + "\n", kind=kind)


def notify_new(copy: ReferralRecipientCopy) -> None:
    """Tell a recipient a referral is waiting for them."""
    owner = db.session.get(User, copy.provider.owner_id) if copy.provider and copy.provider.owner_id else None
    if owner is None:
        return
    days = current_app.config.get("REFERRAL_EXPIRY_DAYS", 7)
    with in_language(owner.language):
        sender = referrer_name(copy.referral.referrer)
        body = "\n\n".join([
            _("%(sender)s has referred a patient to you through the Open Therapy Directory.", sender=sender),
            _("Read the referral and answer it (accept, decline or ask for information):\n%(link)s",
              link=copy_link(copy)),
            ngettext("A referral that is not answered within %(num)d day expires.",
                     "A referral that is not answered within %(num)d days expires.", days),
            _privacy_line(),
        ])
        subject = _("New referral from %(sender)s", sender=sender)
    queue_email(owner.email, subject, body + "\n", kind="referral.new")


def _refer_elsewhere_line() -> str:
    return _("You can refer elsewhere from your referrals dashboard; the form is filled in from this referral.")


def notify_accepted(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient accepted."""
    _to_referrer(copy, "referral.accepted", lambda who: (
        _("Referral accepted by %(who)s", who=who),
        [_("%(who)s accepted your referral. The other recipients' copies were closed as placed elsewhere.", who=who)],
    ))


def notify_declined(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient declined, and why (a reason from the fixed list)."""

    def write(who: str) -> tuple[str, list[str]]:
        reason = DECLINE_REASONS.get(copy.decline_reason) or _("no reason given")
        return (_("Referral declined by %(who)s", who=who),
                [_("%(who)s declined your referral. Reason: %(reason)s.", who=who, reason=reason),
                 _refer_elsewhere_line()])

    _to_referrer(copy, "referral.declined", write)


def notify_info_requested(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a recipient asked a question."""
    _to_referrer(copy, "referral.info_requested", lambda who: (
        _("%(who)s asked for information about a referral", who=who),
        [_("%(who)s asked you for more information before answering your referral. Read the question and reply in "
           "the referral's message thread.", who=who)],
    ))


def notify_scheduled(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a first appointment was scheduled."""
    _to_referrer(copy, "referral.scheduled", lambda who: (
        _("First appointment scheduled with %(who)s", who=who),
        [_("%(who)s scheduled a first appointment for your referral.", who=who)],
    ))


def notify_expired(copy: ReferralRecipientCopy) -> None:
    """Tell the referrer a copy expired without an answer."""
    days = current_app.config.get("REFERRAL_EXPIRY_DAYS", 7)
    _to_referrer(copy, "referral.expired", lambda who: (
        _("Referral to %(who)s expired without an answer", who=who),
        [ngettext("%(who)s did not answer your referral within %(num)d day, so it expired.",
                  "%(who)s did not answer your referral within %(num)d days, so it expired.", days, who=who),
         _refer_elsewhere_line()],
    ))
