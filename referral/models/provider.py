"""Providers (listings), their offices and licenses, and the many-to-many filter tables."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, Float, ForeignKey, Index, Integer, SmallInteger, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..services.spatial import attach_office_index
from .reference import (
    AgeGroup,
    Concern,
    Ethnicity,
    Faith,
    Frequency,
    InsurancePlan,
    Language,
    Modality,
    ProviderType,
    TreatmentLength,
)
from .types import UTCDateTime, utcnow

# Who can be found in search: listings nobody has claimed yet (demo or registry) and verified ones.
LISTING_UNCLAIMED = "unclaimed"
LISTING_PENDING = "pending"
LISTING_VERIFIED = "verified"
LISTING_REJECTED = "rejected"
SEARCHABLE_LISTING_STATUSES = (LISTING_UNCLAIMED, LISTING_VERIFIED)


def _association(name: str, item_table: str, item_column: str) -> Table:
    """A provider-to-item table: composite primary key, and an index that starts with the item."""
    return Table(
        name,
        db.metadata,
        Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
        Column(item_column, ForeignKey(f"{item_table}.id", ondelete="CASCADE"), primary_key=True),
        Index(f"ix_{name}_item_provider", item_column, "provider_id"),
    )


provider_modalities = _association("provider_modalities", "modalities", "modality_id")
provider_frequencies = _association("provider_frequencies", "frequencies", "frequency_id")
provider_concerns = _association("provider_concerns", "concerns", "concern_id")
provider_insurance = _association("provider_insurance", "insurance_plans", "insurance_plan_id")
provider_languages = _association("provider_languages", "languages", "language_id")
provider_age_groups = _association("provider_age_groups", "age_groups", "age_group_id")
provider_treatment_lengths = _association(
    "provider_treatment_lengths", "treatment_lengths", "treatment_length_id"
)
provider_ethnicities = _association("provider_ethnicities", "ethnicities", "ethnicity_id")


class ListingFacts:
    """What follows from a listing's stored values: shared by the model and the records read for display."""

    @property
    def name(self) -> str:
        """First and last name, as shown in listings."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def licensed_states(self) -> list[str]:
        """The states this provider holds a license in (where telehealth can reach)."""
        return sorted({lic.state for lic in self.licenses})


class OfficeFacts:
    """What follows from an office's stored values: shared by the model and the records read for display."""

    @property
    def one_line(self) -> str:
        """The address on one line."""
        street = ", ".join(part for part in (self.address1, self.address2) if part)
        place = f"{self.city}, {self.state} {self.zip}".strip()
        return f"{street}, {place}" if street else place


