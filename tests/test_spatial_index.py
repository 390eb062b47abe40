"""The two-dimensional office index: the R*Tree follows offices on SQLite, and located searches read it
(the R*Tree on SQLite, the GiST index on PostgreSQL); the box condition stays exact."""
import pytest
from sqlalchemy import Float, bindparam, delete, event, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import default

from referral.extensions import db
from referral.models import Office, Provider
from referral.services.geocoding import Place
from referral.services.search import nearest_provider_ids
from referral.services.search_params import SearchCriteria
from referral.services.spatial import OFFICE_BOXES, OFFICE_POINT_INDEX, office_in_box

ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
NEW_YORK = {"lat": 40.7975, "lng": -73.9683, "zip": "10025", "city": "New York", "state": "NY"}
BOISE = {"lat": 43.6328, "lng": -116.2035, "zip": "83702", "city": "Boise", "state": "ID"}
UNLOCATED = {"lat": None, "lng": None, "zip": "10025", "city": "New York", "state": "NY"}


def assert_boxes_hold_the_located_offices() -> None:
    """Every office with a point has its box in the R*Tree, around that point; no other box is there."""
    db.session.flush()
    located = {row.id: row for row in db.session.execute(select(Office.id, Office.lat, Office.lng))
               if row.lat is not None and row.lng is not None}
    boxes = {row.id: row for row in db.session.execute(
        text(f"SELECT id, min_lat, max_lat, min_lng, max_lng FROM {OFFICE_BOXES}"))}
    assert set(boxes) == set(located)
    for office_id, office in located.items():
        box = boxes[office_id]
        assert box.min_lat <= office.lat <= box.max_lat and box.min_lng <= office.lng <= box.max_lng
        assert box.max_lat - box.min_lat < 1e-4 and box.max_lng - box.min_lng < 1e-4


@ON_SQLITE
def test_rtree_follows_offices_through_insert_move_and_delete(app_ctx, make_provider):
    provider = make_provider(offices=[NEW_YORK, UNLOCATED, BOISE])
    assert_boxes_hold_the_located_offices()

    new_york, unlocated, boise = provider.offices
    new_york.lat, new_york.lng = 40.7128, -74.0060
    unlocated.lat, unlocated.lng = 40.75, -73.99
    boise.lat = None
    db.session.commit()
    assert_boxes_hold_the_located_offices()

    db.session.execute(update(Office).where(Office.provider_id == provider.id).values(lng=Office.lng + 0.5))
    assert_boxes_hold_the_located_offices()

    provider.offices.remove(new_york)
    db.session.commit()
    assert_boxes_hold_the_located_offices()

    db.session.execute(delete(Office).where(Office.id == unlocated.id))
    assert_boxes_hold_the_located_offices()


@ON_SQLITE
def test_rtree_drops_the_offices_of_a_deleted_provider(app_ctx, make_provider):
    by_orm = make_provider(offices=[NEW_YORK, BOISE])
    by_cascade = make_provider(offices=[BOISE])
    kept = make_provider(offices=[NEW_YORK])
    assert_boxes_hold_the_located_offices()

    db.session.delete(by_orm)
    db.session.commit()
    assert_boxes_hold_the_located_offices()

    # The database's own ON DELETE CASCADE, as a bulk delete sees it.
    db.session.execute(delete(Provider).where(Provider.id == by_cascade.id))
    db.session.expire_all()
    assert_boxes_hold_the_located_offices()
    assert [row.id for row in db.session.execute(text(f"SELECT id FROM {OFFICE_BOXES}"))] == [kept.offices[0].id]


def test_box_condition_compiles_per_engine():
    statement = select(Office.id).where(office_in_box(1.0, 2.0, 3.0, 4.0))
    on_sqlite = str(statement.compile(dialect=sqlite.dialect()))
    on_postgresql = str(statement.compile(dialect=postgresql.dialect()))
    elsewhere = str(statement.compile(dialect=default.DefaultDialect()))
    assert f"offices.id IN (SELECT {OFFICE_BOXES}.id FROM {OFFICE_BOXES} WHERE" in on_sqlite
    assert "point(offices.lng, offices.lat) <@ box(point(" in on_postgresql
    assert OFFICE_BOXES not in elsewhere and "<@" not in elsewhere
    for compiled in (on_sqlite, on_postgresql, elsewhere):
        assert "offices.lat BETWEEN" in compiled and "offices.lng BETWEEN" in compiled


