"""The search form's choice inputs (checkbox lists, switches, selects), rendered once per process.

A results page carries over a hundred checkboxes. WTForms renders each through its widgets on every
request; here each input is rendered once, unticked and ticked, for a list of choices, and a request
only picks which of the two it shows. The markup is the same as WTForms' widgets would give.
"""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape


@lru_cache(maxsize=256)
def _checkbox_items(field_id: str, name: str, choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Markup, Markup], ...]:
    """Each choice's list item, unticked and ticked."""
    items = []
    for index, (value, label) in enumerate(choices):
        attributes = f'id="{escape(field_id)}-{index}" name="{escape(name)}" type="checkbox" value="{escape(value)}"'
        label_html = f'<label for="{escape(field_id)}-{index}">{escape(label)}</label>'
        items.append((value, Markup(f"<li><input {attributes}> {label_html}</li>"),
                      Markup(f"<li><input checked {attributes}> {label_html}</li>")))
    return tuple(items)


def checkbox_items(field) -> Markup:
    """A checkbox list field's items (<li>), ticked where the field's data says."""
    chosen = set(field.data or ())
    # Labels as the text shown (a lazy one read in the page's language), so each language has its own entries.
    items = _checkbox_items(field.id, field.name, tuple((c.value, str(c.label)) for c in field.choices))
    return Markup("").join(ticked if value in chosen else unticked for value, unticked, ticked in items)


@lru_cache(maxsize=256)
def _switch_item(field_id: str, name: str, label: str) -> tuple[Markup, Markup]:
    """One yes/no checkbox's list item, unticked and ticked (its value is "true")."""
    attributes = f'id="{escape(field_id)}" name="{escape(name)}" type="checkbox" value="true"'
    label_html = f'<label for="{escape(field_id)}">{escape(label)}</label>'
    return Markup(f"<li><input {attributes}> {label_html}</li>"), Markup(f"<li><input checked {attributes}> {label_html}</li>")


def switch_items(form, attributes) -> Markup:
    """The yes/no checkbox fields of these attributes as list items (<li>), ticked where the field's data is true."""
    fields = (form[attribute.search_parameter] for attribute in attributes)
    return Markup("").join(_switch_item(f.id, f.name, str(f.label.text))[1 if f.data else 0] for f in fields)


@lru_cache(maxsize=256)
def _select_options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Markup, Markup], ...]:
    """Each option, unselected and selected."""
    return tuple((value, Markup(f'<option value="{escape(value)}">{escape(label)}</option>'),
                  Markup(f'<option selected value="{escape(value)}">{escape(label)}</option>')) for value, label in choices)


def select_input(field) -> Markup:
    """A select field's <select> with the option its data names selected."""
    chosen = field.data
    options = _select_options(tuple((c.value, str(c.label)) for c in field.choices))
    body = Markup("").join(selected if value == chosen else plain for value, plain, selected in options)
    return Markup(f'<select id="{escape(field.id)}" name="{escape(field.name)}">') + body + Markup("</select>")