class Provider(ListingFacts, db.Model):
    """A clinician's listing in the directory."""

    __tablename__ = "providers"
    __table_args__ = (
        Index("ix_providers_name", "last_name", "first_name", "id"),
        Index("ix_providers_status_type", "listing_status", "provider_type_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    credentials: Mapped[str] = mapped_column(String(80), default="")
    provider_type_id: Mapped[int] = mapped_column(ForeignKey("provider_types.id"), index=True)
    taxonomy_code: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_codes.code"))
    statement: Mapped[str] = mapped_column(Text, default="")
    statement_es: Mapped[str] = mapped_column(Text, default="", server_default="")  # the statement in Spanish, optional

    accepting_new_patients: Mapped[bool] = mapped_column(Boolean, default=False)
    availability_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telehealth: Mapped[bool] = mapped_column(Boolean, default=False)
    in_person: Mapped[bool] = mapped_column(Boolean, default=True)
    # The standard fee of one individual session; fee_min and fee_max span the other session types.
    fee: Mapped[int | None] = mapped_column(Integer)
    fee_min: Mapped[int | None] = mapped_column(Integer)
    fee_max: Mapped[int | None] = mapped_column(Integer)
    sliding_scale: Mapped[bool] = mapped_column(Boolean, default=False)
    free_consultation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    free_consultation_minutes: Mapped[int | None] = mapped_column(Integer)
    # Identity, each given only if the clinician chooses to. Columns added after the first listings were
    # stored carry a server default, so that a migration can add them to existing rows.
    gender: Mapped[str | None] = mapped_column(String(16))
    pronouns: Mapped[str] = mapped_column(String(40), default="", server_default="")
    lgbtq_affirming: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    faith_id: Mapped[int | None] = mapped_column(ForeignKey("faiths.id"), index=True)
    faith_integrated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    wheelchair_accessible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phone: Mapped[str] = mapped_column(String(32), default="")
    website: Mapped[str] = mapped_column(String(255), default="")

    # The account that claimed or created this listing (None for demo and registry listings).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    listing_status: Mapped[str] = mapped_column(String(16), default=LISTING_UNCLAIMED)
    # Where the listing came from: "demo" (seed_data), "nppes" (registry import), "owner".
    source: Mapped[str] = mapped_column(String(16), default="owner")
    # False when the registry deactivated the NPI: hidden from search.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    provider_type: Mapped[ProviderType] = relationship(lazy="joined")
    offices: Mapped[list["Office"]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="Office.id"
    )
    licenses: Mapped[list["License"]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="License.state"
    )
    modalities: Mapped[list[Modality]] = relationship(secondary=provider_modalities, order_by=Modality.name)
    frequencies: Mapped[list[Frequency]] = relationship(
        secondary=provider_frequencies, order_by=Frequency.sort_order
    )
    concerns: Mapped[list[Concern]] = relationship(secondary=provider_concerns, order_by=Concern.name)
    insurance_plans: Mapped[list[InsurancePlan]] = relationship(
        secondary=provider_insurance, order_by=InsurancePlan.sort_order
    )
    languages: Mapped[list[Language]] = relationship(secondary=provider_languages, order_by=Language.name)
    age_groups: Mapped[list[AgeGroup]] = relationship(
        secondary=provider_age_groups, order_by=AgeGroup.sort_order
    )
    treatment_lengths: Mapped[list[TreatmentLength]] = relationship(
        secondary=provider_treatment_lengths, order_by=TreatmentLength.sort_order
    )
    ethnicities: Mapped[list[Ethnicity]] = relationship(secondary=provider_ethnicities, order_by=Ethnicity.sort_order)
    faith: Mapped[Faith | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name}>"


class Office(OfficeFacts, db.Model):
    """A place where a provider sees patients in person; geocoded to a point."""

    __tablename__ = "offices"
    # provider_id in the index lets a distance search read offices from the index alone.
    __table_args__ = (Index("ix_offices_lat_lng", "lat", "lng", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    address1: Mapped[str] = mapped_column(String(160), default="")
    address2: Mapped[str] = mapped_column(String(160), default="")
    city: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)

    provider: Mapped[Provider] = relationship(back_populates="offices")
    hours: Mapped[list["OfficeHours"]] = relationship(
        back_populates="office", cascade="all, delete-orphan", order_by="(OfficeHours.day, OfficeHours.opens)"
    )


# The two-dimensional index a located search narrows offices by (services/spatial.py), built with the table.
attach_office_index(Office.__table__)


class License(db.Model):
    """A state license held by a provider."""

    __tablename__ = "licenses"
    __table_args__ = (Index("ix_licenses_state_provider", "state", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(40), default="")

    provider: Mapped[Provider] = relationship(back_populates="licenses")


class OfficeHours(db.Model):
    """A weekly window an office is open, in the office's local time: day 0 is Monday, times in minutes."""

    __tablename__ = "office_hours"
    __table_args__ = (
        CheckConstraint("day BETWEEN 0 AND 6", name="day"),
        CheckConstraint("opens >= 0 AND closes <= 1440 AND opens < closes", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    day: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[int] = mapped_column(SmallInteger)
    closes: Mapped[int] = mapped_column(SmallInteger)

    office: Mapped[Office] = relationship(back_populates="hours")
