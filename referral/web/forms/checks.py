"""The self-check forms: one radio group per published item, built from the instrument."""
from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from ...i18n import lazy_gettext as _l
from ...services.screeners import ANSWER_SCALE, DIFFICULTY_FIELD, Instrument

CSRF_EXPIRED = _l(
    "This page was open too long to send safely. Your answers are still here: please press the button again."
)


class CheckForm(FlaskForm):
    """A questionnaire posted to the server to be scored and forgotten; subclasses add the items."""

    item_names: tuple[str, ...] = ()

    def questions(self) -> list[RadioField]:
        """The scored items, in order."""
        return [self[name] for name in self.item_names]

    def answers(self) -> dict[str, str | None]:
        """What was chosen for each item (and the optional difficulty question), as posted."""
        return {name: self[name].data for name in (*self.item_names, DIFFICULTY_FIELD)}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show the service's messages next to the questions they concern."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = list(field.errors or []) + [message]

    @property
    def csrf_errors(self) -> list[str]:
        """Errors of the CSRF token (there is no token field when CSRF is switched off)."""
        token = self._fields.get("csrf_token")
        return list(token.errors) if token is not None else []

    def mark_csrf_expired(self) -> None:
        """Replace the token's technical message with one that says the answers are kept."""
        token = self._fields.get("csrf_token")
        if token is not None:
            token.errors = [str(CSRF_EXPIRED)]

    @property
    def has_errors(self) -> bool:
        """Whether any field carries an error."""
        return any(field.errors for field in self)


def _radio(label: str, choices) -> RadioField:
    # Completeness is checked by the scoring service, which names each unanswered item.
    return RadioField(label, choices=choices, validate_choice=False)


@lru_cache(maxsize=None)
def check_form_class(instrument: Instrument, language: str = "en") -> type[CheckForm]:
    """The form class for one instrument on a page in one language (built once each).

    Questions and answers are the instrument's own validated wording in that language, or the English
    original where it has none: they never go through the message catalogue.
    """
    wording = instrument.wording(language)
    answer_choices = [SelectChoice(str(points), label)
                      for label, (_english, points) in zip(wording.answers, ANSWER_SCALE)]
    fields = {name: _radio(text, answer_choices) for name, text in zip(instrument.field_names, wording.items)}
    difficulty_choices = [SelectChoice(str(i), label) for i, label in enumerate(wording.difficulty_answers)]
    fields[DIFFICULTY_FIELD] = _radio(wording.difficulty_question, difficulty_choices)
    fields["item_names"] = instrument.field_names
    return type(f"{instrument.name.replace('-', '')}Form", (CheckForm,), fields)
