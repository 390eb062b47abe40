"""Jinja filters and globals: URLs that change one search parameter, dates, fees."""
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..i18n import locale_name

CRISIS = {
    "line": "988",
    "line_name": "988 Suicide & Crisis Lifeline",
    "emergency": "911",
}


def search_url(remove: tuple[str, str] | None = None, **changes) -> str:
    """The current search's URL with some parameters replaced (None drops one) and the page reset."""
    args = MultiDict(request.args)
    args.pop("page", None)
    for key, value in changes.items():
        args.pop(key, None)
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            args.add(key, item)
    if remove:
        key, value = remove
        kept = [v for v in args.getlist(key) if v != value]
        args.setlist(key, kept)
    return url_for("search.search", **args.to_dict(flat=False))


def page_url(page: int) -> str:
    """The current search on another page."""
    args = MultiDict(request.args)
    args.setlist("page", [str(page)])
    return url_for("search.search", **args.to_dict(flat=False))


def long_date(value: date | datetime | None) -> str:
    """A date as people read it: November 26, 2026 (26 de noviembre de 2026)."""
    if value is None:
        return ""
    # The stored day as it is: not moved into another time zone.
    return _long_date_in(value.date() if isinstance(value, datetime) else value, locale_name())


@lru_cache(maxsize=4096)
def _long_date_in(day: date, locale: str) -> str:
    # Babel formats a date in tens of microseconds, and a results page dates every card.
    return format_date(day, "long", locale=locale)


def fee_range(provider) -> str:
    """The fee range per session, or an empty string when unknown."""
    from ..services.search_summary import dollars

    low, high = provider.fee_min, provider.fee_max
    if low is None and high is None:
        return ""
    if low is not None and high is not None and low != high:
        return f"{dollars(low)}–{dollars(high)}"
    return dollars(low if low is not None else high)


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: blank lines separate them, nothing else is interpreted."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n") if block.strip()]
    return Markup("".join(f"<p>{escape(block)}</p>" for block in blocks))


def miles(value: float | None) -> str:
    """A distance for display."""
    if value is None:
        return ""
    return _miles_in(value, locale_name())


@lru_cache(maxsize=4096)
def _miles_in(value: float, locale: str) -> str:
    # The float's exact value, so that it rounds as Python's own formatting did (3.15 is just under, so 3.1).
    exact = Decimal(value)
    return f"{format_decimal(exact, '0.0' if value < 10 else '0', locale=locale)} mi"


def availability(provider):
    """A listing's availability under the configured confirmation rules."""
    from ..services.availability import availability_of
    from ..services.search import AvailabilityRules

    return availability_of(provider, AvailabilityRules.from_config(current_app.config))


def filter_chips(criteria) -> list:
    """The search's filters, each with its label and the URL of the same search without it."""
    from ..services.search_summary import filter_chips as chips_of

    return [SimpleNamespace(name=chip.name, label=chip.label,
                            url=search_url(remove=(chip.parameter, chip.value)) if chip.value is not None
                            else search_url(**{chip.parameter: None}))
            for chip in chips_of(criteria)]


def listing_attributes(section: str, *, editable: bool = False) -> list:
    """The listing attributes of one section of a profile or the editor, in registry order."""
    from ..services.attributes import ATTRIBUTES

    return [a for a in ATTRIBUTES if a.section == section and (a.editable or not editable)]


def register(app) -> None:
    """Install the helpers on the app's Jinja environment."""
    from ..services.attribute_values import office_hours_lines, shown_attributes
    from ..services.search_summary import dollars, sort_note
    from .forms.listings import HOURS_FIELDS
    from .choice_inputs import checkbox_items, select_input, switch_items
    from .forms.search import AMOUNTS, GROUPS, SWITCHES

    app.jinja_env.globals.update(search_url=search_url, page_url=page_url, crisis=CRISIS, availability=availability,
                                 listing_attributes=listing_attributes, shown_attributes=shown_attributes,
                                 office_hours_lines=office_hours_lines, hours_fields=HOURS_FIELDS,
                                 filter_chips=filter_chips, sort_note=sort_note, checkbox_items=checkbox_items,
                                 switch_items=switch_items, select_input=select_input, search_switches=SWITCHES,
                                 search_groups=GROUPS, search_amounts=AMOUNTS)
    app.jinja_env.filters.update(long_date=long_date, fee_range=fee_range, dollars=dollars, paragraphs=paragraphs,
                                 miles=miles)
