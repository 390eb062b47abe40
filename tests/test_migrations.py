"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from conftest import POSTGRES_SCHEMA, POSTGRES_SERVER_URL, build_test_app
from referral.extensions import db


def _run_on_server(statement: str) -> None:
    engine = create_engine(POSTGRES_SERVER_URL)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture
def own_app(backend):
    """An app on a database of its own (on PostgreSQL, a schema of its own), in an app context.

    Migrations drop and build the whole schema outside any test transaction, so they run away from
    the database the other tests share.
    """
    schema = None
    if backend == "sqlite":
        url = "sqlite://"
    else:
        schema = f"{POSTGRES_SCHEMA}_migrations"
        _run_on_server(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        _run_on_server(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES_SERVER_URL}{'&' if '?' in POSTGRES_SERVER_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        application = build_test_app(url)
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            _run_on_server(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_upgrade_matches_the_models_and_downgrades_cleanly(own_app):
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
