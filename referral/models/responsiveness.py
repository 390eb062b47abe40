"""What the directory keeps of the messages a listing receives: when each was sent and answered, and notices to owners."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, language_column, utcnow

VISITOR_YES = "yes"
VISITOR_NO = "no"
VISITOR_ELSEWHERE = "elsewhere"
VISITOR_ANSWERS = (VISITOR_YES, VISITOR_NO, VISITOR_ELSEWHERE)


class InquiryRecord(db.Model):
    """An inquiry's dates, outliving the inquiry itself, and the visitor's optional follow-up.

    It holds nothing the person wrote. The follow-up email is the only personal detail and is blanked once the
    visitor answers or the follow-up lapses; the dates and the answer stay for the listing's figures.
    """

    __tablename__ = "inquiry_records"
    __table_args__ = (
        Index("ix_inquiry_records_provider_sent", "provider_id", "sent_at"),
        Index("ix_inquiry_records_follow_up_due", "follow_up_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    # The inquiry while it is kept (see the inquiries purger); its owner can still answer it while it is.
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the owner marked it answered
    visitor_answer: Mapped[str] = mapped_column(String(16), default="")  # one of VISITOR_ANSWERS, or ""
    follow_up_email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = language_column()  # the page the message was written from: its follow-up is in it
    follow_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


NOTICE_UNANSWERED = "unanswered"
NOTICE_REPORT = "report"


class OwnerNotice(db.Model):
    """An email sent to a listing's owner about its listing, kept so that the same kind is not sent too often."""

    __tablename__ = "owner_notices"
    __table_args__ = (Index("ix_owner_notices_provider_kind_sent", "provider_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
