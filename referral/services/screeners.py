"""Self-check screeners (PHQ-9, GAD-7): their published items, scoring, bands, and what a result suggests.

Nothing here stores, logs or sends answers: score_answers() is a pure function of its input.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


from ..i18n import gettext as _, lazy_gettext as _l, N_
from .errors import NotFound, ValidationFailed


# The published answer scale, shared by both instruments: (label, points).
ANSWER_SCALE: tuple[tuple[str, int], ...] = (
    ("Not at all", 0),
    ("Several days", 1),
    ("More than half the days", 2),
    ("Nearly every day", 3),
)
# The instruments' closing question; it is asked but never added to the score.
DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, "
    "take care of things at home, or get along with other people?"
)
DIFFICULTY_SCALE: tuple[str, ...] = ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")
DIFFICULTY_FIELD = "difficulty"
MISSING_ANSWER = _l("Choose one answer for this question.")
INVALID_ANSWER = _l("Choose one of the four answers for this question.")
INVALID_DIFFICULTY = _l("Choose one of the four answers, or leave this question out.")

PRESCRIBER_TYPES = ("psychiatrist", "psychiatric-nurse-practitioner")
PSYCHODYNAMIC_MODALITIES = ("psychodynamic", "psychoanalytic")
PFIZER_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)


@dataclass(frozen=True)
class Wording:
    """An instrument's own words in one language, exactly as its publisher's version has them (never ours)."""

    stem: str
    items: tuple[str, ...]
    answers: tuple[str, ...]  # the answer scale's labels, for 0, 1, 2 and 3 points
    difficulty_question: str
    difficulty_answers: tuple[str, ...]
    notice: str


ENGLISH_ANSWERS = tuple(label for label, _points in ANSWER_SCALE)

# The PHQ-9 "Spanish for the USA" as distributed by Pfizer (phqscreeners.com), word for word, from the public copy of
# that form at https://es.studenta.com/content/129686767/patient-health-questionnaire-9-spanish ("Cuestionario sobre
# la salud del paciente-9"). Only the paper form's "(Marque con un ✓ ...)" is left out, as the English stem leaves
# out its "(Use ✔ ...)".
PHQ9_SPANISH = Wording(
    stem="Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?",
    items=(
        "Poco interés o placer en hacer cosas",
        "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
        "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
        "Se ha sentido cansado(a) o con poca energía",
        "Sin apetito o ha comido en exceso",
        "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted mismo(a) o con "
        "su familia",
        "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico o ver la "
        "televisión",
        "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – muy "
        "inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
    ),
    answers=("Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"),
    difficulty_question=(
        "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos problemas para hacer su "
        "trabajo, encargarse de las tareas del hogar, o llevarse bien con otras personas?"
    ),
    difficulty_answers=("No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"),
    notice=(
        "Elaborado por los doctores Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke y colegas, mediante una "
        "subvención educativa otorgada por Pfizer Inc. No se requiere permiso para reproducir, traducir, presentar o "
        "distribuir."
    ),
)


@dataclass(frozen=True)
class Band:
    """A published score range and what it means in plain words."""

    key: str
    label: str
    low: int
    high: int
    explanation: str
    symptoms: str = ""  # the result's heading, e.g. "Moderate depression symptoms"

    @property
    def moderate_or_higher(self) -> bool:
        """Whether the band starts at 10 or more, where both instruments call for a closer look."""
        return self.low >= 10


@dataclass(frozen=True)
class ScreenedConcern:
    """A concern from the directory's list (seed_data/reference/conditions_icd10cm.csv)."""

    slug: str
    name: str


@dataclass(frozen=True)
class Suggestion:
    """A kind of help and the directory search that finds it (without a place: the person adds one)."""

    kind: str
    title: str
    text: str
    params: tuple[tuple[str, str], ...]
    button: str

    def values(self, name: str) -> list[str]:
        """Every value of one search parameter."""
        return [value for key, value in self.params if key == name]

    def query(self) -> dict[str, list[str]]:
        """The search parameters as url_for takes them."""
        grouped: dict[str, list[str]] = {}
        for key, value in self.params:
            grouped.setdefault(key, []).append(value)
        return grouped


