"""Requests that only read run in read-only transactions; views that write on GET say so and take a write one.

These tests use an app on a SQLite file of its own (no outer test transaction), so that every request
begins its own transaction as it does when served.
"""
import csv
import io

import pytest
from sqlalchemy import event

from config import DevelopmentConfig
from conftest import build_test_app
from referral import create_app
from referral.database import WriteInReadOnlyTransaction, takes_write_transaction
from referral.extensions import db
from referral.models import Provider, User, utcnow
from referral.services.availability import confirmation_token
from referral.services.export import SEARCH_EXPORT_MAX_ROWS
from referral.services.reference import load_reference_data
from referral.services.seeding import load_demo_providers


@pytest.fixture
def file_app(tmp_path):
    """A testing app on its own SQLite file, with the reference lists."""
    application = build_test_app(f"sqlite:///{tmp_path / 'reads.sqlite'}")
    yield application
    with application.app_context():
        db.engine.dispose()


def begins(app, call) -> tuple[list[str], object]:
    """The BEGIN statements the engine runs during `call`, and what `call` returned."""
    with app.app_context():
        engine = db.engine
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen, result


def test_a_search_reads_in_a_deferred_transaction(file_app):
    statements, response = begins(file_app, lambda: file_app.test_client().get("/search?near=10025"))
    assert response.status_code == 200
    assert statements and set(statements) == {"BEGIN"}


def test_a_fhir_search_sent_by_post_reads_in_a_deferred_transaction(file_app):
    client = file_app.test_client()
    statements, response = begins(file_app, lambda: client.post("/fhir/Practitioner/_search", data={"name": "a"}))
    assert response.status_code == 200
    assert statements and set(statements) == {"BEGIN"}


def test_a_get_view_marked_as_writing_takes_the_write_lock_and_writes(file_app):
    fresh = build_test_app(file_app.config["SQLALCHEMY_DATABASE_URI"])

    @fresh.get("/test-writes-on-get")
    @takes_write_transaction
    def writes():
        db.session.add(User(email="first-look@example.org", password_hash="x", role="provider", display_name="F",
                            session_version=1))
        db.session.commit()
        return "written"

    statements, response = begins(fresh, lambda: fresh.test_client().get("/test-writes-on-get"))
    assert response.status_code == 200
    assert "BEGIN IMMEDIATE" in statements
    with fresh.app_context():
        assert db.session.query(User).filter_by(email="first-look@example.org").count() == 1
        db.engine.dispose()


def test_the_emailed_confirmation_link_reads_on_get_and_writes_on_post(file_app):
    with file_app.app_context():
        owner = User(email="owner@example.org", password_hash="x", role="provider", display_name="Owner",
                     email_confirmed_at=utcnow(), session_version=1)
        db.session.add(owner)
        db.session.flush()
        provider = Provider(first_name="Ada", last_name="Quill", provider_type_id=1, owner_id=owner.id,
                            listing_status="verified", source="owner", accepting_new_patients=True)
        db.session.add(provider)
        db.session.commit()
        token, provider_id = confirmation_token(file_app.config["SECRET_KEY"], provider), provider.id
    client = file_app.test_client()
    statements, response = begins(file_app, lambda: client.get(f"/availability/confirm/{token}"))
    assert response.status_code == 200 and set(statements) == {"BEGIN"}
    statements, response = begins(file_app, lambda: client.post(f"/availability/confirm/{token}"))
    assert response.status_code == 200
    assert "BEGIN IMMEDIATE" in statements
    with file_app.app_context():
        assert db.session.get(Provider, provider_id).availability_confirmed_at is not None


def test_a_get_view_that_writes_without_saying_so_fails_loudly(file_app, caplog):
    fresh = build_test_app(file_app.config["SQLALCHEMY_DATABASE_URI"])

    @fresh.get("/test-writes-on-get")
    def writes():
        db.session.add(User(email="sneaky@example.org", password_hash="x", role="provider", display_name="S",
                            session_version=1))
        db.session.commit()
        return "written"

    assert fresh.test_client().get("/test-writes-on-get").status_code == 500
    assert any(record.exc_info and record.exc_info[0] is WriteInReadOnlyTransaction for record in caplog.records)
    with fresh.app_context():
        assert db.session.query(User).filter_by(email="sneaky@example.org").count() == 0
        db.engine.dispose()


def test_the_search_csv_streams_every_row_under_the_development_configuration(tmp_path):
    """Development rolls back at the end of each request: the streamed body must not need the request's session."""
    application = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'dev.sqlite'}",
                             MAIL_TO_CONSOLE=True)
    with application.app_context():
        db.create_all()
        load_reference_data()
        load_demo_providers()
        db.session.commit()
    client = application.test_client()
    expected, page = [], 1
    while True:
        found = client.get(f"/api/v1/providers?near=10025&per_page=100&page={page}").get_json()
        expected += [result["id"] for result in found["results"]]
        if found["total_exact"] or len(expected) >= SEARCH_EXPORT_MAX_ROWS:
            break
        page += 1
    response = client.get("/api/v1/providers.csv?near=10025")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.status_code == 200 and len(expected) > 100  # more than one batch of the export
    assert [int(row["id"]) for row in rows] == expected[:SEARCH_EXPORT_MAX_ROWS]
    with application.app_context():
        db.engine.dispose()
