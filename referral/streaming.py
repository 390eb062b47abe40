"""Response bodies made after the view returns: streamed in the request's contexts and a read-only transaction."""
from typing import Iterator

from flask import stream_with_context

from .database import read_only_transaction


def stream_read_only(chunks: Iterator[str]) -> Iterator[str]:
    """Stream `chunks`, which may read the database, as the body of the current request.

    By the time the body is sent the request's database session has ended: whatever the chunks read
    comes from a new session, begun as a read-only (deferred) transaction like the request's own.
    """

    def generate() -> Iterator[str]:
        read_only_transaction.set(True)
        try:
            yield from chunks
        finally:
            read_only_transaction.set(False)

    return stream_with_context(generate())