# eq=False: each instrument is one module-level object, compared and hashed by identity (the forms are cached
# per instrument, and its bands hold lazily translated text).
@dataclass(frozen=True, eq=False)
class Instrument:
    """A screening questionnaire as published: items, scale, bands and sources."""

    slug: str
    name: str
    title: str
    measures: str
    stem: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    concern: ScreenedConcern
    sources: tuple[str, ...]
    safety_item: int | None = None  # 1-based number of the item about self-harm, if any
    # The publisher's validated versions in other languages, as (language, Wording); English is stem and items above.
    validated_versions: tuple[tuple[str, Wording], ...] = ()

    def language_for(self, language: str) -> str:
        """The language the questions are shown in on a page in `language`: its own, or English where there is
        no validated version in it (a questionnaire is never translated by us)."""
        return language if language == "en" or any(code == language for code, _w in self.validated_versions) else "en"

    def wording(self, language: str) -> Wording:
        """The instrument's own words for a page in `language` (English where there is no validated version)."""
        shown = self.language_for(language)
        for code, wording in self.validated_versions:
            if code == shown:
                return wording
        return Wording(self.stem, self.items, ENGLISH_ANSWERS, DIFFICULTY_QUESTION, DIFFICULTY_SCALE, PFIZER_NOTICE)

    @property
    def max_score(self) -> int:
        """The highest possible total."""
        return len(self.items) * ANSWER_SCALE[-1][1]

    @property
    def field_names(self) -> tuple[str, ...]:
        """The form field name of each item: q1, q2, ..."""
        return tuple(f"q{number}" for number in range(1, len(self.items) + 1))


@dataclass(frozen=True)
class Result:
    """A scored screening; it lives only as long as the page that shows it."""

    instrument: Instrument
    score: int
    band: Band
    crisis: bool
    concerns: tuple[ScreenedConcern, ...]
    suggestions: tuple[Suggestion, ...]
    difficulty: str | None = None
    difficulty_level: int | None = None  # 0-3, the index of `difficulty` on the scale


DEPRESSION = ScreenedConcern("depression", "Depression")
ANXIETY = ScreenedConcern("anxiety", "Anxiety (generalized)")
ADJUSTMENT = ScreenedConcern("adjustment", "Adjustment / life transitions")
SUICIDAL = ScreenedConcern("suicidal", "Suicidal ideation")

PHQ9 = Instrument(
    slug="phq-9",
    name="PHQ-9",
    title=N_("Depression self-check (PHQ-9)"),
    measures="depression",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=(
        Band("minimal", _l("Minimal"), 0, 4,
             _l("Your answers show few or no signs of depression over the last two weeks."),
             _l("Minimal depression symptoms")),
        Band("mild", _l("Mild"), 5, 9,
             _l("Your answers show some signs of depression. Mild symptoms often ease with time, but if they stay "
                "or get worse, talking with someone helps. Taking this check again in two weeks can show whether "
                "things are changing."),
             _l("Mild depression symptoms")),
        Band("moderate", _l("Moderate"), 10, 14,
             _l("Your answers show signs of depression at a level where it is a good idea to talk with a clinician. "
                "Psychotherapy helps many people with depression, and an evaluation by a psychiatrist or your "
                "primary-care clinician can tell whether medication could help too."),
             _l("Moderate depression symptoms")),
        Band("moderately-severe", _l("Moderately severe"), 15, 19,
             _l("Your answers show many signs of depression. Treatment helps most people, and it is worth starting "
                "soon: psychotherapy, medication, or the two together. Please arrange an evaluation with a "
                "psychiatrist or your primary-care clinician."),
             _l("Moderately severe depression symptoms")),
        Band("severe", _l("Severe"), 20, 27,
             _l("Your answers show strong signs of depression. Please see a clinician soon, within days rather "
                "than weeks: a psychiatrist, a psychiatric nurse practitioner or your primary-care clinician can "
                "evaluate you and start treatment, often medication together with psychotherapy."),
             _l("Severe depression symptoms")),
    ),
    concern=DEPRESSION,
    sources=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. "
        "J Gen Intern Med. 2001;16(9):606–613.",
        PFIZER_NOTICE,
    ),
    safety_item=9,
    validated_versions=(("es", PHQ9_SPANISH),),
)

