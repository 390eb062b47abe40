"""Opening an NPPES file (bulk CSV, the CMS .zip around it, or NPI Registry API JSON) as a stream of rows.

Whatever the file holds, reading it keeps little in memory: a CSV line at most MAX_LINE_BYTES (see
lines), a JSON record at most MAX_RECORD_BYTES (see api_json), a zip member unpacked a piece at a time
and refused unopened when it claims to unpack too far (see archive). Bytes that are not UTF-8 are read
in the encoding they look like, and the import says so (see encoding).
"""
from __future__ import annotations

import csv
import io
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import ValidationFailed
from .api_json import json_source
from .archive import open_member
from .encoding import ERRORS, Recoding, guess_encoding, looks_like, recoding
from .lines import MAX_LINE_BYTES, READ_SIZE, LineBoundedReader
from .source import Source


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed({"path": message})


@contextmanager
def open_source(path: str | Path) -> Iterator[Source]:
    """Open a .csv, a .zip holding npidata_pfile_*.csv, or an API .json file as a Source."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with open_member(path) as (member, read), recoding(Recoding()) as state:
            yield _csv_source(read, member.file_size, state)
        return
    with open(path, "rb") as stream:
        first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        stream.seek(0)
        if path.suffix.lower() == ".json" or first[:1] in (b"{", b"["):
            yield json_source(stream, path.stat().st_size)
        else:
            with recoding(Recoding()) as state:
                yield _csv_source(stream.read, path.stat().st_size, state)


def _csv_source(read: Callable[[int], bytes], total_bytes: int | None, state: Recoding) -> Source:
    lines = LineBoundedReader(read)
    # Reads of twice the size the line reader reads, so that each piece it hands on (a chunk's whole lines and
    # the start of the first) is taken and decoded at once.
    text = io.TextIOWrapper(io.BufferedReader(lines, 2 * READ_SIZE), encoding="utf-8-sig", errors=ERRORS, newline="")
    text._CHUNK_SIZE = 2 * READ_SIZE
    reader = csv.reader(text)
    state.lines_taken = lambda: reader.line_num
    try:
        header = next(reader)
    except StopIteration:
        raise _invalid("The file is empty.") from None
    except csv.Error as error:
        raise _invalid(f"The header line cannot be read as CSV: {error}.") from None
    if any("\x00" in name for name in header):
        # UTF-16 text without a byte-order mark is valid UTF-8, a NUL between every two letters.
        guess = guess_encoding(",".join(header).encode("utf-8", "surrogatepass"))
        raise _invalid(f"The header line holds NUL bytes: the file is not UTF-8 text ({looks_like(guess)}). "
                       "Save it as UTF-8 and import it again.")

    def bad_line(row: list[str]) -> str | None:
        length = lines.too_long(row[0]) if len(row) == 1 else None
        if length is None:
            return None
        return f"line too long: {length:,} bytes, more than the {MAX_LINE_BYTES:,} a line may hold; not read"

    return Source(
        kind="csv", header=header, rows=reader, position=lambda: reader.line_num, bytes_read=lambda: lines.count,
        total_bytes=total_bytes, ends_mid_row=lines.ends_mid_row, bad_line=bad_line, notes=state.notes,
    )
