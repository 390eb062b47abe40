"""office point index: an R*Tree of office points on SQLite, a GiST index on point(lng, lat) on PostgreSQL

On SQLite the R*Tree is filled from the offices already stored and kept in step by triggers. On
PostgreSQL the index carries the columns a located search reads (PostgreSQL 12 or later).
The same objects are built by create_all (referral/services/spatial.py).

Revision ID: 7d6d25e72c51
Revises: d5446fef9abb
Create Date: 2026-12-02 07:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d6d25e72c51'
down_revision = 'd5446fef9abb'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE office_boxes USING rtree(id, min_lat, max_lat, min_lng, max_lng)",
    """INSERT INTO office_boxes (id, min_lat, max_lat, min_lng, max_lng)
SELECT id, lat, lat, lng, lng FROM offices WHERE lat IS NOT NULL AND lng IS NOT NULL""",
    """CREATE TRIGGER office_boxes_after_insert AFTER INSERT ON offices
WHEN NEW.lat IS NOT NULL AND NEW.lng IS NOT NULL
BEGIN
    INSERT INTO office_boxes (id, min_lat, max_lat, min_lng, max_lng)
    VALUES (NEW.id, NEW.lat, NEW.lat, NEW.lng, NEW.lng);
END""",
    """CREATE TRIGGER office_boxes_after_update AFTER UPDATE OF id, lat, lng ON offices
BEGIN
    DELETE FROM office_boxes WHERE id = OLD.id;
    INSERT INTO office_boxes (id, min_lat, max_lat, min_lng, max_lng)
    SELECT NEW.id, NEW.lat, NEW.lat, NEW.lng, NEW.lng WHERE NEW.lat IS NOT NULL AND NEW.lng IS NOT NULL;
END""",
    """CREATE TRIGGER office_boxes_after_delete AFTER DELETE ON offices
BEGIN
    DELETE FROM office_boxes WHERE id = OLD.id;
END""",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS office_boxes_after_delete",
    "DROP TRIGGER IF EXISTS office_boxes_after_update",
    "DROP TRIGGER IF EXISTS office_boxes_after_insert",
    "DROP TABLE IF EXISTS office_boxes",
)


def upgrade():
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute(
            "CREATE INDEX ix_offices_point ON offices USING gist (point(lng, lat)) INCLUDE (provider_id, lat, lng)"
        )


def downgrade():
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_offices_point")
