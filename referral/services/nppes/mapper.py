"""Turning one NPPES row into the fields of a listing, or a reason it is skipped or rejected."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from itertools import compress
from operator import add
from typing import NamedTuple

from ...models import License, Office, Provider
from ..geocoding import US_STATES
from .columns import ColumnMap, values_at

ZIP_DIGITS = re.compile(r"^([0-9]{5})([0-9]{4})?$")
# The widths of the listing's columns: a longer value is refused here, before it can fail a batch.
NAME_MAX = Provider.__table__.c.last_name.type.length
CREDENTIAL_MAX = Provider.__table__.c.credentials.type.length
PHONE_MAX = Provider.__table__.c.phone.type.length
ADDRESS_MAX = Office.__table__.c.address1.type.length
CITY_MAX = Office.__table__.c.city.type.length
LICENSE_MAX = License.__table__.c.number.type.length
ADDRESS_UPPER = frozenset("N S E W NE NW SE SW PO US II III IV".split())
NAME_UPPER = frozenset("II III IV".split())
_WORDS = re.compile(r"([A-Z0-9]+)")
_ORDINAL = re.compile(r"^\d+(ST|ND|RD|TH)$")
SHOWN_MAX = 40  # characters of a bad value quoted in a report line
MEMO_SIZE = 1 << 15  # texts remembered per kind (names, places, streets) by CasedText
MEMO_TEXT_MAX = 200  # longer texts are cased but not remembered (no listing column holds them anyway)

# Why a row the import does not keep was left out (counted, not reported as an error).
SKIP_NOT_LISTED_TYPE = "no_listed_type"
SKIP_OUTSIDE_US = "outside_us"
SKIP_NOT_INDIVIDUAL = "not_individual"  # reached only through a reactivation date: organizations are not listed

# Luhn over the 80840 prefix, on the ASCII codes of the NPI's first nine digits: every other digit,
# from the ninth leftwards, is doubled (digits of the product summed); the prefix adds 24.
_DOUBLED = [0] * 48 + [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]
_NPI_BASE = 24 - 4 * ord("0")  # the four undoubled digits are summed as ASCII codes


class TaxonomyIndex(NamedTuple):
    """The behavioral-health taxonomy codes, and which of them map to one of our provider types."""

    behavioral: frozenset[str]
    provider_types: dict[str, int]


class MappedProvider(NamedTuple):
    """The registry fields of one listing as the directory stores them (office flattened), and their digest."""

    npi: str
    first_name: str
    last_name: str
    credentials: str
    provider_type_id: int
    taxonomy_code: str
    phone: str
    address1: str
    address2: str
    city: str
    state: str
    zip: str
    licenses: tuple[tuple[str, str], ...]
    row_hash: str


class Kept(NamedTuple):
    """A row that becomes (or updates) a listing; warnings name what was left out of it."""

    provider: MappedProvider
    warnings: tuple[str, ...] = ()


@dataclass
class Deactivated:
    """A deactivated NPI: its listing, if any, is hidden from search."""

    npi: str


@dataclass(frozen=True)
class Skipped:
    """A behavioral-health row the directory does not list (see SKIP_*)."""

    reason: str


@dataclass
class Rejected:
    """A malformed row: reported with its line number."""

    reason: str
    npi: str = ""


_NOT_LISTED_TYPE, _OUTSIDE_US, _NOT_INDIVIDUAL = (
    Skipped(SKIP_NOT_LISTED_TYPE), Skipped(SKIP_OUTSIDE_US), Skipped(SKIP_NOT_INDIVIDUAL)
)


def npi_check_digit_ok(npi: str) -> bool:
    """Whether an NPI is ten ASCII digits with a correct check digit (services.npi's rule, without Unicode digits)."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9 = npi.encode("ascii")
    d = _DOUBLED
    total = _NPI_BASE + d[d0] + d1 + d[d2] + d3 + d[d4] + d5 + d[d6] + d7 + d[d8]
    return (10 - total % 10) % 10 == d9 - 48


def shown(value: str) -> str:
    """A value quoted for a report line, cut short when long."""
    return repr(value) if len(value) <= SHOWN_MAX else repr(value[:SHOWN_MAX]) + f"... ({len(value):,} characters)"


def plain(value: str) -> str:
    """A value written into a report line as it is, or quoted (see shown) when long or unprintable."""
    return value if len(value) <= SHOWN_MAX and value.isprintable() else shown(value)


def reported_npi(npi: str) -> str:
    """What a report's NPI column says for a row: the value as read, unless it could not be an NPI at all."""
    return npi if len(npi) <= 20 and npi.isprintable() else ""


def row_digest(p: MappedProvider) -> str:
    """The digest of a listing's registry fields: equal digests mean nothing to update."""
    return _digest(*p[:13])


def _digest(npi, first_name, last_name, credentials, provider_type_id, taxonomy_code, phone,
            address1, address2, city, state, zip_code, licenses) -> str:
    # The text spells the fields as the repr of a provider record holding an office record: the digests
    # stored in nppes_records were made from that text, and another one would make the next import
    # rewrite every registry listing once.
    text = (
        f"MappedProvider(npi={npi!r}, first_name={first_name!r}, last_name={last_name!r}, "
        f"credentials={credentials!r}, provider_type_id={provider_type_id!r}, taxonomy_code={taxonomy_code!r}, "
        f"phone={phone!r}, office=MappedOffice(address1={address1!r}, address2={address2!r}, city={city!r}, "
        f"state={state!r}, zip={zip_code!r}), licenses={licenses!r})"
    )
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _case_word(match: re.Match, keep_upper: frozenset[str]) -> str:
    w = match.group(1)
    if w in keep_upper:
        return w
    if w[0].isdigit():
        return w.lower() if _ORDINAL.match(w) else w
    if w.startswith("MC") and len(w) > 3:
        return "Mc" + w[2:].capitalize()
    return w.capitalize()


def display_case(text: str, keep_upper: frozenset[str] = NAME_UPPER) -> str:
    """Registry text in capitals as a person would write it: "DIAZ-GREEN" -> "Diaz-Green", "50TH" -> "50th"."""
    if not text:
        return text
    if text.isalpha():  # one word of letters, the most common name: no splitting
        if not text.isupper() or text in keep_upper:
            return text
        return "Mc" + text[2:].capitalize() if text.startswith("MC") and len(text) > 3 else text.capitalize()
    words = text.split()
    if not text.isupper():
        return " ".join(words)  # already mixed case (or no letters): leave it as written
    for i, w in enumerate(words):
        if w in keep_upper or w.isdigit():
            continue
        if w.isalpha():
            words[i] = "Mc" + w[2:].capitalize() if w.startswith("MC") and len(w) > 3 else w.capitalize()
        else:
            words[i] = _WORDS.sub(lambda m: _case_word(m, keep_upper), w)
    return " ".join(words)


def format_phone(digits: str) -> str:
    """Ten digits as (212) 555-0100; anything else as given."""
    if not digits.isdigit():
        digits = re.sub(r"\D", "", digits)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits


def date_key(text: str) -> str:
    """A registry date (MM/DD/YYYY in the bulk file, YYYY-MM-DD in the API) as YYYYMMDD, or ""."""
    text = text.strip()
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        return text[6:] + text[:2] + text[3:5]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return text.replace("-", "")
    return ""


def is_deactivated(deactivation: str, reactivation: str) -> bool:
    """Whether the NPI is deactivated now: deactivated, and not reactivated on or after that date."""
    if not deactivation.strip():
        return False
    if not reactivation.strip():
        return True
    deactivated_on, reactivated_on = date_key(deactivation), date_key(reactivation)
    if deactivated_on and reactivated_on:
        return reactivated_on < deactivated_on
    return False


def unstorable(text: str) -> str | None:
    """Why a text cannot be stored as it is (a NUL byte, or a lone surrogate from JSON), or None."""
    if "\x00" in text:
        return "a NUL byte"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text that is not valid Unicode"
    return None


class CasedText(dict):
    """display_case results by raw text, remembered: names and cities repeat across the registry's rows.

    A lookup that hits is one C dictionary probe; a miss computes and stores. Bounded in count and in
    text length, so that a file of unique (or hostile, huge) values cannot make it grow without end.
    """

    def __init__(self, keep_upper: frozenset[str]):
        super().__init__()
        self.keep_upper = keep_upper

    def __missing__(self, text: str) -> str:
        cased = display_case(text, self.keep_upper)
        if len(text) <= MEMO_TEXT_MAX:
            if len(self) >= MEMO_SIZE:
                self.clear()
            self[text] = cased
        return cased


def _length_problem(**values: tuple[str, int]) -> str:
    label, (value, limit) = next((label, pair) for label, pair in values.items() if len(pair[0]) > pair[1])
    return f"the {label.replace('_', ' ')} is {len(value):,} characters long, more than the {limit} a listing holds"


class RowMapper:
    """Maps the rows of one file (its ColumnMap) onto listings."""

    def __init__(self, columns: ColumnMap, taxonomy: TaxonomyIndex):
        self.c = columns
        self.taxonomy = taxonomy
        self.slots = [(s.code, s.license, s.license_state, s.primary) for s in columns.slots]
        self._codes = values_at(tuple(s.code for s in columns.slots))
        self._license_numbers = values_at(tuple(s.license for s in columns.slots))
        self._names = CasedText(NAME_UPPER)
        self._places, self._streets = CasedText(ADDRESS_UPPER), CasedText(ADDRESS_UPPER)

    def map(self, row: list[str]):
        """Kept, Deactivated, Skipped or Rejected for a row that passed the cheap filter."""
        c = self.c
        npi = row[c.npi].strip()
        if not npi_check_digit_ok(npi):
            return Rejected(f"invalid NPI {shown(npi)}: not ten digits with a correct check digit", reported_npi(npi))
        if is_deactivated(row[c.deactivation_date], row[c.reactivation_date]):
            return Deactivated(npi)
        if row[c.entity_type].strip() != "1":
            return _NOT_INDIVIDUAL

        # The taxonomy groups in use (a code or a license number): usually one to three of fifteen,
        # picked out in C (a group's two texts concatenated are empty only when both are).
        in_use = compress(self.slots, map(add, self._codes(row), self._license_numbers(row)))
        codes = [(row[t].strip(), row[lic].strip(), row[st].strip().upper(), row[p].strip().upper())
                 for t, lic, st, p in in_use]
        provider_types = self.taxonomy.provider_types
        chosen = None
        for code, _, _, switch in codes:
            if switch == "Y":  # the primary code, when the directory lists its kind
                if code in provider_types:
                    chosen = code
                break
        if chosen is None:
            chosen = next((code for code, _, _, _ in codes if code in provider_types), None)
            if chosen is None:
                return _NOT_LISTED_TYPE

        country = row[c.country].strip().upper()
        if country and country not in ("US", "USA"):
            return _OUTSIDE_US
        state = row[c.state].strip().upper()
        if state not in US_STATES:
            problem = f"unknown practice-location state {shown(state)}" if state else "no practice-location state"
            return Rejected(problem, npi)
        zip_text = row[c.zip].strip()
        zip_match = ZIP_DIGITS.match(zip_text)
        if zip_match is None:
            return Rejected(f"invalid practice-location ZIP code {shown(zip_text)}", npi)
        names, streets = self._names, self._streets
        last_name = names[row[c.last_name]]
        if not last_name:
            return Rejected("no last name", npi)
        city = self._places[row[c.city]]
        if not city:
            return Rejected("no practice-location city", npi)
        first_name = names[row[c.first_name]]
        credentials = " ".join(row[c.credential].split())
        phone = format_phone(row[c.phone])
        address1 = streets[row[c.address1]]
        address2 = streets[row[c.address2]]
        if (len(last_name) > NAME_MAX or len(first_name) > NAME_MAX or len(credentials) > CREDENTIAL_MAX
                or len(phone) > PHONE_MAX or len(address1) > ADDRESS_MAX or len(address2) > ADDRESS_MAX
                or len(city) > CITY_MAX):
            return Rejected(_length_problem(
                last_name=(last_name, NAME_MAX), first_name=(first_name, NAME_MAX),
                credential=(credentials, CREDENTIAL_MAX), phone_number=(phone, PHONE_MAX),
                practice_location_address=(address1, ADDRESS_MAX), second_address_line=(address2, ADDRESS_MAX),
                practice_location_city=(city, CITY_MAX),
            ), npi)

        warnings: list[str] = []
        licenses: set[tuple[str, str]] = set()
        for _, number, license_state, _ in codes:
            if not number and not license_state:
                continue
            if license_state not in US_STATES:
                problem = f"unknown state {shown(license_state)}" if license_state else "no state"
                warnings.append(f"license {plain(number) or '(no number)'} has {problem}: left out")
                continue
            if len(number) > LICENSE_MAX:
                warnings.append(f"license number {shown(number)} is longer than {LICENSE_MAX} characters: left out")
                continue
            licenses.add((license_state, number))
        if len(licenses) > 1:
            # A state listed once with a number and once without: keep the numbered one.
            numbered = {st for st, number in licenses if number}
            licenses = {(st, number) for st, number in licenses if number or st not in numbered}

        problem = unstorable(first_name + last_name + credentials + address1 + address2 + city + phone
                             + "".join([number for _, number in licenses]))
        if problem is not None:
            return Rejected(f"the row holds {problem}", npi)

        plus4 = zip_match.group(2)
        zip_code = f"{zip_match.group(1)}-{plus4}" if plus4 else zip_match.group(1)
        fields = (npi, first_name, last_name, credentials, provider_types[chosen], chosen, phone,
                  address1, address2, city, state, zip_code, tuple(sorted(licenses)))
        provider = MappedProvider(*fields, _digest(*fields))
        return Kept(provider, tuple(warnings)) if warnings else Kept(provider)