def test_a_box_that_only_checks_offices_is_the_ranges_alone():
    """Where offices are reached from their provider, the box consults no index (none to scan per provider)."""
    drives = select(Office.id).where(office_in_box(1.0, 2.0, 3.0, 4.0))
    checks = select(Office.id).where(office_in_box(1.0, 2.0, 3.0, 4.0, drives=False))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        compiled = str(checks.compile(dialect=dialect))
        assert OFFICE_BOXES not in compiled and "<@" not in compiled and "+offices" not in compiled
        assert "offices.lat BETWEEN" in compiled and "offices.lng BETWEEN" in compiled
    assert drives._generate_cache_key() != checks._generate_cache_key()


def test_named_bounds_keep_their_names():
    bounds = [bindparam(name, 0.0, type_=Float) for name in ("south", "north", "west", "east")]
    statement = select(Office.id).where(office_in_box(*bounds))
    compiled = statement.compile(dialect=sqlite.dialect(paramstyle="named"))
    assert set(compiled.params) == {"south", "north", "west", "east"}
    assert str(compiled).count(":south") == 2 and str(compiled).count(":east") == 2


def test_each_box_reaches_its_sql_and_bounds_are_exact(app_ctx, make_provider):
    """The same statement shape with other bounds (a cached compilation) answers with those bounds;
    a bound exactly on an office includes it, one a hair beyond excludes it (the R*Tree alone would not)."""
    new_york = make_provider(offices=[NEW_YORK])
    boise = make_provider(offices=[BOISE])

    def inside(south, north, west, east) -> set[int]:
        return set(db.session.scalars(select(Office.provider_id).where(office_in_box(south, north, west, east))))

    assert inside(40.0, 41.0, -75.0, -73.0) == {new_york.id}
    assert inside(43.0, 44.0, -117.0, -116.0) == {boise.id}
    lat, lng = NEW_YORK["lat"], NEW_YORK["lng"]
    assert inside(lat, lat, lng, lng) == {new_york.id}
    assert inside(lat + 1e-9, lat + 1.0, lng - 1.0, lng + 1.0) == set()
    assert inside(lat - 1.0, lat - 1e-9, lng - 1.0, lng + 1.0) == set()
    assert inside(lat - 1.0, lat + 1.0, lng + 1e-9, lng + 1.0) == set()


def ranked_statement(make_provider) -> tuple[str, dict]:
    """The SQL and parameters of a located search's ranked statement, as the search runs it."""
    make_provider(offices=[NEW_YORK])
    seen = []
    connection = db.session.connection()

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        criteria = SearchCriteria(place=Place(NEW_YORK["lat"], NEW_YORK["lng"], "New York, NY", "NY"), radius=25)
        assert nearest_provider_ids(criteria, 20)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return next((sql, parameters) for sql, parameters in seen if OFFICE_BOXES in sql or "<@" in sql)


@ON_SQLITE
def test_sqlite_search_starts_from_the_rtree(app_ctx, make_provider):
    sql, parameters = ranked_statement(make_provider)
    plan = [row[3] for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
    assert plan[0] == "SEARCH offices USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert any(f"SCAN {OFFICE_BOXES} VIRTUAL TABLE" in line for line in plan), plan
    assert not any("ix_offices_lat_lng" in line for line in plan), plan


@ON_POSTGRESQL
def test_postgresql_search_reads_the_gist_index(app_ctx, make_provider):
    sql, parameters = ranked_statement(make_provider)
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, parameters))
    assert OFFICE_POINT_INDEX in plan, plan
    assert "ix_offices_lat_lng" not in plan, plan
