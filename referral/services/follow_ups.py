"""Asking a visitor, a week after their inquiry, whether the clinician got back to them.

After sending an inquiry the visitor may leave an email address (a signed offer link ties it to their
inquiry's record). `flask send-follow-ups` mails the question once it is due; the mail names neither the
clinician nor anything the visitor wrote. The emailed link opens a page that records one of three answers
in one click, without an account. The address is erased, with the sent mail's copy in the outbox, when the
visitor answers or when the follow-up lapses (`flask purge`). The answer feeds the listing's responsiveness figures; its owner sees only counts.
"""
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from ..extensions import db
from ..i18n import gettext as _, in_language, lazy_gettext as _l, site_root
from ..models import InquiryRecord, utcnow
from ..models.responsiveness import VISITOR_ANSWERS, VISITOR_ELSEWHERE, VISITOR_NO, VISITOR_YES
from .batch import BatchReport, for_each_row
from .errors import Conflict, NotFound, ValidationFailed
from .inquiries import EMAIL_PATTERN
from .mail import queue_email
from .mail_erasure import erase_sent_mail

FOLLOW_UP_MAIL = "follow_up.ask"  # the outbox kind of the question
OFFER_SALT = "inquiry.follow-up.offer"
ANSWER_SALT = "inquiry.follow-up.answer"
# The offer page is reached straight after sending an inquiry; a day is ample to fill in one address.
OFFER_MAX_AGE_SECONDS = 24 * 3600

ANSWER_LABELS = {
    VISITOR_YES: _l("Yes, they got back to me"),
    VISITOR_NO: _l("No, I have not heard from them"),
    VISITOR_ELSEWHERE: _l("I found help elsewhere"),
}


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def offer_token(secret_key: str, record: InquiryRecord) -> str:
    """The signed link part that lets the sender of an inquiry ask for its follow-up."""
    return _serializer(secret_key, OFFER_SALT).dumps({"r": record.id})


def offer_token_for(secret_key: str, inquiry) -> str:
    """The offer link part for a just-stored inquiry."""
    record = db.session.scalar(select(InquiryRecord).where(InquiryRecord.inquiry_id == inquiry.id))
    return offer_token(secret_key, record)


def answer_token(secret_key: str, record: InquiryRecord) -> str:
    """The signed link part, mailed with the follow-up, that records the visitor's answer."""
    return _serializer(secret_key, ANSWER_SALT).dumps({"r": record.id})


