"""Self-check screeners (PHQ-9, GAD-7): their published items, scoring, bands, and what a result suggests.

Nothing here stores, logs or sends answers: score_answers() is a pure function of its input.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

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
MISSING_ANSWER = "Choose one answer for this question."
INVALID_ANSWER = "Choose one of the four answers for this question."

PRESCRIBER_TYPES = ("psychiatrist", "psychiatric-nurse-practitioner")
PSYCHODYNAMIC_MODALITIES = ("psychodynamic", "psychoanalytic")
PFIZER_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)


@dataclass(frozen=True)
class Band:
    """A published score range and what it means in plain words."""

    key: str
    label: str
    low: int
    high: int
    explanation: str

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


@dataclass(frozen=True)
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


DEPRESSION = ScreenedConcern("depression", "Depression")
ANXIETY = ScreenedConcern("anxiety", "Anxiety (generalized)")
ADJUSTMENT = ScreenedConcern("adjustment", "Adjustment / life transitions")
SUICIDAL = ScreenedConcern("suicidal", "Suicidal ideation")

PHQ9 = Instrument(
    slug="phq-9",
    name="PHQ-9",
    title="Depression self-check (PHQ-9)",
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
        Band("minimal", "Minimal", 0, 4,
             "Your answers show few or no signs of depression over the last two weeks."),
        Band("mild", "Mild", 5, 9,
             "Your answers show some signs of depression. Mild symptoms often ease with time, but if they stay "
             "or get worse, talking with someone helps. Taking this check again in two weeks can show whether "
             "things are changing."),
        Band("moderate", "Moderate", 10, 14,
             "Your answers show signs of depression at a level where it is a good idea to talk with a clinician. "
             "Psychotherapy helps many people with depression, and an evaluation by a psychiatrist or your "
             "primary-care clinician can tell whether medication could help too."),
        Band("moderately-severe", "Moderately severe", 15, 19,
             "Your answers show many signs of depression. Treatment helps most people, and it is worth starting "
             "soon: psychotherapy, medication, or the two together. Please arrange an evaluation with a "
             "psychiatrist or your primary-care clinician."),
        Band("severe", "Severe", 20, 27,
             "Your answers show strong signs of depression. Please see a clinician soon, within days rather "
             "than weeks: a psychiatrist, a psychiatric nurse practitioner or your primary-care clinician can "
             "evaluate you and start treatment, often medication together with psychotherapy."),
    ),
    concern=DEPRESSION,
    sources=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. "
        "J Gen Intern Med. 2001;16(9):606–613.",
        PFIZER_NOTICE,
    ),
    safety_item=9,
)

GAD7 = Instrument(
    slug="gad-7",
    name="GAD-7",
    title="Anxiety self-check (GAD-7)",
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
        Band("minimal", "Minimal", 0, 4,
             "Your answers show few or no signs of anxiety over the last two weeks."),
        Band("mild", "Mild", 5, 9,
             "Your answers show some signs of anxiety. If the worry stays, gets worse or gets in the way of "
             "daily life, talking with someone helps. Taking this check again in a few weeks can show whether "
             "things are changing."),
        Band("moderate", "Moderate", 10, 14,
             "Your answers show signs of anxiety at a level where clinicians usually look further. It is a good "
             "idea to talk with a clinician: psychotherapy helps many people with anxiety, and an evaluation by "
             "a psychiatrist or your primary-care clinician can tell whether medication could help too."),
        Band("severe", "Severe", 15, 21,
             "Your answers show strong signs of anxiety. Treatment helps most people, and it is worth starting "
             "soon: please arrange an evaluation with a psychiatrist, a psychiatric nurse practitioner or your "
             "primary-care clinician, and consider psychotherapy."),
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


def suggestions_for(instrument: Instrument, band: Band, crisis: bool) -> tuple[Suggestion, ...]:
    """The kinds of help a result points to, each with its directory search."""
    concern = instrument.concern
    what = instrument.measures
    suggestions: list[Suggestion] = []
    if crisis:
        suggestions.append(Suggestion(
            kind="Ongoing help with thoughts of suicide",
            title="Clinicians who work with suicidal thoughts",
            text="For right now, the 988 Lifeline is the place to turn. For the weeks ahead, these clinicians "
                 "list suicidal thoughts among the concerns they work with.",
            params=_params(SUICIDAL),
            button="Find clinicians",
        ))
    if band.key == "minimal":
        suggestions.append(Suggestion(
            kind="Psychotherapy",
            title="Someone to talk to about stress or changes in your life",
            text="Even with a low score, something may be weighing on you. A therapist or counselor can help "
                 "you sort it out.",
            params=_params(ADJUSTMENT),
            button="Find therapists",
        ))
        return tuple(suggestions)
    suggestions.append(Suggestion(
        kind="Psychotherapy",
        title=f"Talk therapy for {what}",
        text=f"Psychotherapy, with a psychologist, social worker, counselor or psychiatrist, helps many people "
             f"with {what}. These clinicians say they treat {what}.",
        params=_params(concern),
        button="Find therapists",
    ))
    if band.moderate_or_higher:
        suggestions.append(Suggestion(
            kind="Evaluation by a psychiatrist or primary-care clinician",
            title="An evaluation, and medication if it would help",
            text="A psychiatrist or psychiatric nurse practitioner can evaluate you and talk through whether "
                 "medication could help. Your primary-care clinician can do this too, and is often the "
                 "quickest place to start; this directory lists mental-health clinicians only.",
            params=_params(concern, types=PRESCRIBER_TYPES),
            button="Find psychiatrists and psychiatric nurse practitioners",
        ))
    suggestions.append(Suggestion(
        kind="Psychodynamic therapy",
        title=f"Psychodynamic therapy for {what}",
        text="A talking therapy that looks at how past experiences shape present feelings and relationships. "
             "It can be combined with medication.",
        params=_params(concern, modalities=PSYCHODYNAMIC_MODALITIES),
        button="Find psychodynamic therapists",
    ))
    return tuple(suggestions)


def score_answers(instrument: Instrument, answers: Mapping[str, object]) -> Result:
    """Score a completed questionnaire; ValidationFailed names every unanswered or invalid item."""
    errors: dict[str, str] = {}
    points: dict[str, int] = {}
    for name in instrument.field_names:
        raw = answers.get(name)
        if _blank(raw):
            errors[name] = MISSING_ANSWER
            continue
        value = _answer_points(raw)
        if value is None:
            errors[name] = INVALID_ANSWER
        else:
            points[name] = value
    difficulty = None
    raw_difficulty = answers.get(DIFFICULTY_FIELD)
    if not _blank(raw_difficulty):
        index = _answer_points(raw_difficulty)
        if index is None:
            errors[DIFFICULTY_FIELD] = "Choose one of the four answers, or leave this question out."
        else:
            difficulty = DIFFICULTY_SCALE[index]
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
    )
