"""The PHQ-9 and GAD-7 as published: items, scoring, bands, the item-9 rule, incomplete answers, suggestions."""
import pytest

from referral.models import Concern, Modality, ProviderType
from referral.services.errors import NotFound, ValidationFailed
from referral.services.reference import get_by_slug
from referral.services.screeners import (
    ANSWER_SCALE,
    GAD7,
    INVALID_ANSWER,
    MISSING_ANSWER,
    PHQ9,
    band_for,
    get_instrument,
    score_answers,
)
from referral.services.search_params import KNOWN_PARAMETERS


def answers_totalling(instrument, total: int, *, safety: int = 0) -> dict[str, str]:
    """Answers (as a posted form sends them) that add up to `total`, the safety item fixed where possible."""
    names = list(instrument.field_names)
    fixed = {}
    if instrument.safety_item is not None:
        fixed[f"q{instrument.safety_item}"] = min(safety, total)
        names.remove(f"q{instrument.safety_item}")
    remaining = total - sum(fixed.values())
    answers = {}
    for name in names:
        answers[name] = min(3, remaining)
        remaining -= answers[name]
    if remaining:  # only the very top scores need the safety item too
        key = f"q{instrument.safety_item}"
        fixed[key] += remaining
    answers.update(fixed)
    assert sum(answers.values()) == total
    return {name: str(value) for name, value in answers.items()}


PHQ9_BOUNDARIES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately-severe"), (19, "moderately-severe"), (20, "severe"), (27, "severe"),
]
GAD7_BOUNDARIES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
]


