"""One batch on PostgreSQL: COPY into temporary staging tables, then one set-based statement per table."""
from __future__ import annotations

from .bulk_sql import (
    LISTING_FIELDS, OFFICE_FIELDS, PROVIDERS, RECORD_UPSERT, Plan, new_listing_constants, refreshed_listing_sql,
    sql_literal, takes_registry_updates_sql,
)

STAGE = "nppes_import_listings"
STAGE_LICENSES = "nppes_import_licenses"
# Temporary tables live as long as the connection; one created in a transaction that is rolled back
# is gone, so each batch makes sure of them before emptying them.
STAGE_TABLES = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (npi text, first_name text, last_name text, credentials text, "
    "provider_type_id integer, taxonomy_code text, phone text, address1 text, address2 text, city text, state text, "
    "zip text, lat double precision, lng double precision, row_hash text, provider_id integer)",
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_LICENSES} (npi text, state text, number text)",
    f"TRUNCATE {STAGE}, {STAGE_LICENSES}",
)


class PostgresBatchWriter:
    """Looks up and writes batches on PostgreSQL through the driver's connection (psycopg 3)."""

    def __init__(self, dialect):
        constants = new_listing_constants(dialect)
        columns = [*LISTING_FIELDS, "created_at", "updated_at", *constants]
        values = [*LISTING_FIELDS, "%(now)s", "%(now)s", *constants.values()]
        staged_fields = [*LISTING_FIELDS, *OFFICE_FIELDS, "lat", "lng", "row_hash"]
        # The upsert notes in the staging table the id of each listing it wrote; the statements after
        # it touch only those. A listing its owner claimed since the lookup is not among them: the
        # upsert locks every listing it meets, and its WHERE leaves a claimed one alone.
        written = f"FROM {STAGE} s WHERE s.provider_id IS NOT NULL"
        self.lookup = (
            "SELECT p.npi, p.id, p.source, p.owner_id, p.listing_status, p.active, r.row_hash "
            "FROM providers p LEFT JOIN nppes_records r ON r.provider_id = p.id WHERE p.npi = ANY(%s)"
        )
        self.copy_listings = f"COPY {STAGE} ({', '.join(staged_fields)}) FROM STDIN"
        self.copy_licenses = f"COPY {STAGE_LICENSES} FROM STDIN"
        self.upsert_listings = (
            f"WITH written AS (INSERT INTO providers ({', '.join(columns)}) SELECT {', '.join(values)} FROM {STAGE} "
            f"ON CONFLICT (npi) DO UPDATE SET {refreshed_listing_sql(dialect)} "
            f"WHERE {takes_registry_updates_sql(dialect)} RETURNING id, npi) "
            f"UPDATE {STAGE} s SET provider_id = written.id FROM written WHERE s.npi = written.npi"
        )
        self.delete_children = [
            f"DELETE FROM {table} WHERE provider_id IN (SELECT s.provider_id {written})"
            for table in ("offices", "licenses")
        ]
        self.insert_offices = (
            f"INSERT INTO offices (provider_id, {', '.join(OFFICE_FIELDS)}, lat, lng) "
            f"SELECT s.provider_id, {', '.join('s.' + name for name in OFFICE_FIELDS)}, s.lat, s.lng {written}"
        )
        self.insert_licenses = (
            f"INSERT INTO licenses (provider_id, state, number) SELECT s.provider_id, l.state, l.number "
            f"FROM {STAGE_LICENSES} l JOIN {STAGE} s ON s.npi = l.npi WHERE s.provider_id IS NOT NULL"
        )
        self.upsert_records = (
            f"INSERT INTO nppes_records (provider_id, row_hash, imported_at) SELECT s.provider_id, s.row_hash, %s "
            f"{written} {RECORD_UPSERT}"
        )
        self.record_by_id = (
            f"INSERT INTO nppes_records (provider_id, row_hash, imported_at) VALUES (%s, %s, %s) {RECORD_UPSERT}"
        )
        self.deactivate = (
            f"UPDATE providers SET active = {sql_literal(False, PROVIDERS.c.active, dialect)}, updated_at = %s, "
            f"version_id = version_id + 1 WHERE id = ANY(%s) AND {takes_registry_updates_sql(dialect)}"
        )

    def existing(self, raw, npis: list[str]) -> list[tuple]:
        """(npi, id, source, owner_id, listing_status, active, row_hash) of the listings that hold these NPIs."""
        with raw.cursor() as cursor:
            return cursor.execute(self.lookup, (npis,)).fetchall()

    def apply(self, raw, plan: Plan, now) -> None:
        """Write the plan inside the current transaction."""
        with raw.cursor() as cursor:
            if plan.listings:
                for statement in STAGE_TABLES:
                    cursor.execute(statement)
                with cursor.copy(self.copy_listings) as copy:
                    for p, lat, lng in plan.listings:
                        copy.write_row((*p[:12], lat, lng, p[13]))
                licenses = [(p[0], state, number) for p, _, _ in plan.listings for state, number in p[12]]
                if licenses:
                    with cursor.copy(self.copy_licenses) as copy:
                        for row in licenses:
                            copy.write_row(row)
                cursor.execute(self.upsert_listings, {"now": now})
                if plan.replaced:
                    for statement in self.delete_children:
                        cursor.execute(statement)
                cursor.execute(self.insert_offices)
                if licenses:
                    cursor.execute(self.insert_licenses)
                cursor.execute(self.upsert_records, (now,))
            if plan.records:
                cursor.executemany(self.record_by_id, [(pid, digest, now) for pid, digest in plan.records])
            if plan.deactivate:
                cursor.execute(self.deactivate, (now, plan.deactivate))
