"""Closed-loop referrals: referrer profiles, referrals, one copy per recipient, their timeline and thread."""
import secrets
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .provider import Provider
from .reference import AgeGroup, Concern, Frequency, InsurancePlan, Modality
from .types import UTCDateTime, utcnow
from .user import User

REFERRER_PENDING = "pending"
REFERRER_APPROVED = "approved"
REFERRER_REJECTED = "rejected"
REFERRER_STATUSES = (REFERRER_PENDING, REFERRER_APPROVED, REFERRER_REJECTED)

URGENCY_ROUTINE = "routine"
URGENCY_SOON = "soon"
URGENCIES = (URGENCY_ROUTINE, URGENCY_SOON)


def new_public_id() -> str:
    """An opaque, unguessable identifier for URLs (never a row number, never patient data)."""
    return secrets.token_urlsafe(12)


class ReferrerProfile(db.Model):
    """A referring clinician's NPI profile; an admin approves it before the account may refer."""

    __tablename__ = "referrer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    clinician_name: Mapped[str] = mapped_column(String(160))
    credentials: Mapped[str] = mapped_column(String(80), default="")
    organization: Mapped[str] = mapped_column(String(160), default="")
    status: Mapped[str] = mapped_column(String(16), default=REFERRER_PENDING, index=True)
    rejection_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def display_name(self) -> str:
        """Name and credentials, as shown to recipients."""
        return f"{self.clinician_name}, {self.credentials}" if self.credentials else self.clinician_name


referral_concerns = Table(
    "referral_concerns",
    db.metadata,
    Column("referral_id", ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    Column("concern_id", ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True),
)


class Referral(db.Model):
    """The referrer's case. Patient fields are erased some time after its last activity; the timeline stays."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The referral this one re-sends after a decline or expiry ("refer elsewhere").
    original_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))

    # Patient fields: initials or a chart number only, never a name or a date of birth.
    patient_reference: Mapped[str] = mapped_column(String(20), default="")
    age_group_id: Mapped[int | None] = mapped_column(ForeignKey("age_groups.id"))
    patient_zip: Mapped[str] = mapped_column(String(5), default="")
    telehealth_state: Mapped[str] = mapped_column(String(2), default="")
    insurance_plan_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_plans.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    modality_id: Mapped[int | None] = mapped_column(ForeignKey("modalities.id"))
    frequency_id: Mapped[int | None] = mapped_column(ForeignKey("frequencies.id"))
    urgency: Mapped[str] = mapped_column(String(16), default=URGENCY_ROUTINE)
    consent_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    patient_fields_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])
    age_group: Mapped[AgeGroup | None] = relationship()
    insurance_plan: Mapped[InsurancePlan | None] = relationship()
    modality: Mapped[Modality | None] = relationship()
    frequency: Mapped[Frequency | None] = relationship()
    concerns: Mapped[list[Concern]] = relationship(secondary=referral_concerns, order_by=Concern.name)
    copies: Mapped[list["ReferralRecipientCopy"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralRecipientCopy.id"
    )

    @property
    def erased(self) -> bool:
        """Whether the patient fields have been erased."""
        return self.patient_fields_erased_at is not None


class ReferralRecipientCopy(db.Model):
    """What one recipient receives: its own state, answer and first appointment."""

    __tablename__ = "referral_copies"
    __table_args__ = (
        UniqueConstraint("referral_id", "provider_id", name="uq_referral_copies_referral_provider"),
        Index("ix_referral_copies_state_sent", "state", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(24))
    decline_reason: Mapped[str] = mapped_column(String(24), default="")
    appointment_date: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    referral: Mapped[Referral] = relationship(back_populates="copies")
    provider: Mapped[Provider | None] = relationship()
    events: Mapped[list["ReferralEvent"]] = relationship(
        back_populates="copy", cascade="all, delete-orphan", order_by="ReferralEvent.id"
    )
    messages: Mapped[list["ReferralMessage"]] = relationship(
        back_populates="copy", cascade="all, delete-orphan", order_by="ReferralMessage.id"
    )


class ReferralEvent(db.Model):
    """One transition of a copy: when, by whom, from and to which state. Holds no patient data."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("referral_copies.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(16))  # referrer, recipient, system
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(String(200), default="")

    copy: Mapped[ReferralRecipientCopy] = relationship(back_populates="events")


class ReferralMessage(db.Model):
    """A message between the referrer and one recipient about that recipient's copy."""

    __tablename__ = "referral_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("referral_copies.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_role: Mapped[str] = mapped_column(String(16))  # referrer or recipient
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    copy: Mapped[ReferralRecipientCopy] = relationship(back_populates="messages")


class ReferralAccessLog(db.Model):
    """An admin read a referral: who, when, which one and how (page, letter, API)."""

    __tablename__ = "referral_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    what: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
