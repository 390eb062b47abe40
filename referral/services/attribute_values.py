"""Reading a listing attribute off a provider: as stored (editor, history), as published (JSON, CSV), as read."""
from __future__ import annotations


from ..i18n import gettext as _, lazy_gettext as _l, translated
from ..models import InsurancePlan, Provider
from .attributes import AT_MOST, ATTRIBUTES, AVAILABILITY, HOURS, HOURS_WINDOWS, Attribute
from .availability import availability_of
from .search import EVENING_STARTS, MORNING_ENDS, WEEKEND_DAYS, AvailabilityRules

# The days in English: the editor's field names are made from them.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The days as people read them, in the reader's language.
DAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
              _l("Sunday"))


def hours_windows(provider: Provider) -> list[str]:
    """The searchable windows (evenings, weekends, early-mornings) some office of the provider is open in."""
    found = set()
    for office in provider.offices:
        for window in office.hours:
            if window.closes > EVENING_STARTS:
                found.add("evenings")
            if window.day in WEEKEND_DAYS:
                found.add("weekends")
            if window.opens < MORNING_ENDS:
                found.add("early-mornings")
    return [choice.value for choice in HOURS_WINDOWS if choice.value in found]


def stored_value(provider: Provider, attribute: Attribute):
    """The attribute as stored, JSON-ready: slugs for reference lists, the raw column otherwise."""
    if attribute.filter == HOURS:
        return hours_windows(provider)
    value = getattr(provider, attribute.column)
    if attribute.reference is not None:
        if attribute.multiple:
            return sorted(item.slug for item in value)
        return value.slug if value is not None else None
    return value


def published_value(provider: Provider, attribute: Attribute, rules: AvailabilityRules):
    """The attribute as the API and the CSV export publish it (accepting means confirmed recently)."""
    if attribute.filter == AVAILABILITY:
        return availability_of(provider, rules).accepting
    if attribute.multiple and attribute.reference is not None:
        # Reference lists keep their display order (the relationship's order), not the alphabet.
        return [item.slug for item in getattr(provider, attribute.column)]
    return stored_value(provider, attribute)


def value_labels(provider: Provider, attribute: Attribute) -> list[str]:
    """The attribute's values as people read them, in the reader's language (empty when the listing says nothing)."""
    if attribute.filter == HOURS:
        return [str(attribute.choice_label(value)) for value in hours_windows(provider)]
    value = getattr(provider, attribute.column)
    if attribute.reference is not None:
        items = value if attribute.multiple else ([value] if value is not None else [])
        # Insurance plans are proper names; the other lists are read in the reader's language.
        return [item.name if attribute.reference is InsurancePlan else item.label for item in items]
    if attribute.choices:
        return [str(attribute.choice_label(value))] if value else []
    if isinstance(value, bool):
        return [str(translated(attribute.label))] if value else []
    if value is None or value == "":
        return []
    if attribute.filter == AT_MOST:
        return [f"${value}"]
    return [str(value)]


def shown_attributes(provider: Provider, section: str) -> list[tuple[Attribute, list[str]]]:
    """(attribute, its labels) for every attribute of a profile section that the listing fills in."""
    shown = []
    for attribute in _SHOWN_BY_SECTION.get(section, ()):
        labels = value_labels(provider, attribute)
        if labels:
            shown.append((attribute, labels))
    return shown


# The attributes each profile section shows (availability has its own badge).
_SHOWN_BY_SECTION: dict[str, tuple[Attribute, ...]] = {}
for _attribute in ATTRIBUTES:
    if _attribute.filter != AVAILABILITY:
        _SHOWN_BY_SECTION[_attribute.section] = _SHOWN_BY_SECTION.get(_attribute.section, ()) + (_attribute,)


def office_hours_lines(office) -> list[str]:
    """An office's weekly hours as lines people read: "Monday 9:00 am – 5:00 pm"."""
    return [_("%(day)s %(opens)s – %(closes)s", day=DAY_LABELS[window.day], opens=clock(window.opens),
              closes=clock(window.closes)) for window in office.hours]


def clock(minutes: int) -> str:
    """Minutes after midnight as a time of day: 9:00 am, 5:30 pm, midnight."""
    if minutes in (0, 1440):
        return _("midnight")
    hours, rest = divmod(minutes, 60)
    if hours < 12:
        return _("%(hour)d:%(minute)02d am", hour=(hours - 1) % 12 + 1, minute=rest)
    return _("%(hour)d:%(minute)02d pm", hour=(hours - 1) % 12 + 1, minute=rest)

