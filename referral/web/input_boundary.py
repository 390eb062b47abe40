"""The input boundary: what no view, form or service may ever read is refused here, once, for every request.

Refused with 400 (InputRefused, answered in each area's own format by web/errors.py), naming the parameter:
- text holding C0 control characters other than tab, line feed and carriage return (PostgreSQL cannot store
  NUL), lone surrogates, or U+FFFD, which is what Werkzeug makes of undecodable bytes in a path or a multipart
  field — in the path, the query string, form field names and values, uploaded file names, and JSON strings
  and keys;
- a query string or urlencoded form body whose percent-escapes are not UTF-8 (Werkzeug would pass them on
  still escaped, as if typed);
- JSON bodies that are not UTF-8, nest deeper than MAX_JSON_DEPTH, or hold an integer beyond
  ±MAX_JSON_INTEGER or a number that is not finite.
Refused with 413 before a byte is read: bodies declared larger than MAX_CONTENT_LENGTH, and urlencoded form
bodies larger than MAX_FORM_MEMORY_SIZE (Werkzeug applies that limit only to each multipart field).

A JSON body is parsed here, once, by StrictJSON as the request's json_module; Werkzeug caches the value, so
views keep calling request.get_json(). BoundaryRequest, the app's request class, turns what StrictJSON
refuses into InputRefused.
"""
from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from ..i18n import N_

# Deeper than any body the API takes (a listing's office hours sit four levels down), far below recursion limits.
MAX_JSON_DEPTH = 32
# The largest integer every JSON reader holds exactly (2**53 - 1); no column here holds one larger.
MAX_JSON_INTEGER = 2**53 - 1
URLENCODED = "application/x-www-form-urlencoded"

NOT_UTF8 = "contains bytes that are not valid UTF-8"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd]")
_JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class InputRefused(BadRequest):
    """A request holding input the app refuses to read: 400, naming the parameter."""

    # The page's words; the description (the API's error text) stays English.
    page_title = N_("We could not read part of what was sent.")
    page_detail = N_("It held characters that cannot be stored, such as invisible control characters. "
                     "Please go back, remove them from what you typed or pasted, and try again.")

    def __init__(self, parameter: str, problem: str):
        self.parameter = shown_name(parameter)
        super().__init__(f"{self.parameter} {problem}.")


class _JSONRefused(ValueError):
    """Raised while parsing a JSON body; Werkzeug passes it on to BoundaryRequest.on_json_loading_failed."""

    def __init__(self, parameter: str, problem: str):
        super().__init__(problem)
        self.parameter, self.problem = parameter, problem


class _Unacceptable:
    """A JSON number no column can hold, kept in place by the parser until its position is known."""

    def __init__(self, problem: str):
        self.problem = problem


def text_problem(text: str) -> str | None:
    """Why the boundary refuses this text, or None when it may be read."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    if _CONTROL.match(found.group()):
        return "contains a control character (only tab, line feed and carriage return are allowed)"
    if _SURROGATE.match(found.group()):
        return "contains invalid Unicode (a lone surrogate)"
    return NOT_UTF8


def shown_name(name: str) -> str:
    """A parameter name safe to echo in an error: refused characters replaced, at most 60 characters."""
    return _REFUSED.sub("\ufffd", name)[:60]


# --- JSON --------------------------------------------------------------------------------------

def _nesting_depth(text: str, limit: int) -> int:
    """How deep the JSON text's arrays and objects nest (counting stops once past `limit`)."""
    depth = deepest = 0
    for token in _JSON_STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif bracket in ("]", "}"):
            depth -= 1
    return deepest


def _integer(digits: str):
    # Checked on the digits first: Python refuses to convert more than 4,300 of them at all.
    if len(digits.lstrip("-")) > len(str(MAX_JSON_INTEGER)) or abs(int(digits)) > MAX_JSON_INTEGER:
        return _Unacceptable(f"is a number beyond ±{MAX_JSON_INTEGER}")
    return int(digits)


def _finite(digits: str):
    number = float(digits)
    return number if math.isfinite(number) else _Unacceptable("is a number too large to hold")


def _constant(name: str):
    return _Unacceptable(f"is {name}, which is not a JSON number")


def _check_json_value(value, path: str) -> None:
    if isinstance(value, _Unacceptable):
        raise _JSONRefused(path, value.problem)
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise _JSONRefused(path, problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = key if path == "body" else f"{path}.{key}"
            problem = text_problem(key)
            if problem:
                raise _JSONRefused(inner, f"(a key) {problem}")
            _check_json_value(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{path}[{index}]")


class StrictJSON:
    """The json_module the boundary gives a request with a JSON body: parses it with the boundary's checks."""

    @staticmethod
    def loads(data, **_kwargs):
        """The JSON value of a body; _JSONRefused naming where it holds what no view may read."""
        if isinstance(data, (bytes, bytearray)):
            try:
                data = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                raise _JSONRefused("body", NOT_UTF8) from None
        if _nesting_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise _JSONRefused("body", f"nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")
        value = json.loads(data, parse_int=_integer, parse_float=_finite, parse_constant=_constant)
        _check_json_value(value, "body")
        return value


class BoundaryRequest(Request):
    """The app's request class: what StrictJSON refuses in a body becomes InputRefused."""

    def on_json_loading_failed(self, e: ValueError | None):
        """Refuse what the boundary found, naming the parameter; other malformed JSON as Flask does."""
        if isinstance(e, _JSONRefused):
            raise InputRefused(e.parameter, e.problem)
        return super().on_json_loading_failed(e)


# --- path, query string and forms ------------------------------------------------------------

def _check_text(parameter: str, text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise InputRefused(parameter, problem)


def _check_fields(fields) -> None:
    for name, value in fields.items(multi=True):
        _check_text(name, name)
        _check_text(name, value)


def _check_urlencoded(raw: bytes) -> None:
    """Refuse a query string or form body holding a name or value whose bytes are not UTF-8."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise InputRefused(unquote_to_bytes(name).decode("utf-8", "replace"), NOT_UTF8) from None


def _refuse_larger_than(limit: int | None, size: int | None) -> None:
    if limit is not None and size is not None and size > limit:
        raise RequestEntityTooLarge()


def _check_body() -> None:
    _refuse_larger_than(request.max_content_length, request.content_length)
    if request.mimetype == URLENCODED:
        # Werkzeug reads such a body whole before parsing it; the form is then parsed from this same copy.
        _refuse_larger_than(request.max_form_memory_size, request.content_length)
        raw = request.get_data(cache=True)
        _refuse_larger_than(request.max_form_memory_size, len(raw))
        _check_urlencoded(raw)
    _check_fields(request.form)
    for name, upload in request.files.items(multi=True):
        _check_text(name, name)
        _check_text(name, upload.filename or "")
    if request.is_json:
        # Flask hands each request the app's JSON provider as it starts; this one's body is read by StrictJSON.
        request.json_module = StrictJSON
        try:
            request.get_json()  # parsed once, here; views read the value Werkzeug caches
        except InputRefused:
            raise
        except BadRequest:
            pass  # malformed JSON: each view answers it as it always has


def check_request() -> None:
    """Refuse a request whose body is too large (413) or whose path, query, form or JSON holds refused input (400)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_text(name, value)
    _check_text("path", request.path)
    _check_urlencoded(request.query_string)
    _check_fields(request.args)
    _check_body()


def install_input_boundary(app: Flask) -> None:
    """Make every request of the app pass the boundary: its request class, and the check before any view."""
    app.request_class = BoundaryRequest
    # First of all hooks: CSRF protection reads the form, and a urlencoded body's raw bytes are gone after that.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
