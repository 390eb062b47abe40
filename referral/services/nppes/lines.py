"""A CSV file's bytes handed on a whole line at a time, with any line longer than MAX_LINE_BYTES left unread.

csv.reader (through the text layer) takes a line whole before it looks at it, so a file without line
breaks would be read into memory entire. This reader sits beneath the text layer: it holds back the
unfinished last line of each chunk it reads, never more than MAX_LINE_BYTES of it, and reads on in
chunks past the rest of a longer line. In that line's place the CSV reader gets a marker line (one field:
a NUL, a token of this reader, the line's length), which the scan reports as a bad row on that line.
"""
from __future__ import annotations

import io
import secrets
from collections import deque
from typing import Callable

from ..errors import ValidationFailed

READ_SIZE = 1 << 16  # no more than MAX_LINE_BYTES: only a line running across a read's end needs measuring
# An NPPES line is a few KB (330 fields, most of them empty); a line a hundred times longer is no real row.
MAX_LINE_BYTES = 1 << 20


def _first_end(chunk: bytes, start: int) -> int:
    """Where the first line of chunk[start:] ends (a line feed, or a carriage return in a file without them), or -1."""
    end = chunk.find(b"\n", start)
    return end if end >= 0 else chunk.find(b"\r", start)


def _last_end(chunk: bytes, start: int) -> int:
    end = chunk.rfind(b"\n", start)
    return end if end >= 0 else chunk.rfind(b"\r", start)


class LineBoundedReader(io.RawIOBase):
    """The bytes of `read` (a function like a binary file's read), line by line, with over-long lines replaced."""

    def __init__(self, read: Callable[[int], bytes]):
        self._read = read
        self.count = 0  # bytes read from the file
        self.marker = f"\x00{secrets.token_hex(8)} "  # how a marker line's field starts, as text
        self._ready: deque = deque()  # pieces to hand on, each ending a line (but the file's unended last one)
        self._held: list[memoryview] = []  # the line not yet ended
        self._held_size = 0
        self._skipped = 0  # bytes of the over-long line being passed over (0: none)
        self._cr_ended_read = False  # whether a marked line's CR ended the last read (its LF may start the next)
        self._first_line_ended = False
        self._done = False
        self.unended = b""  # the file's last line, when no line break ends it

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer) -> int:
        """Fill the buffer from the lines ready to hand on, reading the file on when none is."""
        ready = self._ready
        while not ready:
            if self._done:
                return 0
            self._read_chunk()
        piece = ready[0]
        size = min(len(buffer), len(piece))
        buffer[:size] = piece[:size]
        if size == len(piece):
            ready.popleft()
        else:
            ready[0] = piece[size:]
        return size

    def ends_mid_row(self) -> bool:
        """Whether the file stopped inside a row: no final line break, and an unclosed quote on the last line."""
        return self.unended.count(b'"') % 2 == 1

    def too_long(self, field: str) -> int | None:
        """The length of the over-long line a row's only field stands for, or None if it stands for none."""
        return int(field[len(self.marker):]) if field.startswith(self.marker) else None

    def _read_chunk(self) -> None:
        chunk = self._read(READ_SIZE)
        if not chunk:
            self._finish()
            return
        self.count += len(chunk)
        start = 1 if self._cr_ended_read and chunk.startswith(b"\n") else 0
        self._cr_ended_read = False
        if self._skipped:
            end = _first_end(chunk, start)
            if end < 0:
                self._skipped += len(chunk)
                return
            self._mark(self._skipped + end + 1, chunk, end)
            start = end + 1
        view = memoryview(chunk)
        end = _first_end(chunk, start)
        if end < 0:
            if self._held_size + len(chunk) - start > MAX_LINE_BYTES:
                self._check_first_line()
                self._skipped = self._held_size + len(chunk) - start
                self._drop_held()
            elif start < len(chunk):
                self._hold(view[start:])
            return
        last = _last_end(chunk, end)
        length = self._held_size + end + 1 - start
        if length > MAX_LINE_BYTES:
            self._check_first_line()
            self._drop_held()
            self._mark(length, chunk, end)
            start = end + 1
        self._first_line_ended = True
        # One piece for the held line's start and the chunk's whole lines: the text layer decodes each piece apart.
        if self._held:
            self._hold(view[start:last + 1])
            self._ready.append(b"".join(self._held))
            self._drop_held()
        elif last >= start:
            self._ready.append(view[start:last + 1])
        if last + 1 < len(chunk):
            self._hold(view[last + 1:])

    def _check_first_line(self) -> None:
        """An over-long first line is no header: the file is refused at once, without reading on."""
        if not self._first_line_ended:
            raise ValidationFailed({"path": f"The first line runs past {MAX_LINE_BYTES:,} bytes without a line break: "
                                            "an NPPES file starts with a header line of a few KB."})

    def _hold(self, piece: memoryview) -> None:
        self._held.append(piece)
        self._held_size += len(piece)

    def _drop_held(self) -> None:
        self._held = []
        self._held_size = 0

    def _mark(self, length: int, chunk: bytes = b"", end: int = -1) -> None:
        """Hand on a marker for an over-long line, which ends at chunk[end]."""
        self._ready.append(f"{self.marker}{length}\n".encode())
        self._skipped = 0
        self._cr_ended_read = end == len(chunk) - 1 and chunk.endswith(b"\r")

    def _finish(self) -> None:
        self._done = True
        if self._skipped:
            self._mark(self._skipped)
        elif self._held:
            self.unended = b"".join(self._held)
            self._ready.append(self.unended)
            self._drop_held()
