"""The search form."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

RADIUS_CHOICES = [SelectChoice(str(m), f"{m} miles") for m in (5, 10, 25, 50, 100)]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: several values of one parameter."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """Unknown values are reported by the search service, not here."""


class SearchForm(FlaskForm):
    """The directory search. A GET form: every result page is a URL that can be shared."""

    class Meta:
        csrf = False  # a GET search changes nothing

    near = StringField("ZIP code or city, state", render_kw={"autocomplete": "postal-code", "placeholder": "e.g. 10025 or Boise, ID"})
    lat = HiddenField()
    lng = HiddenField()
    radius = SelectField("Within", choices=RADIUS_CHOICES, default="25")
    q = SearchField("Name or keyword", validators=[Optional()])
    type = MultiCheckboxField("Type of clinician")
    modality = MultiCheckboxField("Therapy approach")
    frequency = MultiCheckboxField("How often")
    condition = MultiCheckboxField("Concerns")
    insurance = MultiCheckboxField("Insurance")
    language = MultiCheckboxField("Language")
    age_group = MultiCheckboxField("Ages served")
    telehealth = BooleanField("Offers telehealth", false_values=("false", "0", ""), render_kw={"value": "true"})
    in_person = BooleanField("Sees people in person", false_values=("false", "0", ""), render_kw={"value": "true"})
    accepting = BooleanField("Accepting new patients", false_values=("false", "0", ""), render_kw={"value": "true"})
    sliding_scale = BooleanField("Sliding-scale fees", false_values=("false", "0", ""), render_kw={"value": "true"})
    max_fee = IntegerField("Most I can pay per session ($)", validators=[Optional()], widget=NumberInput(min=0, step=5))

    def set_choices(self, lists: dict) -> None:
        """Fill the checkbox lists from the reference lists."""
        for name, items in lists.items():
            getattr(self, name).choices = [SelectChoice(item.slug, item.name) for item in items]
        chosen = self.radius.data
        if chosen and chosen not in {choice.value for choice in RADIUS_CHOICES}:
            self.radius.choices = RADIUS_CHOICES + [SelectChoice(chosen, f"{chosen} miles")]

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service validation errors next to the fields they concern."""
        for name, message in errors.items():
            target = "near" if name in ("lat", "lng") else name
            field = getattr(self, target, None)
            if field is None or not hasattr(field, "errors"):
                field = self.near
            field.errors = list(field.errors or []) + [message]

    @property
    def has_errors(self) -> bool:
        """Whether any field carries an error."""
        return any(field.errors for field in self)