def _record_for(secret_key: str, salt: str, token: str, max_age: int | None) -> InquiryRecord:
    try:
        payload = _serializer(secret_key, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed({"token": _("This link has expired.")}) from None
    except BadSignature:
        raise ValidationFailed({"token": _("This link is not valid.")}) from None
    record_id = payload.get("r") if isinstance(payload, dict) else None
    record = db.session.get(InquiryRecord, record_id) if isinstance(record_id, int) and 0 < record_id < 2**31 else None
    if record is None:
        raise NotFound(_("This follow-up no longer exists."))
    return record


def record_for_offer(secret_key: str, token: str) -> InquiryRecord:
    """The record an offer link is for, while the offer stands; Conflict once taken, ValidationFailed for a bad link."""
    record = _record_for(secret_key, OFFER_SALT, token, OFFER_MAX_AGE_SECONDS)
    if record.follow_up_due_at is not None:
        raise Conflict(_("You have already asked us to check in about this message. Thank you."))
    return record


def ask_for_follow_up(secret_key: str, token: str, email: str, config, now: datetime | None = None) -> InquiryRecord:
    """Keep the visitor's address for a single follow-up, due FOLLOW_UP_AFTER_DAYS after their inquiry."""
    record = record_for_offer(secret_key, token)
    address = (email or "").strip()
    if len(address) > InquiryRecord.follow_up_email.type.length or not EMAIL_PATTERN.match(address):
        raise ValidationFailed({"email": _("Enter an email address like name@example.com.")})
    record.follow_up_email = address
    record.follow_up_due_at = record.sent_at + timedelta(days=int(config.get("FOLLOW_UP_AFTER_DAYS", 7)))
    db.session.flush()
    return record


def open_follow_up(secret_key: str, token: str) -> InquiryRecord:
    """The record an emailed follow-up link is for, while it waits for an answer; Conflict once answered or erased."""
    record = _record_for(secret_key, ANSWER_SALT, token, None)
    if record.follow_up_answered_at is not None:
        raise Conflict(_("Thank you: your answer was already recorded."))
    if not record.follow_up_email or record.follow_up_sent_at is None:
        raise Conflict(_("This question has closed, and your email address has been erased."))
    return record


def answer_follow_up(secret_key: str, token: str, answer: str, now: datetime | None = None) -> InquiryRecord:
    """Record the visitor's answer and erase their address."""
    if answer not in VISITOR_ANSWERS:
        raise ValidationFailed({"answer": _("Choose one of the answers.")})
    record = open_follow_up(secret_key, token)
    record.visitor_answer = answer
    record.follow_up_answered_at = now or utcnow()
    _erase_addresses([record.follow_up_email])
    record.follow_up_email = ""
    db.session.flush()
    return record


def _erase_addresses(addresses: list[str]) -> None:
    """Delete the sent follow-up mails to these addresses: the outbox keeps no copy of an erased address."""
    erase_sent_mail([FOLLOW_UP_MAIL], addresses)


def send_due_follow_ups(secret_key: str, base_url: str, now: datetime | None = None) -> BatchReport:
    """Queue the follow-up question for every record that is due and not yet asked; one row at a time."""
    now = now or utcnow()
    due = db.session.scalars(
        select(InquiryRecord.id)
        .where(InquiryRecord.follow_up_email != "", InquiryRecord.follow_up_sent_at.is_(None),
               InquiryRecord.follow_up_due_at <= now)
        .order_by(InquiryRecord.id)
    ).all()
    return for_each_row("follow-up", due, lambda record_id: _send_one(record_id, secret_key, base_url, now))


def _send_one(record_id: int, secret_key: str, base_url: str, now: datetime) -> bool:
    record = db.session.get(InquiryRecord, record_id)
    # The question, and the page its link opens, are in the language the message was written in.
    link = f"{site_root(base_url, record.language)}/follow-up/{answer_token(secret_key, record)}"
    with in_language(record.language):
        queue_email(
            record.follow_up_email, _("Did the clinician get back to you?"),
            _("A week ago you wrote to a clinician through the directory, and asked us to check in.") + "\n\n"
            + _("Did they get back to you? Answer with one click here:") + f"\n{link}\n\n"
            + _("Your answer helps others see which listings answer the people who write. The clinician sees only "
                "how many people answered each way, never who.") + "\n"
            + _("We erase your email address as soon as you answer, or in a few weeks if you do not.") + "\n",
            kind=FOLLOW_UP_MAIL,
        )
    record.follow_up_sent_at = now
    db.session.flush()
    return True


def erase_lapsed_follow_ups(now: datetime, config) -> int:
    """Erase the addresses of follow-ups left unanswered FOLLOW_UP_ERASE_DAYS after the inquiry; returns how many."""
    cutoff = now - timedelta(days=int(config.get("FOLLOW_UP_ERASE_DAYS", 30)))
    lapsed = (InquiryRecord.follow_up_email != "", InquiryRecord.sent_at < cutoff)
    _erase_addresses(list(db.session.scalars(select(InquiryRecord.follow_up_email).where(*lapsed).distinct())))
    result = db.session.execute(update(InquiryRecord).where(*lapsed).values(follow_up_email=""))
    return result.rowcount or 0


def follow_up_counts(provider_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many visitors answered each way, per listing (every id present): what its owner may see."""
    counts = {provider_id: {answer: 0 for answer in VISITOR_ANSWERS} for provider_id in provider_ids}
    if not provider_ids:
        return counts
    rows = db.session.execute(
        select(InquiryRecord.provider_id, InquiryRecord.visitor_answer, func.count())
        .where(InquiryRecord.provider_id.in_(provider_ids), InquiryRecord.visitor_answer.in_(VISITOR_ANSWERS))
        .group_by(InquiryRecord.provider_id, InquiryRecord.visitor_answer)
    )
    for provider_id, answer, count in rows:
        counts[provider_id][answer] = count
    return counts
