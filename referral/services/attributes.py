"""Listing attributes, declared once: what a listing says about a clinician, and how people choose by it.

Each Attribute names its search parameter (also its key in JSON results, CSV exports and the editor),
where it is stored, how it filters, its labels and which outputs carry it. Parsing search parameters,
the SQL filters, the search form, the editor, the profile and result cards, the JSON and CSV fields,
the OpenAPI parameters and the history labels are all derived from ATTRIBUTES.

The texts people read (labels, questions, help, choice labels) are lazy translations: each use reads them in
the language of the page it is shown on. Where a real str is needed (stored, sorted, a key), call str() on it;
JSON and CSV keys are the `name` / `key`, never a label.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from ..i18n import lazy_gettext as _l
from ..models import (
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
    provider_age_groups,
    provider_concerns,
    provider_ethnicities,
    provider_frequencies,
    provider_insurance,
    provider_languages,
    provider_modalities,
    provider_treatment_lengths,
)

# How an attribute filters a search.
ANY_OF = "any_of"        # one or more values; a listing matches when it has any of them
YES_NO = "yes_no"        # true / false; absent means either
AT_MOST = "at_most"      # a whole number the listing's value must not exceed
HOURS = "hours"          # time windows derived from the offices' weekly hours
AVAILABILITY = "availability"  # yes / no on "accepting new patients, confirmed recently"
NOT_FILTERED = None      # shown and edited only

# Which outputs carry an attribute.
API, CSV, OPENAPI, FHIR, HSDS, HISTORY = "api", "csv", "openapi", "fhir", "hsds", "history"
EVERY_OUTPUT = frozenset({API, CSV, OPENAPI, FHIR, HSDS, HISTORY})
OWN_OUTPUTS = frozenset({API, CSV, OPENAPI, HISTORY})  # no FHIR / HSDS element carries it
WITH_HSDS = OWN_OUTPUTS | {HSDS}


@dataclass(frozen=True)
class Choice:
    """One value of a fixed list: what the URL and the API say, and what people read."""

    value: str
    label: str | LazyString

    def __hash__(self) -> int:
        # A lazy label hashes as its text in the current language; the value is the same in every language.
        return hash(self.value)


@dataclass(frozen=True)
class Attribute:
    """One thing a listing says about a clinician."""

    name: str                      # search parameter; key in JSON, CSV and the editor unless `key` says otherwise
    label: str | LazyString        # one value's heading: "Therapy approach"
    plural: str | LazyString       # several values' heading: "Therapy approaches"
    question: str | LazyString     # what the search form asks
    editor_label: str | LazyString  # what the editor asks the clinician
    filter: str | None             # ANY_OF, YES_NO, AVAILABILITY, AT_MOST, HOURS or NOT_FILTERED
    column: str | None = None      # the Provider column or relationship holding it
    reference: type | None = None  # reference model whose slugs are its values
    association: object = None     # provider-to-item table of a multi-valued reference list
    item_column: str | None = None  # that table's column naming the item
    choices: tuple[Choice, ...] = ()  # a fixed list, when there is no reference model
    key: str | None = None         # JSON / CSV / editor key where it differs from the parameter (lists are plural)
    parameter: str | None = None   # the search parameter where it differs from the name (max_fee filters fee)
    section: str = "practice"      # profile and editor section: practice, fees, fee_range, clinician, where, hours, availability
    outputs: frozenset = EVERY_OUTPUT
    max_length: int | None = None  # text attributes
    maximum: int | None = None     # number attributes
    help: str | LazyString = ""    # a sentence the search form or the editor shows under the field
    example: object = None         # a value for documentation (the OpenAPI document)
    in_summary: bool = True        # carried by search results, not only by the full listing
    searchable: bool = True        # a search parameter (False: shown and edited only)
    editable: bool = True

    def __hash__(self) -> int:
        # Not from the lazy labels, whose hash changes with the language.
        return hash(self.name)

    @property
    def search_parameter(self) -> str:
        """The query-string parameter that filters by it."""
        return self.parameter or self.name

    @property
    def output_key(self) -> str:
        """The key in JSON results, CSV rows, the editor and the history."""
        return self.key or self.name

    @property
    def multiple(self) -> bool:
        """Whether a listing may hold several values."""
        return self.association is not None

    @property
    def is_list(self) -> bool:
        """Whether its values come from a list (a reference model or fixed choices)."""
        return self.reference is not None or bool(self.choices)

    def choice_label(self, value: str) -> str:
        """The label people read for one of the fixed values, in the current language (the value itself if unknown)."""
        return next((str(choice.label) for choice in self.choices if choice.value == value), value)


GENDERS = (
    Choice("woman", _l("Woman")), Choice("man", _l("Man")), Choice("nonbinary", _l("Non-binary")),
    Choice("another", _l("Another identity")),
)
HOURS_WINDOWS = (
    Choice("evenings", _l("Evenings (after 5 pm)")), Choice("weekends", _l("Weekends")),
    Choice("early-mornings", _l("Early mornings (before 9 am)")),
)
SORTS = (
    Choice("best", _l("Best match")), Choice("distance", _l("Nearest")), Choice("fee", _l("Lowest standard fee")),
    Choice("confirmed", _l("Most recently confirmed availability")),
)

ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("type", _l("Type of clinician"), _l("Types of clinician"), _l("Which kind of clinician?"),
              _l("Type of clinician"), ANY_OF, column="provider_type", reference=ProviderType, section="clinician",
              example="psychologist"),
    Attribute("modality", _l("Therapy approach"), _l("Therapy approaches"), _l("Which therapy approach?"),
              _l("Therapy approaches"), ANY_OF, column="modalities", reference=Modality,
              association=provider_modalities, item_column="modality_id", key="modalities", outputs=OWN_OUTPUTS, example="psychodynamic"),
    Attribute("frequency", _l("Session frequency"), _l("Session frequencies"), _l("How often would you like to meet?"),
              _l("Session frequency"), ANY_OF, column="frequencies", reference=Frequency,
              association=provider_frequencies, item_column="frequency_id", key="frequencies", outputs=OWN_OUTPUTS, example="weekly"),
    Attribute("treatment_length", _l("Length of treatment"), _l("Length of treatment"), _l("For how long?"),
              _l("Length of treatment"), ANY_OF, column="treatment_lengths", reference=TreatmentLength,
              association=provider_treatment_lengths, item_column="treatment_length_id",
              key="treatment_lengths", in_summary=False, searchable=False, outputs=OWN_OUTPUTS, example="long-term"),
    Attribute("condition", _l("Concern"), _l("Concerns"), _l("What would you like help with?"),
              _l("Concerns you treat"), ANY_OF, column="concerns", reference=Concern, association=provider_concerns,
              item_column="concern_id", key="conditions", in_summary=False, outputs=OWN_OUTPUTS, example="depression"),
    Attribute("insurance", _l("Insurance"), _l("Insurance"), _l("Which insurance do you have?"),
              _l("Insurance accepted"), ANY_OF, column="insurance_plans", reference=InsurancePlan,
              association=provider_insurance, item_column="insurance_plan_id", key="insurance", section="fees",
              outputs=WITH_HSDS, example="self-pay"),
    Attribute("language", _l("Language"), _l("Languages"), _l("In which language?"),
              _l("Languages you offer sessions in"), ANY_OF, column="languages", reference=Language,
              association=provider_languages, item_column="language_id", key="languages", outputs=WITH_HSDS,
              example="es"),
    Attribute("age_group", _l("Age group"), _l("Ages served"), _l("Who is the therapy for?"), _l("Ages served"),
              ANY_OF, column="age_groups", reference=AgeGroup, association=provider_age_groups,
              item_column="age_group_id", key="age_groups", outputs=WITH_HSDS, example="adults"),
    Attribute("accepting", _l("Accepting new patients"), _l("Accepting new patients"), _l("Accepting new patients"),
              _l("I am accepting new patients"), AVAILABILITY, column="accepting_new_patients",
              key="accepting_new_patients", outputs=OWN_OUTPUTS,
              help=_l("Only listings whose availability was confirmed in the last weeks count as accepting."),
              section="availability"),
    Attribute("telehealth", _l("Telehealth"), _l("Telehealth"), _l("Offers telehealth"), _l("I offer telehealth"),
              YES_NO, column="telehealth", section="where", outputs=WITH_HSDS),
    Attribute("in_person", _l("In person"), _l("In person"), _l("Sees people in person"),
              _l("I see people in person"), YES_NO, column="in_person", section="where", outputs=WITH_HSDS),
    Attribute("sliding_scale", _l("Sliding scale"), _l("Sliding scale"), _l("Sliding-scale fees"),
              _l("I offer a sliding scale"), YES_NO, column="sliding_scale", outputs=OWN_OUTPUTS, section="fees"),
    Attribute("fee", _l("Standard fee"), _l("Standard fees"), _l("Most I can pay per session ($)"),
              _l("Standard fee for one individual session ($)"), AT_MOST, column="fee", outputs=OWN_OUTPUTS,
              maximum=5000, parameter="max_fee", section="fees",
              help=_l("Matches a standard fee within your budget, or a sliding scale that starts within it."),
              example=180),
    Attribute("fee_min", _l("Lowest fee"), _l("Lowest fees"), _l("Lowest fee"),
              _l("Lowest fee of any session type ($)"), NOT_FILTERED, column="fee_min", outputs=OWN_OUTPUTS,
              maximum=5000, searchable=False, section="fee_range", example=120),
    Attribute("fee_max", _l("Highest fee"), _l("Highest fees"), _l("Highest fee"),
              _l("Highest fee of any session type ($)"), NOT_FILTERED, column="fee_max", outputs=OWN_OUTPUTS,
              maximum=5000, searchable=False, section="fee_range", example=220),
    Attribute("free_consultation", _l("Free first consultation"), _l("Free first consultation"),
              _l("Free first consultation"), _l("I offer a free first consultation"), YES_NO,
              column="free_consultation", outputs=OWN_OUTPUTS, section="fees"),
    Attribute("free_consultation_minutes", _l("Length of the free consultation"),
              _l("Lengths of the free consultation"), _l("Length of the free consultation"),
              _l("Length of the free consultation (minutes)"), NOT_FILTERED,
              column="free_consultation_minutes", outputs=OWN_OUTPUTS, maximum=240, searchable=False,
              section="fees", example=20),
    Attribute("hours", _l("Hours"), _l("Hours"), _l("When can you go?"), _l("Office hours"), HOURS,
              choices=HOURS_WINDOWS, outputs=OWN_OUTPUTS, editable=False, section="hours",
              help=_l("From the weekly hours of the clinician's offices, in each office's time zone."),
              example="evenings"),
    Attribute("gender", _l("Gender"), _l("Genders"), _l("Clinician's gender"), _l("Your gender (optional)"), ANY_OF,
              column="gender", choices=GENDERS, outputs=OWN_OUTPUTS, section="clinician", example="woman"),
    Attribute("pronouns", _l("Pronouns"), _l("Pronouns"), _l("Pronouns"),
              _l("Your pronouns (optional, e.g. she/her)"), NOT_FILTERED, column="pronouns", outputs=OWN_OUTPUTS,
              max_length=40, searchable=False, section="clinician", example="she/her"),
    Attribute("lgbtq_affirming", _l("LGBTQ+-affirming practice"), _l("LGBTQ+-affirming practice"),
              _l("LGBTQ+-affirming practice"), _l("My practice is LGBTQ+-affirming"), YES_NO,
              column="lgbtq_affirming", outputs=OWN_OUTPUTS, section="clinician"),
    Attribute("ethnicity", _l("Clinician's race or ethnicity"), _l("Clinician's race or ethnicity"),
              _l("Clinician's race or ethnicity"), _l("Your race or ethnicity (optional; shown only if you choose)"),
              ANY_OF, column="ethnicities", reference=Ethnicity, association=provider_ethnicities,
              item_column="ethnicity_id", outputs=OWN_OUTPUTS, section="clinician", key="ethnicity",
              help=_l("Some people want a clinician who shares their background. Clinicians choose whether to say."),
              example="black"),
    Attribute("faith", _l("Clinician's faith"), _l("Clinician's faith"), _l("Clinician's faith"),
              _l("Your faith (optional; shown only if you choose)"), ANY_OF, column="faith", reference=Faith,
              outputs=OWN_OUTPUTS, section="clinician", example="jewish"),
    Attribute("faith_integrated", _l("Faith-integrated therapy"), _l("Faith-integrated therapy"),
              _l("Offers faith-integrated therapy"), _l("I offer faith-integrated therapy on request"), YES_NO,
              column="faith_integrated", outputs=OWN_OUTPUTS, section="clinician"),
    Attribute("wheelchair_accessible", _l("Wheelchair-accessible office"), _l("Wheelchair-accessible office"),
              _l("Wheelchair-accessible office"), _l("An office of mine is wheelchair accessible"), YES_NO,
              column="wheelchair_accessible", outputs=OWN_OUTPUTS, section="where"),
)

BY_NAME: dict[str, Attribute] = {attribute.name: attribute for attribute in ATTRIBUTES}
SEARCHABLE: tuple[Attribute, ...] = tuple(a for a in ATTRIBUTES if a.searchable and a.filter)
EDITABLE: tuple[Attribute, ...] = tuple(a for a in ATTRIBUTES if a.editable)


BY_PARAMETER: dict[str, Attribute] = {a.search_parameter: a for a in SEARCHABLE}


def attribute(name: str) -> Attribute:
    """The attribute with this search parameter name."""
    return BY_NAME[name]


def label_of(key: str) -> str | None:
    """The label of the attribute whose parameter or output key this is, in the current language, or None."""
    for item in ATTRIBUTES:
        if key in (item.name, item.output_key):
            return str(item.label if not item.multiple else item.plural)
    return None
