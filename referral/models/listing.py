"""What owning a listing adds: review requests, the audit log, photos, inquiries and reminders."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from .provider import Provider
from .types import UTCDateTime, utcnow
from .user import User

REVIEW_NEW = "new"  # a listing the provider created
REVIEW_CLAIM = "claim"  # an existing (demo or registry) listing the provider claims by NPI
REVIEW_CHANGE = "change"  # a verified listing whose owner changed who it says it is (name, credentials, type)
REVIEW_PENDING = "pending"
REVIEW_APPROVED = "approved"
REVIEW_REJECTED = "rejected"

CONTACT_EMAIL = "email"
CONTACT_PHONE = "phone"


class ListingReview(db.Model):
    """A request that an admin approves or rejects: a new listing, a claim on an existing one, or a changed identity."""

    __tablename__ = "listing_reviews"
    __table_args__ = (Index("ix_listing_reviews_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=REVIEW_PENDING)
    # Shown to the provider when rejected.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])


class ListingAudit(db.Model):
    """One change to a listing: who, when, what, and each field's old and new value."""

    __tablename__ = "listing_audit"
    __table_args__ = (Index("ix_listing_audit_provider_created", "provider_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    # {field: [old, new]}, JSON-ready values (slugs, strings, numbers, booleans, ISO dates).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The listing's version after this change: entries newer than an editor's version are what it missed.
    version_after: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class ProviderPhoto(db.Model):
    """A listing's photo, re-encoded on upload so that no metadata survives."""

    __tablename__ = "provider_photos"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(
        backref=backref("photo", uselist=False, cascade="all, delete-orphan", passive_deletes=True)
    )


class Inquiry(db.Model):
    """A message from someone looking for care, for the listing's owner. Erased after the retention period."""

    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_provider_created", "provider_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    preferred_contact: Mapped[str] = mapped_column(String(16), default=CONTACT_EMAIL)
    message: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship()


class AvailabilityReminder(db.Model):
    """A reminder email sent to a listing's owner to confirm availability (at most one per period)."""

    __tablename__ = "availability_reminders"
    __table_args__ = (Index("ix_availability_reminders_provider_sent", "provider_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
