"""The NPPES columns the import reads, found by name (CMS renames and reorders them between layouts)."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Callable

from ..errors import ValidationFailed

NPI = "NPI"
ENTITY_TYPE = "Entity Type Code"
LAST_NAME = "Provider Last Name (Legal Name)"
FIRST_NAME = "Provider First Name"
CREDENTIAL = "Provider Credential Text"
ADDRESS1 = "Provider First Line Business Practice Location Address"
ADDRESS2 = "Provider Second Line Business Practice Location Address"
CITY = "Provider Business Practice Location Address City Name"
STATE = "Provider Business Practice Location Address State Name"
ZIP = "Provider Business Practice Location Address Postal Code"
COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
PHONE = "Provider Business Practice Location Address Telephone Number"
DEACTIVATION_DATE = "NPI Deactivation Date"
REACTIVATION_DATE = "NPI Reactivation Date"
SEX = "Provider Sex Code"
TAXONOMY = "Healthcare Provider Taxonomy Code_{}"
LICENSE = "Provider License Number_{}"
LICENSE_STATE = "Provider License Number State Code_{}"
PRIMARY_SWITCH = "Healthcare Provider Primary Taxonomy Switch_{}"

REQUIRED = (
    NPI, ENTITY_TYPE, LAST_NAME, FIRST_NAME, CREDENTIAL, ADDRESS1, ADDRESS2, CITY, STATE, ZIP, COUNTRY, PHONE,
    DEACTIVATION_DATE, REACTIVATION_DATE,
)
# Earlier names of a column, tried after the current one. Files before 2025 say "Gender".
ALIASES = {
    SEX: ("Provider Gender Code",),
}
MAX_TAXONOMY_SLOTS = 15  # the bulk file has 15 taxonomy/license groups per provider


class MissingColumns(ValidationFailed):
    """The file lacks columns the import needs; nothing was read past the header."""

    def __init__(self, missing: list[str]):
        self.missing = list(missing)
        super().__init__({"columns": "The file is missing required columns: " + "; ".join(self.missing) + "."})


def normalize_name(name: str) -> str:
    """A header name folded for matching: lower case, punctuation and spacing ignored."""
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


@dataclass(frozen=True)
class TaxonomySlot:
    """Where one taxonomy group (code, license number, license state, primary switch) sits in a row."""

    code: int
    license: int
    license_state: int
    primary: int


@dataclass(frozen=True)
class ColumnMap:
    """The position of every column the import reads, for one file's header."""

    width: int
    npi: int
    entity_type: int
    last_name: int
    first_name: int
    credential: int
    address1: int
    address2: int
    city: int
    state: int
    zip: int
    country: int
    phone: int
    deactivation_date: int
    reactivation_date: int
    sex: int | None  # optional and not stored (listings show no sex); found to check the alias rule
    slots: tuple[TaxonomySlot, ...]

    @property
    def taxonomy_indexes(self) -> tuple[int, ...]:
        """Positions of the taxonomy code columns."""
        return tuple(slot.code for slot in self.slots)


def resolve_columns(header: list[str]) -> ColumnMap:
    """Find every needed column in a header by name; raise MissingColumns naming any that are absent."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(normalize_name(name), index)

    def find(name: str) -> int | None:
        for candidate in (name, *ALIASES.get(name, ())):
            index = positions.get(normalize_name(candidate))
            if index is not None:
                return index
        return None

    missing: list[str] = []
    found: dict[str, int] = {}
    for name in REQUIRED:
        index = find(name)
        if index is None:
            missing.append(name)
        else:
            found[name] = index

    slots: list[TaxonomySlot] = []
    for n in range(1, MAX_TAXONOMY_SLOTS + 1):
        code = find(TAXONOMY.format(n))
        if code is None:
            if n == 1:
                missing.append(TAXONOMY.format(n))
            break
        parts = {}
        for template in (LICENSE, LICENSE_STATE, PRIMARY_SWITCH):
            index = find(template.format(n))
            if index is None:
                missing.append(template.format(n))
            parts[template] = index
        if None not in parts.values():
            slots.append(TaxonomySlot(code, parts[LICENSE], parts[LICENSE_STATE], parts[PRIMARY_SWITCH]))
    if missing:
        raise MissingColumns(missing)
    return ColumnMap(
        width=len(header),
        npi=found[NPI], entity_type=found[ENTITY_TYPE], last_name=found[LAST_NAME], first_name=found[FIRST_NAME],
        credential=found[CREDENTIAL], address1=found[ADDRESS1], address2=found[ADDRESS2], city=found[CITY],
        state=found[STATE], zip=found[ZIP], country=found[COUNTRY], phone=found[PHONE],
        deactivation_date=found[DEACTIVATION_DATE], reactivation_date=found[REACTIVATION_DATE],
        sex=find(SEX), slots=tuple(slots),
    )


def values_at(indexes: tuple[int, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """A function giving a row's values at these positions, always as a tuple (done in C)."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)  # an itemgetter of one index gives a bare value
    return itemgetter(*indexes)


def compact_columns(columns: ColumnMap) -> tuple[tuple[int, ...], ColumnMap]:
    """The positions of the columns the import reads, and the ColumnMap of a row cut down to those, in that order."""
    single = {f.name: getattr(columns, f.name) for f in fields(ColumnMap) if f.name not in ("width", "sex", "slots")}
    in_slots = {i for slot in columns.slots for i in (slot.code, slot.license, slot.license_state, slot.primary)}
    indexes = tuple(sorted(set(single.values()) | in_slots))
    at = {index: n for n, index in enumerate(indexes)}
    slots = tuple(TaxonomySlot(at[s.code], at[s.license], at[s.license_state], at[s.primary]) for s in columns.slots)
    return indexes, ColumnMap(width=len(indexes), sex=None, slots=slots, **{name: at[i] for name, i in single.items()})


def api_layout_header() -> list[str]:
    """The header of the rows the API JSON reader builds: the bulk file's names, in a compact order."""
    header = [*REQUIRED, SEX]
    for n in range(1, MAX_TAXONOMY_SLOTS + 1):
        header += [template.format(n) for template in (TAXONOMY, LICENSE, LICENSE_STATE, PRIMARY_SWITCH)]
    return header
