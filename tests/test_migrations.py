"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text

from conftest import POSTGRES_SCHEMA, POSTGRES_SERVER_URL, build_test_app
from referral.extensions import db
from referral.models import ProviderType
from referral.services.reference import load_reference_data
from referral.services.spatial import include_name

# The migration that builds the office point index (R*Tree on SQLite, GiST on PostgreSQL).
OFFICE_POINT_INDEX_REVISION = "7d6d25e72c51"


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
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def _spatial_index_definitions() -> list[tuple]:
    """How the database defines the office point index: R*Tree and triggers on SQLite, the GiST index on PostgreSQL."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            return connection.execute(text(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name LIKE 'office_boxes%' ORDER BY name"
            )).all()
        return connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = 'offices' AND indexname = 'ix_offices_point'"
        )).all()


def _insert_as_of_revision(table_name: str, **values) -> int:
    """Insert a row into a table as an earlier revision built it: only its columns, the models' defaults for the rest."""
    table = Table(table_name, MetaData(), autoload_with=db.engine)
    declared = db.metadata.tables[table_name].columns
    row = dict(values)
    for column in table.columns:
        default = declared[column.name].default if column.name in declared else None
        if column.name not in row and default is not None and not column.primary_key:
            row[column.name] = default.arg(None) if default.is_callable else default.arg
    with db.engine.begin() as connection:
        return connection.execute(table.insert().values(**row)).inserted_primary_key[0]


def test_office_point_index_migration_fills_it_and_builds_what_create_all_builds(own_app):
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(revision=OFFICE_POINT_INDEX_REVISION + "-1")
    load_reference_data()
    db.session.commit()
    provider_id = _insert_as_of_revision("providers", first_name="Ada", last_name="Quill",
                                         provider_type_id=db.session.scalar(select(ProviderType.id).filter_by(slug="psychologist")))
    located = _insert_as_of_revision("offices", provider_id=provider_id, city="Boise", state="ID", zip="83702",
                                     lat=43.6328, lng=-116.2035)
    unlocated = _insert_as_of_revision("offices", provider_id=provider_id, city="Boise", state="ID", zip="83702")
    db.session.remove()
    assert _spatial_index_definitions() == []

    upgrade()
    migrated = _spatial_index_definitions()
    assert migrated
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT id FROM office_boxes")).scalars().all() == [located]
            connection.execute(text("UPDATE offices SET lat = 43.6, lng = -116.2 WHERE id = :id"), {"id": unlocated})
            assert connection.execute(text("SELECT id FROM office_boxes ORDER BY id")).scalars().all() == [
                located, unlocated]

    downgrade(revision=OFFICE_POINT_INDEX_REVISION + "-1")
    assert _spatial_index_definitions() == []
    downgrade(revision="base")
    db.create_all()
    assert _spatial_index_definitions() == migrated
    db.drop_all()
    assert _spatial_index_definitions() == []
