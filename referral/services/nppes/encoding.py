"""Bytes of an NPPES file that are not UTF-8: read in the encoding they look like, and said so, or refused.

The CSV text layer decodes UTF-8 with the error handler registered here (ERRORS), which only runs where
the bytes are not UTF-8, so that a UTF-8 file costs nothing more. At the first such bytes it asks
charset-normalizer what encoding they look like; when that is a one-byte-per-character encoding whose
first 128 characters are ASCII (Windows-1252 above all, the usual mistake for US data), each sequence
that is not UTF-8 is read in it and counted, and the import says so at the end. Bytes no such encoding
reads become lone surrogates, which no listing may hold: the mapper rejects the row. A file whose very
first line is not UTF-8 and not such an encoding (UTF-16, say) is refused.
"""
from __future__ import annotations

import codecs
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

import charset_normalizer

from ..errors import ValidationFailed

ERRORS = "nppes-recode"  # the codec error handler's name
USUAL_MISTAKE = "cp1252"  # preferred whenever it reads the bytes: charset-normalizer guesses poorly from a few accents
SAMPLE_BYTES = 1 << 16
DISPLAY_NAMES = {
    "cp1252": "Windows-1252 (cp1252)", "latin_1": "Latin-1 (ISO-8859-1)", "utf_16": "UTF-16", "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16", "utf_32": "UTF-32", "utf_32_le": "UTF-32", "utf_32_be": "UTF-32",
}
_NON_ASCII_LINES = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
_current: ContextVar[Recoding] = ContextVar("nppes_recoding")


def guess_encoding(data: bytes) -> str | None:
    """The encoding the non-ASCII lines of `data` look like (Windows-1252 whenever it fits), or None if none fits."""
    head = data[:SAMPLE_BYTES]
    if b"\x00" in head:  # UTF-16 or UTF-32, most likely: whole code units, as a line break may have split one
        sample = head[:len(head) - len(head) % 4]
    else:
        sample = b"\n".join(_NON_ASCII_LINES.findall(data))[:SAMPLE_BYTES] or head
    matches = charset_normalizer.from_bytes(sample)
    if any(USUAL_MISTAKE in match.could_be_from_charset for match in matches):
        return USUAL_MISTAKE
    best = matches.best()
    return best.encoding if best is not None else None


def describe(encoding: str) -> str:
    """An encoding's name as people know it."""
    return DISPLAY_NAMES.get(encoding, encoding)


def looks_like(guess: str | None) -> str:
    """What a file's bytes look like, said in words: "it looks like UTF-16"."""
    return f"it looks like {describe(guess)}" if guess else "it reads as no text encoding known here"


def reads_like_ascii(encoding: str) -> bool:
    """Whether an encoding takes one byte per character and reads bytes below 128 as ASCII (so that it can be
    read in place of UTF-8 sequence by sequence)."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return False
    for byte in range(256):
        try:
            text = decoder.decode(bytes((byte,)))
        except UnicodeDecodeError:  # a byte this code page leaves undefined
            decoder.reset()
            continue
        if (byte < 128 and text != chr(byte)) or len(text) != 1:
            return False
    return True


class Recoding:
    """How the bytes of one file that are not UTF-8 were read: the error handler's state while the file is read."""

    def __init__(self):
        self.encoding: str | None = None  # what such bytes are read as, once guessed
        self.guessed = False
        self.read_as = 0  # characters read in self.encoding
        self.unreadable = 0  # sequences no encoding read
        self.first_read_as: int | None = None  # the line of the first of each
        self.first_unreadable: int | None = None
        self.lines_taken: Callable[[], int] = lambda: 0  # lines the CSV reader has taken whole

    def handle(self, error: UnicodeDecodeError) -> tuple[str, int]:
        """The text for one sequence that is not UTF-8, and where decoding goes on."""
        data, start, end = error.object, error.start, error.end
        # The text layer reads on only once every line it decoded before was taken, so the line being read
        # is the one after those, plus the line breaks of this read before the bad bytes.
        line = self.lines_taken() + 1 + data.count(b"\n", 0, start)
        if not self.guessed:
            self.guessed = True
            guess = guess_encoding(bytes(data))
            if guess is not None and reads_like_ascii(guess):
                self.encoding = guess
            elif line == 1:
                raise ValidationFailed({"path": f"The file is not UTF-8 text: {looks_like(guess)}. "
                                                "Save it as UTF-8 and import it again."})
        sequence = bytes(data[start:end])
        if self.encoding is not None:
            try:
                text = sequence.decode(self.encoding)
            except UnicodeDecodeError:
                pass
            else:
                self.read_as += len(text)
                self.first_read_as = self.first_read_as or line
                return text, end
        self.unreadable += 1
        self.first_unreadable = self.first_unreadable or line
        return "".join(chr(0xDC00 + byte) for byte in sequence), end

    def notes(self) -> tuple[str, ...]:
        """What the import should tell about the file's encoding, if anything."""
        notes = []
        if self.read_as:
            notes.append(f"The file is not all UTF-8: {self.read_as:,} characters, the first on line "
                         f"{self.first_read_as:,}, were read as {describe(self.encoding)}, the encoding they look like.")
        if self.unreadable:
            unread = f"neither UTF-8 nor {describe(self.encoding)}" if self.encoding else "not text in any encoding known here"
            notes.append(f"The file holds {self.unreadable:,} byte sequences, the first on line {self.first_unreadable:,}, "
                         f"that are {unread}: listings holding them were rejected.")
        return tuple(notes)


@contextmanager
def recoding(state: Recoding) -> Iterator[Recoding]:
    """Make `state` the one the error handler uses while the block reads the file (in this thread)."""
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def _handle(error: UnicodeError) -> tuple[str, int]:
    state = _current.get(None)
    if state is None or not isinstance(error, UnicodeDecodeError):
        raise error
    return state.handle(error)


codecs.register_error(ERRORS, _handle)
