"""The search form's choice inputs, rendered once per process, give exactly WTForms' own markup."""
import pytest
from werkzeug.datastructures import MultiDict

from referral.services.attributes import SEARCHABLE
from referral.services.reference import items_by_attribute
from referral.web.choice_inputs import checkbox_items, select_input, switch_items
from referral.web.forms import SearchForm
from referral.web.forms.search import GROUPS, SWITCHES

ASKED = [
    "",
    "modality=psychodynamic&modality=cbt&frequency=weekly&accepting=true&telehealth=true&radius=10&sort=fee",
    "radius=15&hours=evenings&language=es&sort=nonsense&modality=%3Cscript%3E",
    "radius=%22%3E%3Cb%3E&in_person=false&gender=woman",
]


def form_for(app, query: str) -> SearchForm:
    """The search form as the page builds it for a query string."""
    form = SearchForm(MultiDict(pair.split("=", 1) for pair in query.split("&") if pair))
    form.set_choices(items_by_attribute(SEARCHABLE))
    return form


@pytest.mark.parametrize("query", ASKED)
def test_the_inputs_are_the_markup_wtforms_renders(app, query):
    with app.test_request_context(f"/search?{query}"):
        form = form_for(app, query)
        for attribute in GROUPS:
            field = form[attribute.search_parameter]
            assert str(checkbox_items(field)) == "".join(f"<li>{option()} {option.label}</li>" for option in field)
        wtforms_switches = "".join(f"<li>{form[a.search_parameter]()} {form[a.search_parameter].label}</li>" for a in SWITCHES)
        assert str(switch_items(form, SWITCHES)) == wtforms_switches
        for name in ("radius", "sort"):
            assert str(select_input(form[name])) == str(form[name]())


def test_labels_and_values_are_escaped(app):
    with app.test_request_context("/search"):
        form = form_for(app, "")
        field = form["modality"]
        field.choices = [type(field.choices[0])('"><script>', "<b>bold</b>")]
        html = str(checkbox_items(field))
        assert "<script>" not in html and "<b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
