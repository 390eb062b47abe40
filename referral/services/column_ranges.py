"""Whole numbers people send, checked against the integer column they are stored in or compared with."""
from sqlalchemy import BigInteger, SmallInteger

# Bits of each integer type on every engine: PostgreSQL's INTEGER is 32 bits (SQLite's would hold 64).
_BITS = ((BigInteger, 64), (SmallInteger, 16))
_INTEGER_BITS = 32


def column_range(column) -> tuple[int, int]:
    """The smallest and largest whole number an integer column holds on every engine."""
    bits = next((count for kind, count in _BITS if isinstance(column.type, kind)), _INTEGER_BITS)
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def fits_column(value: int, column) -> bool:
    """Whether the whole number can be stored in, or compared with, the integer column."""
    low, high = column_range(column)
    return low <= value <= high
