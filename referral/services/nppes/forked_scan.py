"""Running scan() in a child process, so that parsing the CSV and writing the listings use two processors.

The child is forked: it starts at once and inherits the resolved columns, and it only reads the file
and sends chunks down a pipe (never touching the parent's database connections). The pipe holds a
few chunks; when the parent falls behind, the full pipe holds the child back. Chunks travel as
marshal data (strings, numbers and tuples only), quicker to make than pickles; both ends are the
same Python.
"""
from __future__ import annotations

import fcntl
import gc
import marshal
import multiprocessing
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import ValidationFailed
from .columns import ColumnMap
from .reader import open_source
from .scan import Chunk, ScanEnd, scan

# What the child sends: (kind, *fields).
CHUNK = "chunk"  # Chunk's fields
END = "end"  # ScanEnd's fields
FAILED = "failed"  # the child refused the file: ValidationFailed's errors
CRASHED = "crashed"  # anything else went wrong in the child: a description
PIPE_BYTES = 1 << 20  # a chunk is about 100 KB


def can_fork() -> bool:
    """Whether scans may run in a forked child here: on Linux (macOS's system libraries do not survive a fork)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _widen(connection) -> None:
    """Give the pipe room for several chunks, so that the child is not stopped at every one (Linux only)."""
    try:
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # no F_SETPIPE_SZ here, or more than /proc/sys/fs/pipe-max-size
        pass


def _read_in_child(path: Path, columns: ColumnMap, behavioral: frozenset[str], sender) -> None:
    # Whatever the parent held at the fork (its database connections among it) is left to the parent:
    # the collector never finalizes it here, where closing a connection would end the parent's session.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the child
    send = sender.send_bytes
    try:
        with open_source(path) as source:
            for item in scan(source, columns, behavioral):
                if isinstance(item, Chunk):
                    send(marshal.dumps((CHUNK, item.events, item.rows_read, item.bytes_read)))
                else:
                    send(marshal.dumps((END, item.rows_read, item.last_line, item.last_npi, item.ends_mid_row,
                                        item.notes)))
    except ValidationFailed as error:
        send(marshal.dumps((FAILED, error.errors)))
    except Exception as error:  # the parent raises it
        send(marshal.dumps((CRASHED, f"{type(error).__name__}: {error}")))
    finally:
        sender.close()


def _relay(receiver) -> Iterator[Chunk | ScanEnd]:
    while True:
        try:
            kind, *fields = marshal.loads(receiver.recv_bytes())
        except EOFError:
            raise RuntimeError("The process reading the NPPES file stopped before the end of the file.") from None
        if kind == CHUNK:
            yield Chunk(*fields)
        elif kind == END:
            yield ScanEnd(*fields)
            return
        elif kind == FAILED:
            raise ValidationFailed(fields[0])
        else:
            raise RuntimeError(f"Reading the NPPES file failed: {fields[0]}")


@contextmanager
def forked_scan(path: Path, columns: ColumnMap, behavioral: frozenset[str]) -> Iterator[Iterator[Chunk | ScanEnd]]:
    """scan() over the file at `path`, run in a child process; the child is stopped when the block ends."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(sender)
    child = context.Process(target=_read_in_child, args=(path, columns, behavioral, sender), name="nppes-reader",
                            daemon=True)
    child.start()
    sender.close()
    try:
        yield _relay(receiver)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()
