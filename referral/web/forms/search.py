"""The search form: the place, then one field per searchable listing attribute (services/attributes.py)."""
import math

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from ...i18n import gettext as _, lazy_gettext as _l
from ...services.attributes import ANY_OF, AT_MOST, AVAILABILITY, HOURS, SEARCHABLE, SORTS, YES_NO
from ...services.search_params import given
from ..context import search_limits

RADIUS_CHOICES = [SelectChoice(str(m), _l("%(miles)s miles", miles=m)) for m in (5, 10, 25, 50, 100)]
# What the page calls the hidden latitude and longitude that "Use my location" fills in.
LOCATION_LABEL = _l("Your location")
SORT_CHOICES = [SelectChoice(choice.value, choice.label) for choice in SORTS]
# How the page groups the attribute filters: yes/no switches together, lists as open-able groups.
SWITCHES = tuple(a for a in SEARCHABLE if a.filter in (YES_NO, AVAILABILITY))
GROUPS = tuple(a for a in SEARCHABLE if a.filter in (ANY_OF, HOURS))
AMOUNTS = tuple(a for a in SEARCHABLE if a.filter == AT_MOST)


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

        def wrap_formdata(self, form, formdata):
            """The query string as the search reads it: a parameter with an empty value is no parameter."""
            formdata = super().wrap_formdata(form, formdata)
            return None if formdata is None else given(formdata)

    near = StringField(_l("ZIP code or city, state"),
                       render_kw={"autocomplete": "postal-code", "placeholder": _l("e.g. 10025 or Boise, ID")})
    lat = HiddenField()
    lng = HiddenField()
    radius = SelectField(_l("Within"), choices=RADIUS_CHOICES, default="25")
    q = SearchField(_l("Name or keyword"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="best")

    def set_choices(self, lists: dict) -> None:
        """Fill the checkbox lists: `lists` maps a reference list's output key to its items."""
        for attribute in GROUPS:
            if attribute.reference is not None:
                items = [SelectChoice(item.slug, item.label) for item in lists[attribute.output_key]]
            else:
                items = [SelectChoice(choice.value, choice.label) for choice in attribute.choices]
            self[attribute.search_parameter].choices = items
        chosen = self.radius.data
        if chosen and chosen not in {choice.value for choice in RADIUS_CHOICES}:
            # A radius typed into the URL is offered only when it is a distance the search accepts.
            miles = _accepted_miles(chosen)
            if miles is None:
                self.radius.data = self.radius.default
            else:
                self.radius.choices = RADIUS_CHOICES + [SelectChoice(chosen, _("%(miles)s miles", miles=f"{miles:g}"))]

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service validation errors next to the fields they concern."""
        for name, message in errors.items():
            target = "near" if name in ("lat", "lng") else name
            field = getattr(self, target, None)
            if field is None or not hasattr(field, "errors"):
                field = self.near
            if message.startswith(f"{name} "):
                # The service names the parameter (right for the API); the page names what the visitor sees.
                label = LOCATION_LABEL if name in ("lat", "lng") else field.label.text
                message = _("“%(field)s” %(problem)s", field=label, problem=message[len(name) + 1:])
            field.errors = list(field.errors or []) + [message]

    @property
    def fee_and_keyword(self) -> list:
        """The typed-in filters, shown together: each amount, then the keyword."""
        return [self[a.search_parameter] for a in AMOUNTS] + [self.q]

    @property
    def filters_in_effect(self) -> int:
        """How many filters the visitor has set: each ticked choice or switch, each amount, the keyword."""
        ticked = sum(len(self[a.search_parameter].data or ()) for a in GROUPS)
        switched = sum(1 for a in SWITCHES if self[a.search_parameter].data)
        return ticked + switched + sum(1 for f in self.fee_and_keyword if f.raw_data)

    @property
    def has_errors(self) -> bool:
        """Whether any field carries an error."""
        return any(field.errors for field in self)


def _accepted_miles(raw: str) -> float | None:
    """The distance a typed radius asks for, when the search accepts it (the error is the search's to give)."""
    try:
        miles = float(raw)
    except ValueError:
        return None
    return miles if math.isfinite(miles) and 1 <= miles <= search_limits().max_radius else None


def _search_field(attribute):
    """The search form's field for one searchable attribute, labelled with the question the form asks."""
    if attribute.filter in (ANY_OF, HOURS):
        return MultiCheckboxField(attribute.question, description=attribute.help)
    if attribute.filter in (YES_NO, AVAILABILITY):
        return BooleanField(attribute.question, false_values=("false", "0", ""), render_kw={"value": "true"},
                            description=attribute.help)
    return IntegerField(attribute.question, validators=[Optional()], widget=NumberInput(min=0, step=5),
                        description=attribute.help)


for _attribute in SEARCHABLE:
    setattr(SearchForm, _attribute.search_parameter, _search_field(_attribute))