def test_published_items_and_scale():
    assert [label for label, _ in ANSWER_SCALE] == ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert [points for _, points in ANSWER_SCALE] == [0, 1, 2, 3]
    assert PHQ9.stem == "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    assert len(PHQ9.items) == 9 and PHQ9.max_score == 27
    assert PHQ9.items[0] == "Little interest or pleasure in doing things"
    assert PHQ9.items[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert len(GAD7.items) == 7 and GAD7.max_score == 21
    assert GAD7.items[0] == "Feeling nervous, anxious, or on edge"
    assert GAD7.items[6] == "Feeling afraid, as if something awful might happen"
    assert any("Kroenke K, Spitzer RL, Williams JBW" in s and "2001" in s for s in PHQ9.sources)
    assert any("Spitzer RL, Kroenke K, Williams JBW, Löwe B" in s and "2006" in s for s in GAD7.sources)
    assert all(any("Pfizer" in s and "No permission required" in s for s in i.sources) for i in (PHQ9, GAD7))


@pytest.mark.parametrize("score,band", PHQ9_BOUNDARIES)
def test_phq9_band_at_every_boundary(score, band):
    result = score_answers(PHQ9, answers_totalling(PHQ9, score))
    assert result.score == score
    assert result.band.key == band


@pytest.mark.parametrize("score,band", GAD7_BOUNDARIES)
def test_gad7_band_at_every_boundary(score, band):
    result = score_answers(GAD7, answers_totalling(GAD7, score))
    assert result.score == score
    assert result.band.key == band


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_bands_cover_every_score_once(instrument):
    for score in range(instrument.max_score + 1):
        assert sum(b.low <= score <= b.high for b in instrument.bands) == 1
    with pytest.raises(ValueError):
        band_for(instrument, instrument.max_score + 1)


@pytest.mark.parametrize("value", [0, 1, 2, 3])
def test_item_nine_rule_for_every_answer(value):
    answers = {name: "0" for name in PHQ9.field_names}
    answers["q9"] = str(value)
    result = score_answers(PHQ9, answers)
    assert result.crisis is (value > 0)
    assert result.score == value
    assert result.band.key == "minimal"  # the crisis message does not depend on the total
    if value:
        assert result.suggestions[0].values("condition") == ["suicidal"]
        assert result.concerns[0].slug == "suicidal"
    else:
        assert all(s.values("condition") != ["suicidal"] for s in result.suggestions)


@pytest.mark.parametrize("value", [0, 1, 2, 3])
def test_item_nine_rule_holds_at_a_high_score_too(value):
    answers = {name: "3" for name in PHQ9.field_names}
    answers["q9"] = str(value)
    assert score_answers(PHQ9, answers).crisis is (value > 0)


def test_gad7_has_no_crisis_item():
    answers = {name: "3" for name in GAD7.field_names}
    assert score_answers(GAD7, answers).crisis is False


def test_incomplete_answers_name_each_missing_item():
    answers = {name: "1" for name in PHQ9.field_names}
    del answers["q4"]
    answers["q7"] = ""
    with pytest.raises(ValidationFailed) as raised:
        score_answers(PHQ9, answers)
    assert raised.value.errors == {"q4": MISSING_ANSWER, "q7": MISSING_ANSWER}


def test_no_answers_at_all():
    with pytest.raises(ValidationFailed) as raised:
        score_answers(GAD7, {})
    assert set(raised.value.errors) == set(GAD7.field_names)


@pytest.mark.parametrize("bad", ["4", "-1", "1.5", "several", True, 7])
def test_out_of_scale_answers_are_refused(bad):
    answers = {name: "0" for name in GAD7.field_names}
    answers["q2"] = bad
    with pytest.raises(ValidationFailed) as raised:
        score_answers(GAD7, answers)
    assert raised.value.errors == {"q2": INVALID_ANSWER}


def test_difficulty_is_optional_and_unscored():
    answers = {name: "1" for name in GAD7.field_names}
    assert score_answers(GAD7, answers).difficulty is None
    result = score_answers(GAD7, {**answers, "difficulty": "3"})
    assert result.difficulty == "Extremely difficult"
    assert result.score == 7
    with pytest.raises(ValidationFailed) as raised:
        score_answers(GAD7, {**answers, "difficulty": "9"})
    assert list(raised.value.errors) == ["difficulty"]


def test_get_instrument():
    assert get_instrument("phq-9") is PHQ9
    assert get_instrument("gad-7") is GAD7
    with pytest.raises(NotFound):
        get_instrument("phq-10")


@pytest.mark.parametrize("instrument,concern", [(PHQ9, "depression"), (GAD7, "anxiety")])
def test_suggestions_by_band(instrument, concern):
    minimal = score_answers(instrument, answers_totalling(instrument, 2))
    assert [s.values("condition") for s in minimal.suggestions] == [["adjustment"]]
    assert minimal.concerns == ()

    mild = score_answers(instrument, answers_totalling(instrument, 6))
    assert all(s.values("condition") == [concern] for s in mild.suggestions)
    assert not any(s.values("type") for s in mild.suggestions)  # no evaluation suggested below 10
    assert [c.slug for c in mild.concerns] == [concern]

    for total in (10, 15, instrument.max_score - 1):
        result = score_answers(instrument, answers_totalling(instrument, total))
        kinds = [s.kind for s in result.suggestions if s.values("condition") == [concern]]
        assert "Psychotherapy" in kinds
        assert "Evaluation by a psychiatrist or primary-care clinician" in kinds
        evaluation = next(s for s in result.suggestions if s.values("type"))
        assert evaluation.values("type") == ["psychiatrist", "psychiatric-nurse-practitioner"]
        assert evaluation.values("condition") == [concern]
        therapy = next(s for s in result.suggestions if s.kind == "Psychotherapy")
        assert therapy.values("type") == [] and therapy.values("modality") == []
        psychodynamic = next(s for s in result.suggestions if s.values("modality"))
        assert psychodynamic.values("modality") == ["psychodynamic", "psychoanalytic"]
        assert all(s.values("accepting") == ["true"] for s in result.suggestions)


def test_suggestions_carry_only_search_parameters():
    result = score_answers(PHQ9, answers_totalling(PHQ9, 27, safety=3))
    for suggestion in result.suggestions:
        assert {key for key, _ in suggestion.params} <= KNOWN_PARAMETERS - {"near", "lat", "lng", "q"}


def test_every_suggested_slug_is_in_the_reference_lists(app_ctx):
    models = {"condition": Concern, "modality": Modality, "type": ProviderType}
    seen = set()
    for instrument in (PHQ9, GAD7):
        for total in range(instrument.max_score + 1):
            for safety in (0, 1):
                if instrument.safety_item is None and safety:
                    continue
                for s in score_answers(instrument, answers_totalling(instrument, total, safety=safety)).suggestions:
                    for key, value in s.params:
                        if key in models:
                            seen.add((key, value))
    assert ("condition", "suicidal") in seen and ("type", "psychiatric-nurse-practitioner") in seen
    for key, value in seen:
        assert get_by_slug(models[key], value) is not None, (key, value)
