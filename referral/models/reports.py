"""Visitors' reports that a listing is wrong, for the admin queue."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import N_
from .provider import Provider
from .types import UTCDateTime, utcnow

REPORT_OPEN = "open"
REPORT_RESOLVED = "resolved"

# kind -> how a visitor reads it
REPORT_KINDS = {
    "contact": N_("The phone number or address is wrong"),
    "moved": N_("They have moved"),
    "retired": N_("They have retired or no longer practise"),
    "not_accepting": N_("They are not accepting new patients"),
    "insurance": N_("They do not take the insurance listed"),
    "other": N_("Something else is wrong"),
}


class ListingReport(db.Model):
    """One visitor's report about a listing: what kind of wrong, an optional note, and how it was resolved.

    reporter_key is a keyed hash of where the report came from, so that reports can be told apart as
    independent without keeping the address; it is blanked when the report is resolved.
    """

    __tablename__ = "listing_reports"
    __table_args__ = (
        Index("ix_listing_reports_status_created", "status", "created_at"),
        Index("ix_listing_reports_provider_status", "provider_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reporter_key: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=REPORT_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship()
