"""A cap on concurrent password checks across every worker process of the machine.

An argon2 check holds a core for a good fraction of a second, so a flood of sign-ins could take every
core from searches. Each check first takes one of PASSWORD_CHECK_SLOTS slots: a non-blocking exclusive
flock on one of that many lock files, shared by every process that opens them. A slot is free again
when its holder releases it or exits (the kernel drops the lock with the file). A check that finds no
slot within PASSWORD_CHECK_WAIT_SECONDS is refused without hashing anything.
"""
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from ..i18n import gettext, N_
from .errors import ValidationFailed


# Kept as English text so that callers can compare it; gettext() gives it in the reader's language when raised.
BUSY_MESSAGE = N_("Too many people are signing in at the moment. Please try again in a minute.")
RETRY_AFTER_SECONDS = 60
_POLL_SECONDS = 0.01


class PasswordChecksBusy(ValidationFailed):
    """Every password-check slot stayed taken for the whole wait; the password was not checked."""


def slot_directory() -> Path:
    """The folder of the slot lock files: PASSWORD_CHECK_LOCK_DIR, or password-checks/ in the instance folder."""
    configured = current_app.config.get("PASSWORD_CHECK_LOCK_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "password-checks"


def slot_paths(directory: Path, slots: int) -> list[Path]:
    """The lock file of each slot."""
    return [directory / f"slot-{index}.lock" for index in range(max(1, slots))]


def _take_free_slot(paths: list[Path]) -> int | None:
    """An open descriptor holding the lock of the first free slot, or None when all are taken."""
    for path in paths:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        return descriptor
    return None


@contextmanager
def password_check_slot(field: str = "password") -> Iterator[None]:
    """Hold one password-check slot for the block; PasswordChecksBusy (naming `field`) when none frees up in time."""
    config = current_app.config
    directory = slot_directory()
    directory.mkdir(parents=True, exist_ok=True)
    paths = slot_paths(directory, int(config["PASSWORD_CHECK_SLOTS"]))
    deadline = time.monotonic() + float(config["PASSWORD_CHECK_WAIT_SECONDS"])
    descriptor = _take_free_slot(paths)
    while descriptor is None:
        if time.monotonic() >= deadline:
            raise PasswordChecksBusy({field: gettext(BUSY_MESSAGE)})
        time.sleep(_POLL_SECONDS)
        descriptor = _take_free_slot(paths)
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
