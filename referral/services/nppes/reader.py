"""Opening an NPPES file (bulk CSV, the CMS .zip around it, or NPI Registry API JSON) as a stream of rows."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import ValidationFailed
from . import columns as c

READ_CHUNK = 1 << 16
API_HEADER = c.api_layout_header()


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it and keeps the last few for a truncation check."""

    def __init__(self, stream):
        self._stream = stream
        self.count = 0
        self._last = self._previous = b""

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer) -> int:
        """Read into the buffer, counting."""
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        if size:
            self._previous, self._last = self._last, data
        return size

    def ends_mid_row(self) -> bool:
        """Whether the stream stopped inside a row: no final newline and an unclosed quote on the last line."""
        tail = self._previous + self._last
        if not tail or tail.endswith((b"\n", b"\r")):
            return False
        last_line = tail.rsplit(b"\n", 1)[-1]
        return last_line.count(b'"') % 2 == 1


@dataclass
class Source:
    """An open NPPES file: its header, its rows, and where the reading stands."""

    kind: str  # "csv" or "json"
    header: list[str]
    rows: Iterator[list[str]]
    position: Callable[[], int]  # the line (CSV) or record (JSON) number of the row last read
    bytes_read: Callable[[], int]
    total_bytes: int | None
    ends_mid_row: Callable[[], bool]

    @property
    def unit(self) -> str:
        """What a position counts: lines of a CSV file, records of a JSON file."""
        return "record" if self.kind == "json" else "line"


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed({"path": message})


@contextmanager
def open_source(path: str | Path) -> Iterator[Source]:
    """Open a .csv, a .zip holding npidata_pfile_*.csv, or an API .json file as a Source."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            member = _data_member(archive)
            with archive.open(member) as stream:
                yield _csv_source(stream, member.file_size)
        return
    with open(path, "rb") as stream:
        first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        stream.seek(0)
        if path.suffix.lower() == ".json" or first[:1] in (b"{", b"["):
            yield _json_source(stream)
        else:
            yield _csv_source(stream, path.stat().st_size)


def _data_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The bulk data CSV inside a CMS zip (not the _fileheader, other-name, location or endpoint files)."""
    csvs = [info for info in archive.infolist() if info.filename.lower().endswith(".csv")]
    data = [info for info in csvs if Path(info.filename).name.lower().startswith("npidata_pfile")
            and "fileheader" not in info.filename.lower()]
    candidates = data or (csvs if len(csvs) == 1 else [])
    if not candidates:
        raise _invalid("The zip file holds no npidata_pfile_*.csv.")
    return max(candidates, key=lambda info: info.file_size)


def _csv_source(stream, total_bytes: int | None) -> Source:
    counter = CountingReader(stream)
    text = io.TextIOWrapper(io.BufferedReader(counter, READ_CHUNK), encoding="utf-8-sig", errors="replace",
                            newline="")
    text._CHUNK_SIZE = READ_CHUNK  # fewer, larger reads than the 8 KiB default
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise _invalid("The file is empty.") from None
    except csv.Error as error:
        raise _invalid(f"The header line cannot be read as CSV: {error}.") from None
    return Source(
        kind="csv", header=header, rows=reader, position=lambda: reader.line_num,
        bytes_read=lambda: counter.count, total_bytes=total_bytes, ends_mid_row=counter.ends_mid_row,
    )


def _json_source(stream) -> Source:
    """API responses are at most a few hundred records a page, so the JSON is parsed whole."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    try:
        data = json.load(io.TextIOWrapper(stream, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise _invalid(f"The file is neither CSV nor valid JSON: {error}.") from None
    if isinstance(data, dict):
        results = data.get("results", [data] if "number" in data else None)
    else:
        results = data
    if not isinstance(results, list):
        raise _invalid('The JSON holds no NPI Registry "results" list.')
    state = {"position": 0}

    def rows() -> Iterator[list[str]]:
        for number, result in enumerate(results, start=1):
            state["position"] = number
            yield api_result_to_row(result) if isinstance(result, dict) else []

    return Source(
        kind="json", header=list(API_HEADER), rows=rows(), position=lambda: state["position"],
        bytes_read=lambda: size if state["position"] == len(results) else 0, total_bytes=size,
        ends_mid_row=lambda: False,
    )


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _digits(value) -> str:
    return "".join(ch for ch in _text(value) if ch.isdigit())


def api_result_to_row(result: dict) -> list[str]:
    """One NPI Registry API v2.1 result as a row in api_layout_header() order (bulk-file values)."""
    basic = result.get("basic") or {}
    location = next((a for a in result.get("addresses") or [] if _text(a.get("address_purpose")).upper() == "LOCATION"), {})
    country = _text(location.get("country_code")).upper()
    deactivated = _text(basic.get("deactivation_date"))
    if not deactivated and _text(basic.get("status")).upper() == "D":
        deactivated = "deactivated"  # the API gave no date; any non-empty value marks it
    enumeration = _text(result.get("enumeration_type")).upper()
    values = {
        c.NPI: _text(result.get("number")),
        c.ENTITY_TYPE: {"NPI-1": "1", "NPI-2": "2"}.get(enumeration, enumeration),
        c.LAST_NAME: _text(basic.get("last_name")),
        c.FIRST_NAME: _text(basic.get("first_name")),
        c.CREDENTIAL: _text(basic.get("credential")),
        c.ADDRESS1: _text(location.get("address_1")),
        c.ADDRESS2: _text(location.get("address_2")),
        c.CITY: _text(location.get("city")),
        c.STATE: _text(location.get("state")),
        c.ZIP: _text(location.get("postal_code")),
        c.COUNTRY: "" if country == "US" else country,
        c.PHONE: _digits(location.get("telephone_number")),
        c.DEACTIVATION_DATE: deactivated,
        c.REACTIVATION_DATE: _text(basic.get("reactivation_date")),
        c.SEX: _text(basic.get("sex") or basic.get("gender")),
    }
    for n, taxonomy in enumerate((result.get("taxonomies") or [])[: c.MAX_TAXONOMY_SLOTS], start=1):
        values[c.TAXONOMY.format(n)] = _text(taxonomy.get("code"))
        values[c.LICENSE.format(n)] = _text(taxonomy.get("license"))
        values[c.LICENSE_STATE.format(n)] = _text(taxonomy.get("state"))
        values[c.PRIMARY_SWITCH.format(n)] = "Y" if taxonomy.get("primary") is True else "N"
    return [values.get(name, "") for name in API_HEADER]
