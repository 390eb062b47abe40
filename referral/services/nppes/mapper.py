"""Turning one NPPES row into the fields of a listing, or a reason it is skipped or rejected."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..geocoding import US_STATES
from ..npi import npi_is_valid
from .columns import ColumnMap

ZIP_DIGITS = re.compile(r"^(\d{5})(\d{4})?$")
# Column widths of the listing tables: registry values never exceed them, but a bad file must not
# fail a whole batch in PostgreSQL.
NAME_MAX, CREDENTIAL_MAX, ADDRESS_MAX, CITY_MAX, LICENSE_MAX = 80, 80, 160, 80, 40
ADDRESS_UPPER = frozenset("N S E W NE NW SE SW PO US II III IV".split())
NAME_UPPER = frozenset("II III IV".split())
_WORDS = re.compile(r"([A-Z0-9]+)")
_ORDINAL = re.compile(r"^\d+(ST|ND|RD|TH)$")

# Why a row the import does not keep was left out (counted, not reported as an error).
SKIP_NOT_LISTED_TYPE = "no_listed_type"
SKIP_OUTSIDE_US = "outside_us"
SKIP_NOT_INDIVIDUAL = "not_individual"  # reached only through a reactivation date: organizations are not listed


@dataclass(frozen=True)
class TaxonomyIndex:
    """The behavioral-health taxonomy codes, and which of them map to one of our provider types."""

    behavioral: frozenset[str]
    provider_types: dict[str, int]


@dataclass(frozen=True)
class MappedOffice:
    """The practice location."""

    address1: str
    address2: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class MappedProvider:
    """The registry fields of one listing, as the directory stores them."""

    npi: str
    first_name: str
    last_name: str
    credentials: str
    provider_type_id: int
    taxonomy_code: str
    phone: str
    office: MappedOffice
    licenses: tuple[tuple[str, str], ...]

    def row_hash(self) -> str:
        """A digest of every registry field: equal digests mean nothing to update."""
        return hashlib.blake2b(repr(self).encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class Kept:
    """A row that becomes (or updates) a listing; warnings name what was left out of it."""

    provider: MappedProvider
    warnings: list[str] = field(default_factory=list)


@dataclass
class Deactivated:
    """A deactivated NPI: its listing, if any, is hidden from search."""

    npi: str


@dataclass
class Skipped:
    """A behavioral-health row the directory does not list (see SKIP_*)."""

    reason: str


@dataclass
class Rejected:
    """A malformed row: reported with its line number."""

    reason: str
    npi: str = ""


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
    words = text.split()
    if not text.isupper():
        return " ".join(words)  # already mixed case (or no letters): leave it as written
    out = []
    for w in words:
        if w in keep_upper:
            out.append(w)
        elif w.isalpha():  # the common case, without a regex
            out.append("Mc" + w[2:].capitalize() if w.startswith("MC") and len(w) > 3 else w.capitalize())
        else:
            out.append(_WORDS.sub(lambda m: _case_word(m, keep_upper), w))
    return " ".join(out)


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


class RowMapper:
    """Maps the rows of one file (its ColumnMap) onto listings."""

    def __init__(self, columns: ColumnMap, taxonomy: TaxonomyIndex):
        self.c = columns
        self.taxonomy = taxonomy
        self.slots = [(s.code, s.license, s.license_state, s.primary) for s in columns.slots]

    def map(self, row: list[str]):
        """Kept, Deactivated, Skipped or Rejected for a row that passed the cheap filter."""
        c = self.c
        npi = row[c.npi].strip()
        if not npi_is_valid(npi):
            return Rejected(f"invalid NPI {npi!r}: not ten digits with a correct check digit", npi)
        if is_deactivated(row[c.deactivation_date], row[c.reactivation_date]):
            return Deactivated(npi)
        if row[c.entity_type].strip() != "1":
            return Skipped(SKIP_NOT_INDIVIDUAL)

        codes = [(row[t].strip(), row[lic].strip(), row[st].strip().upper(), row[p].strip().upper())
                 for t, lic, st, p in self.slots if row[t] or row[lic]]
        provider_types = self.taxonomy.provider_types
        primary = next((code for code, _, _, switch in codes if switch == "Y"), None)
        chosen = primary if primary in provider_types else next(
            (code for code, _, _, _ in codes if code in provider_types), None
        )
        if chosen is None:
            return Skipped(SKIP_NOT_LISTED_TYPE)

        country = row[c.country].strip().upper()
        if country and country not in ("US", "USA"):
            return Skipped(SKIP_OUTSIDE_US)
        state = row[c.state].strip().upper()
        if state not in US_STATES:
            return Rejected(f"unknown practice-location state {state!r}" if state else "no practice-location state", npi)
        zip_match = ZIP_DIGITS.match(row[c.zip].strip())
        if zip_match is None:
            return Rejected(f"invalid practice-location ZIP code {row[c.zip].strip()!r}", npi)
        last_name = display_case(row[c.last_name])[:NAME_MAX]
        if not last_name:
            return Rejected("no last name", npi)
        city = display_case(row[c.city], ADDRESS_UPPER)[:CITY_MAX]
        if not city:
            return Rejected("no practice-location city", npi)

        warnings: list[str] = []
        licenses: set[tuple[str, str]] = set()
        for _, number, license_state, _ in codes:
            if not number and not license_state:
                continue
            if license_state not in US_STATES:
                problem = f"unknown state {license_state!r}" if license_state else "no state"
                warnings.append(f"license {number or '(no number)'} has {problem}: left out")
                continue
            licenses.add((license_state, number[:LICENSE_MAX]))
        # A state listed once with a number and once without: keep the numbered one.
        numbered = {st for st, number in licenses if number}
        licenses = {(st, number) for st, number in licenses if number or st not in numbered}

        zip_code = zip_match.group(1) + (f"-{zip_match.group(2)}" if zip_match.group(2) else "")
        provider = MappedProvider(
            npi=npi,
            first_name=display_case(row[c.first_name])[:NAME_MAX],
            last_name=last_name,
            credentials=" ".join(row[c.credential].split())[:CREDENTIAL_MAX],
            provider_type_id=provider_types[chosen],
            taxonomy_code=chosen,
            phone=format_phone(row[c.phone]),
            office=MappedOffice(
                address1=display_case(row[c.address1], ADDRESS_UPPER)[:ADDRESS_MAX],
                address2=display_case(row[c.address2], ADDRESS_UPPER)[:ADDRESS_MAX],
                city=city, state=state, zip=zip_code,
            ),
            licenses=tuple(sorted(licenses)),
        )
        return Kept(provider, warnings)