# No Spanish wording: no public copy of the whole GAD-7 "Spanish for the USA" form (with its difficulty question)
# could be checked, so Spanish pages show the English questionnaire rather than a translation of our own.
GAD7 = Instrument(
    slug="gad-7",
    name="GAD-7",
    title=N_("Anxiety self-check (GAD-7)"),
    measures="anxiety",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    bands=(
        Band("minimal", _l("Minimal"), 0, 4,
             _l("Your answers show few or no signs of anxiety over the last two weeks."),
             _l("Minimal anxiety symptoms")),
        Band("mild", _l("Mild"), 5, 9,
             _l("Your answers show some signs of anxiety. If the worry stays, gets worse or gets in the way of "
                "daily life, talking with someone helps. Taking this check again in a few weeks can show whether "
                "things are changing."),
             _l("Mild anxiety symptoms")),
        Band("moderate", _l("Moderate"), 10, 14,
             _l("Your answers show signs of anxiety at a level where clinicians usually look further. It is a good "
                "idea to talk with a clinician: psychotherapy helps many people with anxiety, and an evaluation by "
                "a psychiatrist or your primary-care clinician can tell whether medication could help too."),
             _l("Moderate anxiety symptoms")),
        Band("severe", _l("Severe"), 15, 21,
             _l("Your answers show strong signs of anxiety. Treatment helps most people, and it is worth starting "
                "soon: please arrange an evaluation with a psychiatrist, a psychiatric nurse practitioner or your "
                "primary-care clinician, and consider psychotherapy."),
             _l("Severe anxiety symptoms")),
    ),
    concern=ANXIETY,
    sources=(
        "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety "
        "disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092–1097.",
        PFIZER_NOTICE,
    ),
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.slug: PHQ9, GAD7.slug: GAD7}


def all_instruments() -> list[Instrument]:
    """Every self-check, in the order the index page lists them."""
    return list(INSTRUMENTS.values())


def get_instrument(slug: str) -> Instrument:
    """One instrument by its slug; NotFound if there is none."""
    try:
        return INSTRUMENTS[slug]
    except KeyError:
        raise NotFound(f"no self-check called {slug}") from None


def band_for(instrument: Instrument, score: int) -> Band:
    """The published band a total falls in."""
    for band in instrument.bands:
        if band.low <= score <= band.high:
            return band
    raise ValueError(f"{instrument.name} score {score} is outside 0–{instrument.max_score}")


def needs_crisis_help(instrument: Instrument, points: Mapping[str, int]) -> bool:
    """Whether the self-harm item was answered with anything but "not at all"."""
    if instrument.safety_item is None:
        return False
    return points.get(f"q{instrument.safety_item}", 0) > 0


