"""Text compared without regard to case or accents ("Zoë" finds "Zoe", "São" finds "Sao"), in SQL on both engines.

The folding maps each accented Latin letter to its plain lower-case letter, then lower-cases the
rest. SQLite runs the same Python function (`fold`, registered on each connection); PostgreSQL
runs `translate()` with the same table followed by `lower()`, so both engines and Python agree.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy.types import NullType
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQL_FUNCTION = "fold"


def _fold_table() -> dict[str, str]:
    table = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base.isalpha() and base != char:
            table[char] = base.lower()
    # Letters with a stroke have no decomposition, though readers take them for the plain letter.
    table.update({"Ø": "o", "ø": "o", "Đ": "d", "đ": "d", "Ł": "l", "ł": "l", "Ħ": "h", "ħ": "h"})
    return table


FOLD_TABLE = _fold_table()
_FROM = "".join(FOLD_TABLE)
_TO = "".join(FOLD_TABLE.values())
_TRANSLATION = str.maketrans(FOLD_TABLE)


def fold(text: str | None) -> str | None:
    """The text with accents dropped from Latin letters and lower-cased."""
    return None if text is None else text.translate(_TRANSLATION).lower()


class folded_like(FunctionElement):
    """A SQL condition: the text, folded like fold(), is LIKE the pattern (already folded; backslash escapes)."""

    type = NullType()  # a condition, yet not Boolean: SQLite would compare a Boolean to 1 and lose its shortcuts
    inherit_cache = True
    name = "folded_like"


@compiles(folded_like)
def _folded_like_sqlite(element, compiler, **kw):
    text, pattern = (compiler.process(clause, **kw) for clause in element.clauses)
    # SQLite's LIKE already ignores case in ASCII, so only text holding other characters (GLOB finds them
    # natively) needs the Python function: the scan costs one call per such row, not one per row.
    return (f"({text} LIKE {pattern} ESCAPE '\\' OR ({text} GLOB '*[^ -~]*' "
            f"AND {SQL_FUNCTION}({text}) LIKE {pattern} ESCAPE '\\'))")


@compiles(folded_like, "postgresql")
def _folded_like_postgresql(element, compiler, **kw):
    text, pattern = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(lower(translate({text}, '{_FROM}', '{_TO}')) LIKE {pattern} ESCAPE '\\')"


def register_sqlite_function(dbapi_connection) -> None:
    """Make fold() callable from SQL on a SQLite connection."""
    dbapi_connection.create_function(SQL_FUNCTION, 1, fold, deterministic=True)
