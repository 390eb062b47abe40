"""The "Types of treatment options" page: psychotherapy families, medication, and the two combined."""
from __future__ import annotations

from dataclasses import dataclass


from ..i18n import lazy_gettext as _l
from ..models import Modality, ProviderType
from .guides import psychodynamic_guide
from .reference import all_items, get_by_slug

MEDICATION_FAMILY = "pharmacological"
PRESCRIBER_TYPES = ("psychiatrist", "psychiatric-nurse-practitioner")
COMBINED_SECTION = "what-to-expect"
# How the guide's sentence on medication can be told from the others, in each language the guide is written in.
MEDICATION_WORDS = ("medication", "medicament")

# Our own plain-words label and sentence for each family in seed_data/reference/modalities.csv.
FAMILY_TEXT: dict[str, tuple] = {
    "cognitive-behavioral": (
        _l("Cognitive and behavioral therapies"),
        _l("Structured, practical therapies that work on the links between thoughts, feelings and actions, "
           "often with exercises to try between sessions.")),
    "cognitive-behavioral (third wave)": (
        _l("Acceptance-based therapies"),
        _l("Newer cognitive-behavioral therapies that help you make room for painful thoughts and feelings "
           "while you act on what matters to you.")),
    "trauma-focused": (
        _l("Trauma-focused therapies"),
        _l("Therapies made for the after-effects of frightening or painful events, helping you work through "
           "memories at a pace that feels safe.")),
    "mindfulness-based": (
        _l("Mindfulness-based therapies"),
        _l("Therapies that practise calm, present-moment attention, often in a group, to step out of old "
           "patterns of worry or low mood.")),
    "integrative": (
        _l("Integrative therapies"),
        _l("Approaches that draw on several traditions to work with deep-rooted patterns, inner conflict and "
           "harsh self-criticism.")),
    "psychodynamic": (
        _l("Psychodynamic and psychoanalytic therapies"),
        _l("Talking therapies that explore how early experiences and feelings outside awareness shape present "
           "moods and relationships, within a relationship of trust with the therapist.")),
    "interpersonal": (
        _l("Interpersonal therapy"),
        _l("A time-limited therapy about relationships, roles and life changes, and how they affect mood.")),
    "systemic": (
        _l("Couples and family therapies"),
        _l("Therapies that work on the relationships in a couple or a family, often with everyone in the room.")),
    "humanistic/experiential": (
        _l("Humanistic and experiential therapies"),
        _l("Therapies centred on feelings, personal growth and meaning, with a therapist who listens closely "
           "and without judgement.")),
    "postmodern": (
        _l("Narrative and solution-focused therapies"),
        _l("Brief, strengths-based approaches that look at the stories you tell about your life and at the "
           "changes you want.")),
    "motivational": (
        _l("Motivational approaches"),
        _l("Conversations that help you find your own reasons and readiness to change, often about drinking, "
           "drugs or health habits.")),
    "body-oriented": (
        _l("Body-oriented therapies"),
        _l("Therapies that work with bodily sensations and the stress response as well as with words.")),
    "child": (
        _l("Therapies for children"),
        _l("Approaches made for children, who often show through play what they cannot yet put into words.")),
    "child/family": (
        _l("Parent and child therapies"),
        _l("A parent and child are coached together towards a calmer, warmer relationship.")),
    "format": (
        _l("Group therapy"),
        _l("Therapy in a small group led by a clinician, where people learn from each other as well as from "
           "the therapist.")),
    "expressive": (
        _l("Expressive therapies"),
        _l("Art, music and other creative work as a way into feelings that are hard to say out loud.")),
    "other": (
        _l("Other approaches"),
        _l("Approaches that do not fit one of the families above.")),
}


@dataclass(frozen=True)
class TherapyFamily:
    """One family of psychotherapy approaches and its members."""

    key: str
    label: str
    description: str
    modalities: tuple[Modality, ...]

    @property
    def modality_slugs(self) -> list[str]:
        """Every member's slug, for one search that finds any of them."""
        return [m.slug for m in self.modalities]


@dataclass(frozen=True)
class GuideStatement:
    """A sentence quoted from a guide, with the guide's reference list."""

    text: str
    references: tuple[str, ...]


def psychotherapy_families() -> list[TherapyFamily]:
    """The psychotherapy families of the modality list, in list order, medication left out."""
    families: dict[str, list[Modality]] = {}
    for modality in all_items(Modality):
        if modality.family != MEDICATION_FAMILY:
            families.setdefault(modality.family, []).append(modality)
    result = []
    for key, members in families.items():
        label, description = FAMILY_TEXT.get(key, (key.replace("-", " ").capitalize(), ""))
        result.append(TherapyFamily(key, str(label), str(description), tuple(members)))
    return result


def medication_modalities() -> list[Modality]:
    """The modalities that are medication treatment (medication management)."""
    return [m for m in all_items(Modality) if m.family == MEDICATION_FAMILY]


def prescriber_types() -> list[ProviderType]:
    """The clinician types in the directory who prescribe psychiatric medication."""
    return [t for t in (get_by_slug(ProviderType, slug) for slug in PRESCRIBER_TYPES) if t is not None]


def combined_treatment_statement() -> GuideStatement | None:
    """The psychodynamic guide's sentence on therapy together with medication, and its references (page's language)."""
    guide = psychodynamic_guide()
    section = guide.section(COMBINED_SECTION)
    if section is None:
        return None
    text = next((p for p in section.paragraphs if any(word in p.lower() for word in MEDICATION_WORDS)), None)
    return GuideStatement(text, tuple(guide.references)) if text else None


@dataclass(frozen=True)
class TreatmentOptions:
    """Everything the treatment-options page shows."""

    families: list[TherapyFamily]
    medication: list[Modality]
    prescribers: list[ProviderType]
    statement: GuideStatement | None


def treatment_options() -> TreatmentOptions:
    """Psychotherapy families, medication treatment and who prescribes it, and the guide's combined statement."""
    return TreatmentOptions(psychotherapy_families(), medication_modalities(), prescriber_types(),
                            combined_treatment_statement())
