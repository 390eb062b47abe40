"""Finding details that identify a patient in free text: dates of birth, phone numbers, email and street
addresses, and identifier numbers.

Tuned to let ordinary clinical text through: ZIP codes, years, scores ("PHQ-9 score 14"), frequencies,
doses and upcoming dates are not patient details.
"""
import re
from datetime import date

import phonenumbers

from ..i18n import lazy_gettext as _l
from ..models import utcnow

DATE_OF_BIRTH = "date_of_birth"
PHONE_NUMBER = "phone_number"
EMAIL_ADDRESS = "email_address"
STREET_ADDRESS = "street_address"
IDENTIFIER = "identifier"
# The kinds in the order they are reported, as a sentence names them.
KIND_LABELS = {
    DATE_OF_BIRTH: _l("a date of birth"),
    PHONE_NUMBER: _l("a phone number"),
    EMAIL_ADDRESS: _l("an email address"),
    STREET_ADDRESS: _l("a street address"),
    IDENTIFIER: _l("an identifying number"),
}

# A full date within this many years before today may be an appointment; an older one reads as a birth date.
RECENT_YEARS = 1

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_NUMBERS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# 02/03/1980, 2-3-80, 2.3.1980 (month and day in either order); 1980-02-03.
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/-]|\.\d)")
_ISO_DATE = re.compile(r"(?<![\d/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/-]|\.\d)")
# March 3, 1980; 3 March 1980; 3rd of March 1980.
_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
# "DOB", "date of birth", "born" right before a date or a number: a date of birth, whatever its year.
_BIRTH_LABEL = re.compile(rf"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?)\s*[:-]?\s*"
                          rf"(?=\d|{_MONTH}\b)", re.IGNORECASE)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# A house number, an optional direction, one to three capitalised (or ordinal) words and a street type.
_STREET_TYPE = (r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|"
                r"parkway|pkwy|highway|hwy|circle|cir|square|sq|way|plaza|trail)")
_STREET = re.compile(r"\b\d{1,6}[A-Za-z]?\s+(?:(?i:north|south|east|west)\s+|[NSEW]\.?\s+)?"
                     rf"(?:(?:\d+(?i:st|nd|rd|th)|[A-Z][A-Za-z'-]*)\s+){{1,3}}{_STREET_TYPE}\b")
_PO_BOX = re.compile(r"\b(?i:p\.?\s?o\.?\s*box)\s+\d+")

_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
# Seven digits or more, perhaps after a few letters: chart, member and policy numbers (a ZIP code has five).
_LONG_NUMBER = re.compile(r"\b[A-Za-z]{0,3}\d{7,}\b")
# A label naming an identifier, followed by a value holding a digit ("MRN: AB-1234", "Medicaid # 55X12").
_IDENTIFIER_LABEL = re.compile(
    r"\b(?i:mrn|ssn|social\s+security(?:\s+number)?|member\s*(?:id|#|no\.?|number)|medicaid|medicare|"
    r"policy\s*(?:id|#|no\.?|number)|chart\s*(?:#|no\.?|number))\W{0,3}(?=[A-Za-z-]*\d)[A-Za-z0-9-]{3,}")


def _year(text: str) -> int:
    """A four-digit year, or a two-digit one read as the latest year not after this one."""
    year = int(text)
    if len(text) == 2:
        this_year = utcnow().year
        year += 2000 if 2000 + year <= this_year else 1900
    return year


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _full_dates(text: str):
    """The (year, month, day) of each full date written in the text; numeric ones in US or day-first order."""
    for first, second, year in _NUMERIC_DATE.findall(text):
        year = _year(year)
        if _is_date(year, int(first), int(second)) or _is_date(year, int(second), int(first)):
            yield year
    for year, month, day in _ISO_DATE.findall(text):
        if _is_date(int(year), int(month), int(day)):
            yield int(year)
    for month, day, year in _MONTH_FIRST.findall(text):
        if _is_date(int(year), _MONTH_NUMBERS[month[:3].lower()], int(day)):
            yield int(year)
    for day, month, year in _DAY_FIRST.findall(text):
        if _is_date(int(year), _MONTH_NUMBERS[month[:3].lower()], int(day)):
            yield int(year)


def _has_date_of_birth(text: str) -> bool:
    if _BIRTH_LABEL.search(text):
        return True
    oldest_recent_year = utcnow().year - RECENT_YEARS
    return any(year < oldest_recent_year for year in _full_dates(text))


def _phone_spans(text: str) -> list[tuple[int, int]]:
    matcher = phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID)
    return [(match.start, match.end) for match in matcher]


def _blank(text: str, spans) -> str:
    """The text with the given spans replaced by spaces, so that later patterns do not see them again."""
    characters = list(text)
    for start, end in spans:
        characters[start:end] = " " * (end - start)
    return "".join(characters)


def find_patient_details(text: str) -> list[str]:
    """The kinds of patient detail the text appears to hold (keys of KIND_LABELS, in its order); empty if none."""
    found = set()
    if _has_date_of_birth(text):
        found.add(DATE_OF_BIRTH)
    phones = _phone_spans(text)
    if phones:
        found.add(PHONE_NUMBER)
    emails = [match.span() for match in _EMAIL.finditer(text)]
    if emails:
        found.add(EMAIL_ADDRESS)
    rest = _blank(text, phones + emails)  # a phone number or an address's digits are not also an identifier
    if _STREET.search(rest) or _PO_BOX.search(rest):
        found.add(STREET_ADDRESS)
    if _SSN.search(rest) or _LONG_NUMBER.search(rest) or _IDENTIFIER_LABEL.search(rest):
        found.add(IDENTIFIER)
    return [kind for kind in KIND_LABELS if kind in found]
