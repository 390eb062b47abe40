"""Patient inquiries: stored for the listing's owner, announced by email without their content."""
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..i18n import gettext as _, in_language, language_or_default, link_in
from ..models import (
    CONTACT_EMAIL,
    CONTACT_PHONE,
    Inquiry,
    InquiryRecord,
    Provider,
    User,
    utcnow,
)
from .listing_rules import can_be_contacted
from .errors import NotFound, PermissionDenied, ValidationFailed
from .mail import queue_email

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^[0-9+()\-.\s]{7,32}$")
MAX_MESSAGE = 4000


def accepts_inquiries(provider: Provider) -> bool:
    """Whether the profile shows the contact form (an owned, verified listing) instead of a phone number."""
    return can_be_contacted(provider)


def submit_inquiry(provider_id: int, data: dict, dashboard_url: str | dict[str, str],
                   now: datetime | None = None) -> Inquiry | None:
    """Store an inquiry and queue one notification to the owner; None when the honeypot was filled.

    The email says that a message arrived and where to read it; it carries nothing the person wrote. It is in the
    owner's language, and so is its link where `dashboard_url` maps languages to URLs. `data["language"]` is the
    language the person wrote in (English if absent).
    """
    provider = db.session.get(Provider, provider_id)
    if provider is None or not accepts_inquiries(provider):
        raise NotFound(_("This listing does not take messages through the directory."))
    if (data.get("honeypot") or "").strip():
        return None  # a bot: answer as if sent, store nothing
    now = now or utcnow()
    name = " ".join(str(data.get("name") or "").split())
    email = str(data.get("email") or "").strip()
    phone = " ".join(str(data.get("phone") or "").split())
    preferred = data.get("preferred_contact") or ""
    message = str(data.get("message") or "").replace("\r\n", "\n").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter your name (a first name is enough).")
    elif len(name) > 120:
        errors["name"] = _("Keep your name under %(limit)d characters.", limit=120)
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        errors["email"] = _("Enter an email address like name@example.com.")
    if phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = _("Enter a phone number (digits, spaces, dashes, parentheses).")
    if not email and not phone:
        errors["email"] = _("Give an email address or a phone number, so that the provider can reach you.")
    if preferred not in (CONTACT_EMAIL, CONTACT_PHONE):
        errors["preferred_contact"] = _("Choose how you would like to be contacted.")
    elif preferred == CONTACT_EMAIL and not email and "email" not in errors:
        errors["email"] = _("Enter your email address, or choose to be contacted by phone.")
    elif preferred == CONTACT_PHONE and not phone and "phone" not in errors:
        errors["phone"] = _("Enter your phone number, or choose to be contacted by email.")
    if not message:
        errors["message"] = _("Write a short message.")
    elif len(message) > MAX_MESSAGE:
        errors["message"] = _("Keep the message under %(limit)d characters.", limit=MAX_MESSAGE)
    if data.get("consent") is not True:
        errors["consent"] = _("Tick the box to agree to be contacted by this provider.")
    if errors:
        raise ValidationFailed(errors)
    inquiry = Inquiry(provider_id=provider.id, name=name, email=email, phone=phone, preferred_contact=preferred,
                      message=message, consented_at=now, created_at=now)
    db.session.add(inquiry)
    db.session.flush()
    # The record keeps the language of the page the message was written from: its follow-up question is in it.
    db.session.add(InquiryRecord(provider_id=provider.id, inquiry_id=inquiry.id, sent_at=now,
                                 language=language_or_default(data.get("language"))))
    owner = db.session.get(User, provider.owner_id)
    with in_language(owner.language):
        queue_email(
            owner.email, _("New inquiry through the directory"),
            _("Someone sent a message to your listing (%(name)s).", name=provider.name) + "\n\n"
            + _("Read it and reply from your dashboard: %(url)s", url=link_in(dashboard_url, owner.language)) + "\n\n"
            + _("For their privacy this email does not include the message or their contact details.") + "\n",
            kind="inquiry.new",
        )
    db.session.flush()
    return inquiry


def inquiries_for_owner(user: User, provider_ids: list[int]) -> dict[int, list[Inquiry]]:
    """Inquiries to the user's own listings, newest first, keyed by listing."""
    if not provider_ids:
        return {}
    query = (
        select(Inquiry).join(Provider, Provider.id == Inquiry.provider_id)
        .where(Inquiry.provider_id.in_(provider_ids), Provider.owner_id == user.id)
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    )
    grouped: dict[int, list[Inquiry]] = {pid: [] for pid in provider_ids}
    for inquiry in db.session.scalars(query):
        grouped[inquiry.provider_id].append(inquiry)
    return grouped


def mark_answered(user: User | None, inquiry_id: int, now: datetime | None = None) -> Inquiry:
    """Mark an inquiry answered; only the listing's owner reads and answers inquiries."""
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound(_("No such inquiry."))
    if user is None or not getattr(user, "is_authenticated", False) or inquiry.provider.owner_id != user.id:
        raise PermissionDenied(_("Only the listing's owner can answer its inquiries."))
    if inquiry.answered_at is None:
        inquiry.answered_at = now or utcnow()
        record = db.session.scalar(select(InquiryRecord).where(InquiryRecord.inquiry_id == inquiry.id))
        if record is not None and record.answered_at is None:
            record.answered_at = inquiry.answered_at
        db.session.flush()
    return inquiry


def purge_old_inquiries(now: datetime, config) -> int:
    """Erase inquiries older than INQUIRY_RETENTION_DAYS; returns how many. Their InquiryRecords stay, unlinked."""
    cutoff = now - timedelta(days=int(config.get("INQUIRY_RETENTION_DAYS", 90)))
    result = db.session.execute(delete(Inquiry).where(Inquiry.created_at < cutoff))
    return result.rowcount or 0
