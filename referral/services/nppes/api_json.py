"""NPI Registry API JSON, streamed with ijson: one record in memory at a time, whatever the file's size.

The file is read as parser events. A record is built from them only up to MAX_RECORD_BYTES of JSON (a
longer one is passed over and reported); beneath the parser, a stretch of more than that without a
quote (one huge string or number, which the parser would hold whole) stops the import, as do bytes that
are not UTF-8. The first record settles the file's shape: anything but a provider record there is refused.
"""
from __future__ import annotations

import codecs
import re
from typing import BinaryIO

import ijson
from ijson.common import ObjectBuilder

from ..errors import ValidationFailed
from . import columns as c
from .encoding import guess_encoding, looks_like
from .lines import MAX_LINE_BYTES, READ_SIZE
from .source import BadRow, Source

API_HEADER = c.api_layout_header()
MAX_RECORD_BYTES = MAX_LINE_BYTES  # a record of the API is a few KB, like a line of the bulk file
EXPECTED_SHAPE = ('NPI Registry API JSON: an object with a "results" list of provider records (each with a '
                  '"number"), as the API returns, a list of such records, or one record')
_OPENING = {"start_map", "start_array"}
_CLOSING = {"end_map", "end_array"}
_UNESCAPED_QUOTE = re.compile(rb'(?<!\\)"')
_TOO_LARGE = object()
# ijson's C parser (yajl) turns a lone surrogate escape ("\ud800") into "?" without a word; its pure-Python
# one, ten times slower, keeps it, so that the mapper can refuse the row. It reads the files that escape one.
_EXACT_PARSER = ijson.get_backend("python")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed({"path": message})


def _last_unescaped_quote(data: bytes) -> int:
    end = data.rfind(b'"')
    while end > 0 and data[end - 1] == 0x5C:  # a backslash: an escaped quote, inside a string
        end = data.rfind(b'"', 0, end)
    return end


class GuardedStream:
    """A binary file read for the parser: its bytes counted, checked to be UTF-8, and no value longer than the limit."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.count = 0
        self._since_quote = 0  # bytes since the last quote that ends or starts a string
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes, checked."""
        data = self._stream.read(size)
        self.count += len(data)
        try:
            if not data.isascii() or not data or self._utf8.getstate()[0]:
                self._utf8.decode(data, final=not data)
        except UnicodeDecodeError:
            raise _invalid(f"The JSON file is not UTF-8, as JSON must be: {looks_like(guess_encoding(data))}. "
                           "Save it as UTF-8 and import it again.") from None
        first = _UNESCAPED_QUOTE.search(data)
        if first is None:
            self._since_quote += len(data)
        else:
            self._since_quote += first.start()
            self._check_value_length()
            self._since_quote = len(data) - _last_unescaped_quote(data) - 1
        self._check_value_length()
        return data

    def _check_value_length(self) -> None:
        if self._since_quote > MAX_RECORD_BYTES:
            raise _invalid(f"The JSON file holds a value longer than {MAX_RECORD_BYTES:,} bytes (near byte "
                           f"{self.count:,}): no NPI Registry record holds one that long.")


def _escapes_a_surrogate(stream: BinaryIO) -> bool:
    """Whether the JSON text escapes a UTF-16 surrogate anywhere (read through once, then rewound)."""
    tail = b""
    try:
        while chunk := stream.read(READ_SIZE):
            if _SURROGATE_ESCAPE.search(tail + chunk):
                return True
            tail = chunk[-5:]
        return False
    finally:
        stream.seek(0)


