"""What a search asked for and how its results are ordered, in the words people read (never slugs)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import format_currency

from ..i18n import gettext as _, locale_name
from .attributes import AT_MOST, BY_NAME
from .reference_cache import reference_list
from .search_params import SearchCriteria


@dataclass(frozen=True)
class Chip:
    """One filter of a search: the attribute, the query parameter and value that ask for it, and its label."""

    name: str
    parameter: str
    value: str | None  # None for a filter with one value (yes/no, an amount): removing drops the parameter
    label: str


def dollars(amount) -> str:
    """A whole-dollar amount in the reader's language: $120 (no cents, no grouping)."""
    return _dollars_in(amount, locale_name())


@lru_cache(maxsize=4096)
def _dollars_in(amount, locale: str) -> str:
    # Babel formats a number in tens of microseconds; a results page shows dozens of the same few fees.
    return format_currency(amount, "USD", format="¤0", currency_digits=False, locale=locale)


def filter_chips(criteria: SearchCriteria) -> list[Chip]:
    """Every filter the search applies, labelled as people read it."""
    chips = []
    for name, value in criteria.filters.items():
        attribute = BY_NAME[name]
        parameter = attribute.search_parameter
        if name in criteria.values:
            labels = _labels(attribute, criteria.values[name])
            chips.extend(Chip(name, parameter, v, labels.get(v, v)) for v in criteria.values[name])
        elif attribute.filter == AT_MOST:
            chips.append(Chip(name, parameter, None, _("%(label)s at most %(amount)s", label=attribute.label,
                                                       amount=dollars(value))))
        elif value:
            chips.append(Chip(name, parameter, None, str(attribute.question)))
        else:
            chips.append(Chip(name, parameter, None, _("Not: %(question)s", question=str(attribute.question).lower())))
    return chips


def _labels(attribute, values: tuple[str, ...]) -> dict[str, str]:
    if attribute.reference is None:
        return {value: str(attribute.choice_label(value)) for value in values}
    items = reference_list(attribute.reference)
    return {value: items.by_id[items.id_by_slug[value]].label for value in values if value in items.id_by_slug}


def sort_note(criteria: SearchCriteria, stale_days: int) -> str:
    """How the results are ordered, said plainly; `stale_days` is how recent a confirmation of accepting must be."""
    if criteria.sort == "distance":
        return _("Nearest first.")
    if criteria.sort == "fee":
        return _("Lowest standard fee first; listings that give no standard fee come last.")
    if criteria.sort == "confirmed":
        return _("Most recently confirmed availability first; listings never confirmed come last.")
    if criteria.place is not None:
        return _("Best match: nearest mile first. Within each mile, clinicians accepting new patients (confirmed in "
                 "the last %(days)s days) come first, then those whose availability is not confirmed, then those not "
                 "accepting new patients; nearer before farther within each group.", days=stale_days)
    return _("Best match: clinicians accepting new patients (confirmed in the last %(days)s days) come first, then "
             "those whose availability is not confirmed, then those not accepting new patients; by name within each "
             "group.", days=stale_days)
