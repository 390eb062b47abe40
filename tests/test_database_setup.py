"""SQLite pragmas and write transactions; migrations that match the models."""
import threading

import pytest
from sqlalchemy import text

from config import TestingConfig
from referral import create_app
from referral.database import read_only_transaction
from referral.extensions import db


@pytest.fixture
def file_app(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'pragmas.sqlite'}")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_sqlite_pragmas(file_app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_concurrent_writers_lose_no_update(file_app):
    """Four threads each add 1 to the same counter 25 times; BEGIN IMMEDIATE serialises them."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))

    engine = db.engine  # threads have no app context
    errors = []

    def work():
        try:
            for _ in range(25):
                with engine.begin() as connection:
                    value = connection.execute(text("SELECT n FROM counter")).scalar()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 100


def test_read_only_requests_begin_deferred(file_app):
    statements = []
    from sqlalchemy import event

    @event.listens_for(db.engine, "before_cursor_execute")
    def _record(conn, cursor, statement, *args):
        statements.append(statement)

    token = read_only_transaction.set(True)
    try:
        with db.engine.begin() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        read_only_transaction.reset(token)
    with db.engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    event.remove(db.engine, "before_cursor_execute", _record)
    assert "BEGIN" in statements and "BEGIN IMMEDIATE" in statements


@pytest.mark.parametrize("threshold", [0, 3, None])
def test_postgresql_statements_are_prepared_as_configured(threshold):
    from conftest import POSTGRES_SERVER_URL, skip_without_postgres

    skip_without_postgres()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=POSTGRES_SERVER_URL, POSTGRES_PREPARE_THRESHOLD=threshold)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.connection.dbapi_connection.prepare_threshold == threshold
            expected_mode = "auto" if threshold is None else "force_generic_plan"
            assert connection.execute(text("SHOW plan_cache_mode")).scalar() == expected_mode
            for _ in range(2):  # prepared where the threshold says so, and still answering
                assert connection.execute(text("SELECT 1 + 1")).scalar() == 2
        db.engine.dispose()


@pytest.mark.parametrize("value, threshold", [("0", 0), ("5", 5), ("none", None), ("None", None)])
def test_the_prepare_threshold_is_read_from_the_environment(value, threshold):
    from config import _prepare_threshold

    assert _prepare_threshold(value) == threshold
