"""Offices inside a latitude/longitude box, served by a two-dimensional index on each engine.

SQLite keeps every located office's point in an R*Tree, office_boxes (id = offices.id), which
triggers on offices keep in step; PostgreSQL indexes point(lng, lat) with GiST; other engines
check the ranges alone. The index only narrows: the exact latitude and longitude ranges are
always checked as well, since an R*Tree stores 32-bit floats, rounded outward.
"""
from sqlalchemy import DDL, Boolean, Float, event, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from ..extensions import db

OFFICES = "offices"
OFFICE_BOXES = "office_boxes"
# The tables SQLite keeps an R*Tree in; created and dropped with it.
OFFICE_BOXES_SHADOWS = tuple(f"{OFFICE_BOXES}_{part}" for part in ("node", "parent", "rowid"))
OFFICE_POINT_INDEX = "ix_offices_point"

# Rebuilding offices (Alembic's batch copy-and-move on SQLite) drops these triggers: such a migration
# must create them again and refill the R*Tree.
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {OFFICE_BOXES} USING rtree(id, min_lat, max_lat, min_lng, max_lng)",
    f"""CREATE TRIGGER {OFFICE_BOXES}_after_insert AFTER INSERT ON {OFFICES}
WHEN NEW.lat IS NOT NULL AND NEW.lng IS NOT NULL
BEGIN
    INSERT INTO {OFFICE_BOXES} (id, min_lat, max_lat, min_lng, max_lng)
    VALUES (NEW.id, NEW.lat, NEW.lat, NEW.lng, NEW.lng);
END""",
    f"""CREATE TRIGGER {OFFICE_BOXES}_after_update AFTER UPDATE OF id, lat, lng ON {OFFICES}
BEGIN
    DELETE FROM {OFFICE_BOXES} WHERE id = OLD.id;
    INSERT INTO {OFFICE_BOXES} (id, min_lat, max_lat, min_lng, max_lng)
    SELECT NEW.id, NEW.lat, NEW.lat, NEW.lng, NEW.lng WHERE NEW.lat IS NOT NULL AND NEW.lng IS NOT NULL;
END""",
    f"""CREATE TRIGGER {OFFICE_BOXES}_after_delete AFTER DELETE ON {OFFICES}
BEGIN
    DELETE FROM {OFFICE_BOXES} WHERE id = OLD.id;
END""",
)
# Dropping offices drops its triggers, not the R*Tree.
SQLITE_DROP = f"DROP TABLE IF EXISTS {OFFICE_BOXES}"
# The columns a located search reads ride along, so that it reads the index alone (an index-only scan).
POSTGRESQL_CREATE = (
    f"CREATE INDEX {OFFICE_POINT_INDEX} ON {OFFICES} USING gist (point(lng, lat)) INCLUDE (provider_id, lat, lng)"
)


def attach_office_index(offices) -> None:
    """Create (and drop) the office point index with the offices table, on SQLite and PostgreSQL."""
    for statement in SQLITE_CREATE:
        event.listen(offices, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    event.listen(offices, "after_drop", DDL(SQLITE_DROP).execute_if(dialect="sqlite"))
    event.listen(offices, "after_create", DDL(POSTGRESQL_CREATE).execute_if(dialect="postgresql"))


def include_name(name, type_, parent_names) -> bool:
    """Alembic's autogenerate filter: the index is built by raw DDL, not described by the models."""
    if type_ == "table":
        return name not in (OFFICE_BOXES, *OFFICE_BOXES_SHADOWS)
    if type_ == "index":
        return name != OFFICE_POINT_INDEX
    return True


class OfficeInBox(ColumnElement[bool]):
    """The condition that an office's point lies in a box, bounds included (see office_in_box)."""

    inherit_cache = True
    type = Boolean()
    # A condition in itself: never compared with true on engines without a boolean type.
    _is_implicitly_boolean = True
    _traverse_internals = [
        *((side, InternalTraversal.dp_clauseelement) for side in ("south", "north", "west", "east")),
        ("drives", InternalTraversal.dp_boolean),
    ]

    def __init__(self, south, north, west, east, drives: bool = True) -> None:
        self.south, self.north, self.west, self.east = (
            value if isinstance(value, ClauseElement) else literal(value, Float) for value in (south, north, west, east)
        )
        self.drives = drives

    @property
    def _from_objects(self) -> list:
        return [_offices()]


def office_in_box(south, north, west, east, *, drives: bool = True) -> OfficeInBox:
    """Offices whose point lies between the latitudes south..north and longitudes west..east.

    Each bound is a value or a bind parameter; a named bind parameter keeps its name in the SQL.
    `drives`: the statement finds its offices by the box, so the index lists them. Pass False where
    the offices are reached another way (a provider's offices, in a correlated subquery) and the box
    only checks them: the ranges alone, since planners would otherwise scan the whole box for each
    of those rows (SQLite probes every office the R*Tree lists; PostgreSQL, misjudging the GiST
    index's selectivity, rescans it inside an anti-join).
    """
    return OfficeInBox(south, north, west, east, drives)


def _offices():
    return db.metadata.tables[OFFICES]


def _exact(element: OfficeInBox, compiler, *, unindexed: bool = False, **kw) -> str:
    """The ranges themselves; `unindexed` keeps the planner off a B-tree on lat (unary plus changes no value).

    Planners estimate a narrow latitude band to be cheaper than the two-dimensional index, yet the band
    spans the whole continent's longitudes: where the engine has that index, the ranges only filter.
    """
    offices = _offices()
    south, north, west, east = _bounds(element, compiler, **kw)
    plus = "+" if unindexed else ""
    lat, lng = (compiler.process(column, **kw) for column in (offices.c.lat, offices.c.lng))
    return f"{plus}{lat} BETWEEN {south} AND {north} AND {plus}{lng} BETWEEN {west} AND {east}"


def _bounds(element: OfficeInBox, compiler, **kw) -> tuple[str, str, str, str]:
    return tuple(compiler.process(side, **kw) for side in (element.south, element.north, element.west, element.east))


@compiles(OfficeInBox)
def _compile_anywhere(element, compiler, **kw):
    return f"({_exact(element, compiler, **kw)})"


@compiles(OfficeInBox, "sqlite")
def _compile_sqlite(element, compiler, **kw):
    if not element.drives:
        return _compile_anywhere(element, compiler, **kw)
    south, north, west, east = _bounds(element, compiler, **kw)
    office_id = compiler.process(_offices().c.id, **kw)
    boxes = OFFICE_BOXES
    overlapping = (f"{boxes}.max_lat >= {south} AND {boxes}.min_lat <= {north}"
                   f" AND {boxes}.max_lng >= {west} AND {boxes}.min_lng <= {east}")
    listed = f"{office_id} IN (SELECT {boxes}.id FROM {boxes} WHERE {overlapping})"
    return f"({listed} AND {_exact(element, compiler, unindexed=True, **kw)})"


@compiles(OfficeInBox, "postgresql")
def _compile_postgresql(element, compiler, **kw):
    if not element.drives:
        return _compile_anywhere(element, compiler, **kw)
    south, north, west, east = _bounds(element, compiler, **kw)
    offices = _offices()
    point = f"point({compiler.process(offices.c.lng, **kw)}, {compiler.process(offices.c.lat, **kw)})"
    return (
        f"({point} <@ box(point({west}, {south}), point({east}, {north}))"
        f" AND {_exact(element, compiler, unindexed=True, **kw)})"
    )