class ApiRecords:
    """The rows of an API JSON file, a record at a time; a record that is no provider's raises BadRow."""

    def __init__(self, stream: BinaryIO):
        parser = _EXACT_PARSER if _escapes_a_surrogate(stream) else ijson
        self.guard = GuardedStream(stream)
        self._events = parser.basic_parse(self.guard, use_float=True, buf_size=READ_SIZE)
        self.position = 0  # the record last read
        self._single: dict | None = None  # the file's one record, when it is a bare record
        self._finished = False
        self._find_records()
        self._first = self._next_record()

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        record = self._first if self._first is not None else self._next_record()
        self._first = None
        if record is None:
            raise StopIteration
        if isinstance(record, BadRow):
            raise record
        return record

    def _event(self) -> tuple[str, object]:
        try:
            return next(self._events)
        except StopIteration:
            raise _invalid("The JSON file ends too soon: " + ("it holds no value." if not self.position else
                           f"it stops inside record {self.position:,}.")) from None
        except ijson.JSONError as error:
            raise self._not_json(error) from None

    def _not_json(self, error: ijson.JSONError) -> ValidationFailed:
        detail = error.args[0] if error.args else ""
        detail = (detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)).strip()
        detail = (detail.splitlines() or ["not JSON"])[0].rstrip(".")
        if not self.position:
            return _invalid(f"The file is neither CSV nor valid JSON: {detail}.")
        return _invalid(f"The file stops being valid JSON after record {self.position:,}: {detail}.")

    def _value(self, event: str, value):
        """The value that starts with this event, built whole; _TOO_LARGE (its events read past) when over the limit."""
        if event not in _OPENING:
            return value
        builder, depth, start = ObjectBuilder(), 1, self.guard.count
        builder.event(event, value)
        while depth:
            event, value = self._event()
            if event in _OPENING:
                depth += 1
            elif event in _CLOSING:
                depth -= 1
            if builder is not None:
                builder.event(event, value)
                if self.guard.count - start > MAX_RECORD_BYTES:
                    builder = None
        return _TOO_LARGE if builder is None else builder.value

    def _find_records(self) -> None:
        """Read up to the first record: the start of the top-level list, or of the "results" list, or a bare record."""
        event, value = self._event()
        if event == "start_array":
            return
        if event != "start_map":
            raise self._wrong_shape(f"the file holds a single {_json_type(value)}")
        envelope, start = {}, self.guard.count
        while True:
            event, key = self._event()
            if event == "end_map":
                break
            if key == "results":
                event, value = self._event()
                if event != "start_array":
                    raise self._wrong_shape(f'its "results" is {_a(_json_type(value, event))}, not a list')
                return
            envelope[key] = self._value(*self._event())
            if self.guard.count - start > MAX_RECORD_BYTES:
                raise self._wrong_shape(f'its top-level object holds more than {MAX_RECORD_BYTES:,} bytes before any '
                                        '"results", and no record is that large')
        if "number" not in envelope:
            raise self._wrong_shape('its top-level object has neither "results" nor a "number"')
        self._single = envelope

    def _next_record(self) -> list[str] | BadRow | None:
        """The next record's row, a BadRow, or None after the last."""
        if self._finished:
            return None
        if self._single is not None:
            self.position, record, self._single = 1, self._single, None
            self._finish()
            return api_result_to_row(record)
        event, value = self._event()
        if event == "end_array":
            self._finish()
            return None
        self.position += 1
        record = self._value(event, value)
        if record is _TOO_LARGE:
            return BadRow(f"record too large: more than {MAX_RECORD_BYTES:,} bytes of JSON; not read")
        if isinstance(record, dict) and "number" in record:
            return api_result_to_row(record)
        found = 'an object without a "number"' if isinstance(record, dict) else _a(_json_type(record, event))
        if self.position == 1:
            raise self._wrong_shape(f"its first record is {found}")
        return BadRow(f"not an NPI Registry record: {found}")

    def _finish(self) -> None:
        """Read to the end of the file (past the rest of an object around "results"), reporting what is not JSON."""
        self._finished = True
        try:
            for _ in self._events:
                pass
        except ijson.JSONError as error:
            raise self._not_json(error) from None

    def _wrong_shape(self, found: str) -> ValidationFailed:
        return _invalid(f"The JSON is not in a shape the import reads: {found}. Expected {EXPECTED_SHAPE}.")


def _json_type(value, event: str | None = None) -> str:
    if event == "start_map" or isinstance(value, dict):
        return "object"
    if event == "start_array" or isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    return "number"


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def json_source(stream: BinaryIO, total_bytes: int) -> Source:
    """An API JSON file as a Source of rows in api_layout_header() order; raises ValidationFailed on another shape."""
    records = ApiRecords(stream)
    return Source(
        kind="json", header=list(API_HEADER), rows=records, position=lambda: records.position,
        bytes_read=lambda: records.guard.count, total_bytes=total_bytes, ends_mid_row=lambda: False,
        bad_line=lambda row: None, notes=tuple,
    )


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _digits(value) -> str:
    return "".join(ch for ch in _text(value) if ch.isdigit())


def _objects(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def api_result_to_row(result: dict) -> list[str]:
    """One NPI Registry API v2.1 result as a row in api_layout_header() order (bulk-file values)."""
    basic = result.get("basic")
    basic = basic if isinstance(basic, dict) else {}
    location = next((a for a in _objects(result.get("addresses"))
                     if _text(a.get("address_purpose")).upper() == "LOCATION"), {})
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
    for n, taxonomy in enumerate(_objects(result.get("taxonomies"))[: c.MAX_TAXONOMY_SLOTS], start=1):
        values[c.TAXONOMY.format(n)] = _text(taxonomy.get("code"))
        values[c.LICENSE.format(n)] = _text(taxonomy.get("license"))
        values[c.LICENSE_STATE.format(n)] = _text(taxonomy.get("state"))
        values[c.PRIMARY_SWITCH.format(n)] = "Y" if taxonomy.get("primary") is True else "N"
    return [values.get(name, "") for name in API_HEADER]
