"""Search alerts: an email address and a search, nothing else, to be told when someone matching opens up."""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, language_column, utcnow


class SearchAlert(db.Model):
    """One subscription: confirmed by an emailed link (double opt-in), erased when unsubscribed or expired."""

    __tablename__ = "search_alerts"
    __table_args__ = (Index("ix_search_alerts_confirmed_expires", "confirmed_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The search's own parameters as a query string (see services/alerts.alert_query): never anything else.
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str] = language_column()
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
