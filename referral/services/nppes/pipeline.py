"""At most one batch's database work at a time, in a background thread, while the file goes on being read."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from sqlalchemy.pool import SingletonThreadPool


def can_write_from_another_thread(bind) -> bool:
    """Whether the driver connections of a session bound to `bind` (an engine or a connection) may change thread.

    An in-memory SQLite database lives in one connection per thread (SingletonThreadPool), which the
    driver refuses to share; file databases and PostgreSQL connections may move between threads.
    """
    return not isinstance(bind.engine.pool, SingletonThreadPool)


class WritePipeline:
    """Runs submitted work one job at a time: in a thread of its own, or inline when `threaded` is False."""

    def __init__(self, threaded: bool):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nppes-write") if threaded else None
        self._pending: Future | None = None

    @property
    def pending(self) -> bool:
        """Whether a job was submitted and its result not yet taken."""
        return self._pending is not None

    def done(self) -> bool:
        """Whether the pending job has finished (so that result() will not wait)."""
        return self._pending is not None and self._pending.done()

    def submit(self, job: Callable, *args) -> None:
        """Start a job; the previous one's result must have been taken."""
        assert self._pending is None, "take the previous batch's result first"
        if self._executor is not None:
            self._pending = self._executor.submit(job, *args)
            return
        future: Future = Future()
        try:
            future.set_result(job(*args))
        except Exception as error:
            future.set_exception(error)
        self._pending = future

    def result(self):
        """Wait for the pending job and return its result (or raise its error)."""
        future, self._pending = self._pending, None
        return future.result()

    def abandon(self) -> None:
        """Wait for the pending job, if any, and drop its result or error: the caller is already failing."""
        if self._pending is not None:
            future, self._pending = self._pending, None
            try:
                future.result()
            except BaseException:  # the caller's own error is the one to report
                pass

    def close(self) -> None:
        """Stop the thread (after the pending job, if any)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
