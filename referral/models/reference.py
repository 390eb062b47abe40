"""Reference lists the directory filters by: provider types, modalities, concerns and the rest."""
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import translated


class ReferenceItem:
    """Columns every reference list has: a stable slug used in URLs and a display name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        """The name in the reader's language (the reference lists are in the message catalogue)."""
        return translated(self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class ProviderType(ReferenceItem, db.Model):
    """A kind of clinician (psychiatrist, psychologist, ...), built on the NUCC taxonomy."""

    __tablename__ = "provider_types"
    plural_name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    taxonomy_codes: Mapped[list["TaxonomyCode"]] = relationship(back_populates="provider_type")


class TaxonomyCode(db.Model):
    """One behavioral-health row of the NUCC Health Care Provider Taxonomy (v25.1)."""

    __tablename__ = "taxonomy_codes"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    provider_type_id: Mapped[int | None] = mapped_column(ForeignKey("provider_types.id"), index=True)
    app_role: Mapped[str] = mapped_column(String(64))
    core: Mapped[bool] = mapped_column(Boolean, default=False)
    grouping: Mapped[str] = mapped_column(String(120))
    classification: Mapped[str] = mapped_column(String(120))
    specialization: Mapped[str] = mapped_column(String(120), default="")
    display_name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    provider_type: Mapped[ProviderType | None] = relationship(back_populates="taxonomy_codes")


class Modality(ReferenceItem, db.Model):
    """A psychotherapy modality (psychodynamic, CBT, ...), from modalities.csv."""

    __tablename__ = "modalities"
    abbreviation: Mapped[str] = mapped_column(String(16), default="")
    family: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


class Concern(ReferenceItem, db.Model):
    """A concern people search by (depression, anxiety, ...), with its ICD-10-CM codes."""

    __tablename__ = "concerns"
    codes: Mapped[list["ConcernCode"]] = relationship(
        back_populates="concern", cascade="all, delete-orphan", order_by="ConcernCode.code"
    )


class ConcernCode(db.Model):
    """An ICD-10-CM code that a concern covers."""

    __tablename__ = "concern_codes"
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    concern: Mapped[Concern] = relationship(back_populates="codes")


class Frequency(ReferenceItem, db.Model):
    """How often sessions take place (several times a week ... as needed)."""

    __tablename__ = "frequencies"


class TreatmentLength(ReferenceItem, db.Model):
    """Short-term or long-term / open-ended treatment."""

    __tablename__ = "treatment_lengths"


class InsurancePlan(ReferenceItem, db.Model):
    """An insurance carrier or program accepted (or self-pay)."""

    __tablename__ = "insurance_plans"


class Language(ReferenceItem, db.Model):
    """A language sessions are offered in; the slug is its ISO 639-1 code."""

    __tablename__ = "languages"


class AgeGroup(ReferenceItem, db.Model):
    """An age group served: children, teens, adults, older adults."""

    __tablename__ = "age_groups"


class Ethnicity(ReferenceItem, db.Model):
    """A race or ethnicity a clinician may say they are (their choice, never required)."""

    __tablename__ = "ethnicities"


class Faith(ReferenceItem, db.Model):
    """A faith a clinician may say they hold (their choice, never required)."""

    __tablename__ = "faiths"
