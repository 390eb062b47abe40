"""The cap on concurrent password checks: with every slot taken (by this process or another one) a page that
checks a password answers 429 without hashing anything and keeps what was typed; with a slot free it proceeds."""
import fcntl
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from referral.services.password_slots import BUSY_MESSAGE, RETRY_AFTER_SECONDS, slot_paths

PASSWORD = "a sturdy passphrase"
SLOTS = 2


@pytest.fixture
def slots(app, tmp_path) -> Path:
    """This test's own slot folder: SLOTS slots, a short wait."""
    directory = tmp_path / "password-checks"
    directory.mkdir()
    app.config.update(PASSWORD_CHECK_LOCK_DIR=str(directory), PASSWORD_CHECK_SLOTS=SLOTS,
                      PASSWORD_CHECK_WAIT_SECONDS=0.2)
    return directory


@pytest.fixture
def argon2_calls(monkeypatch) -> list[str]:
    """Every argon2 hash and verification made from now on, by name."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counted)
    return calls


@contextmanager
def holding(directory: Path, count: int):
    """Hold `count` of the slots in this process for the block."""
    descriptors = []
    try:
        for path in slot_paths(directory, SLOTS)[:count]:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            descriptors.append(descriptor)
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


def assert_busy(response, kept: str | None = None, secret: str = PASSWORD) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert BUSY_MESSAGE in page
    if kept:
        assert f'value="{kept}"' in page
    assert secret not in page


def test_sign_in_waits_for_no_hash_while_every_slot_is_held(app, client, make_user, slots, argon2_calls):
    user = make_user(email="busy.person@example.org", password=PASSWORD)
    argon2_calls.clear()
    with holding(slots, SLOTS):
        started = time.monotonic()
        busy = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert time.monotonic() - started < 5  # a bounded wait, not a queue
    assert_busy(busy, kept=user.email)
    assert argon2_calls == []  # no password was checked
    assert client.get("/account").status_code == 302

    with holding(slots, SLOTS - 1):
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert argon2_calls == ["verify"]


def test_an_unknown_address_gets_the_same_busy_answer(app, client, slots, argon2_calls):
    with holding(slots, SLOTS):
        assert_busy(client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD}),
                    kept="nobody@example.org")
    assert argon2_calls == []


def test_slots_held_by_another_process_count(app, client, make_user, slots, argon2_calls):
    user = make_user(password=PASSWORD)
    argon2_calls.clear()
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, os, sys\n"
            "held = [os.open(p, os.O_RDWR | os.O_CREAT) for p in sys.argv[1:]]\n"
            "[fcntl.flock(d, fcntl.LOCK_EX) for d in held]\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n"
        ), *map(str, slot_paths(slots, SLOTS))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert_busy(client.post("/login", data={"email": user.email, "password": PASSWORD}), kept=user.email)
        assert argon2_calls == []
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # The holder is gone, and the kernel let go of its locks with it.
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_slot_freed_within_the_wait_lets_the_check_through(app, client, make_user, slots):
    app.config["PASSWORD_CHECK_WAIT_SECONDS"] = 5
    user = make_user(password=PASSWORD)
    release = threading.Event()

    def hold_briefly():
        with holding(slots, SLOTS):
            release.set()
            time.sleep(0.3)

    worker = threading.Thread(target=hold_briefly)
    worker.start()
    release.wait(5)
    try:
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    finally:
        worker.join()


def test_every_page_that_checks_a_password_answers_busy(app, client, make_user, login, slots, argon2_calls):
    user = make_user(password=PASSWORD)
    login(client, user)
    argon2_calls.clear()
    with holding(slots, SLOTS):
        assert_busy(client.post("/account/password", data={
            "pw-current_password": PASSWORD, "pw-new_password": "a fresher passphrase",
            "pw-confirm": "a fresher passphrase"}))
        assert_busy(client.post("/account/email", data={"em-new_email": "moved@example.org", "em-password": PASSWORD}),
                    kept="moved@example.org")
        fresh = app.test_client()
        assert_busy(fresh.post("/register", data={"role": "provider", "display_name": "Wren Hollis",
                                                  "email": "wren.hollis@example.org", "password": PASSWORD,
                                                  "confirm": PASSWORD}), kept="wren.hollis@example.org")
    assert argon2_calls == []


def test_turning_two_step_sign_in_off_answers_busy(app, client, make_user, login, slots, argon2_calls):
    from two_factor_codes import fresh_code

    user = make_user(password=PASSWORD, two_factor=True)
    login(client, user)
    argon2_calls.clear()
    with holding(slots, SLOTS):
        assert_busy(client.post("/account/two-factor/off",
                                data={"password": PASSWORD, "code": fresh_code(user.test_totp_secret)}))
    assert argon2_calls == []


def test_create_admin_reports_busy(app, runner, slots):
    with holding(slots, SLOTS):
        result = runner.invoke(args=["create-admin", "chief@example.org", "--password", PASSWORD])
    assert result.exit_code != 0 and BUSY_MESSAGE in result.output


def test_no_database_transaction_is_held_while_a_password_is_checked(app, client, make_user, login, monkeypatch):
    from referral.extensions import db

    user = make_user(password=PASSWORD)
    in_transaction: list[tuple[str, bool]] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def noting_the_transaction(self, *args, _original=original, _name=name, **kwargs):
            in_transaction.append((_name, db.session().in_transaction()))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, noting_the_transaction)
    # On SQLite a POST's transaction holds the write lock: held through a password check, it would stall
    # every other writer (and fail them after the busy timeout) during a flood of sign-ins.
    login(client, user)
    client.post("/account/email", data={"em-new_email": "moved@example.org", "em-password": "not my password"})
    changed = client.post("/account/password", data={"pw-current_password": PASSWORD,
                                                     "pw-new_password": "a fresher passphrase",
                                                     "pw-confirm": "a fresher passphrase"})
    assert changed.status_code == 302
    assert in_transaction == [("verify", False), ("verify", False), ("verify", False), ("hash", False)]