def _answer_points(raw) -> int | None:
    """An answer's points, or None when it is not one of the scale's values."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        return None
    return value if value in {points for _, points in ANSWER_SCALE} else None


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _params(concern: ScreenedConcern, *, types=(), modalities=()) -> tuple[tuple[str, str], ...]:
    params = [("condition", concern.slug)]
    params += [("modality", slug) for slug in modalities]
    params += [("type", slug) for slug in types]
    params.append(("accepting", "true"))
    return tuple(params)


# Whole sentences for each thing a questionnaire measures (never "... for " + a word glued on).
MEASURE_TEXT = {
    "depression": {
        "therapy_title": _l("Talk therapy for depression"),
        "therapy_text": _l("Psychotherapy, with a psychologist, social worker, counselor or psychiatrist, helps many "
                           "people with depression. These clinicians say they treat depression."),
        "psychodynamic_title": _l("Psychodynamic therapy for depression"),
    },
    "anxiety": {
        "therapy_title": _l("Talk therapy for anxiety"),
        "therapy_text": _l("Psychotherapy, with a psychologist, social worker, counselor or psychiatrist, helps many "
                           "people with anxiety. These clinicians say they treat anxiety."),
        "psychodynamic_title": _l("Psychodynamic therapy for anxiety"),
    },
}


def suggestions_for(instrument: Instrument, band: Band, crisis: bool) -> tuple[Suggestion, ...]:
    """The kinds of help a result points to, each with its directory search, in the page's language."""
    concern = instrument.concern
    measure = MEASURE_TEXT[instrument.measures]
    suggestions: list[Suggestion] = []
    if crisis:
        suggestions.append(Suggestion(
            kind=_("Ongoing help with thoughts of suicide"),
            title=_("Clinicians who work with suicidal thoughts"),
            text=_("For right now, the 988 Lifeline is the place to turn. For the weeks ahead, these clinicians "
                   "list suicidal thoughts among the concerns they work with."),
            params=_params(SUICIDAL),
            button=_("Find clinicians"),
        ))
    if band.key == "minimal":
        suggestions.append(Suggestion(
            kind=_("Psychotherapy"),
            title=_("Someone to talk to about stress or changes in your life"),
            text=_("Even with a low score, something may be weighing on you. A therapist or counselor can help "
                   "you sort it out."),
            params=_params(ADJUSTMENT),
            button=_("Find therapists"),
        ))
        return tuple(suggestions)
    suggestions.append(Suggestion(
        kind=_("Psychotherapy"),
        title=str(measure["therapy_title"]),
        text=str(measure["therapy_text"]),
        params=_params(concern),
        button=_("Find therapists"),
    ))
    if band.moderate_or_higher:
        suggestions.append(Suggestion(
            kind=_("Evaluation by a psychiatrist or primary-care clinician"),
            title=_("An evaluation, and medication if it would help"),
            text=_("A psychiatrist or psychiatric nurse practitioner can evaluate you and talk through whether "
                   "medication could help. Your primary-care clinician can do this too, and is often the "
                   "quickest place to start; this directory lists mental-health clinicians only."),
            params=_params(concern, types=PRESCRIBER_TYPES),
            button=_("Find psychiatrists and psychiatric nurse practitioners"),
        ))
    suggestions.append(Suggestion(
        kind=_("Psychodynamic therapy"),
        title=str(measure["psychodynamic_title"]),
        text=_("A talking therapy that looks at how past experiences shape present feelings and relationships. "
               "It can be combined with medication."),
        params=_params(concern, modalities=PSYCHODYNAMIC_MODALITIES),
        button=_("Find psychodynamic therapists"),
    ))
    return tuple(suggestions)


def score_answers(instrument: Instrument, answers: Mapping[str, object]) -> Result:
    """Score a completed questionnaire; ValidationFailed names every unanswered or invalid item."""
    errors: dict[str, str] = {}
    points: dict[str, int] = {}
    for name in instrument.field_names:
        raw = answers.get(name)
        if _blank(raw):
            errors[name] = str(MISSING_ANSWER)
            continue
        value = _answer_points(raw)
        if value is None:
            errors[name] = str(INVALID_ANSWER)
        else:
            points[name] = value
    difficulty = difficulty_level = None
    raw_difficulty = answers.get(DIFFICULTY_FIELD)
    if not _blank(raw_difficulty):
        index = _answer_points(raw_difficulty)
        if index is None:
            errors[DIFFICULTY_FIELD] = str(INVALID_DIFFICULTY)
        else:
            difficulty, difficulty_level = DIFFICULTY_SCALE[index], index
    if errors:
        raise ValidationFailed(errors)
    score = sum(points.values())
    band = band_for(instrument, score)
    crisis = needs_crisis_help(instrument, points)
    concerns = ((SUICIDAL,) if crisis else ()) + (() if band.key == "minimal" else (instrument.concern,))
    return Result(
        instrument=instrument,
        score=score,
        band=band,
        crisis=crisis,
        concerns=concerns,
        suggestions=suggestions_for(instrument, band, crisis),
        difficulty=difficulty,
        difficulty_level=difficulty_level,
    )
