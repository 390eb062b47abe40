"""One batch on SQLite: each statement takes the whole batch as one JSON parameter and runs it in one step.

One step per statement matters because the driver lets go of the interpreter lock only while a step
runs: batches are written by a background thread while the importer's own thread goes on mapping
rows, and an executemany (a step, then a wait to take the lock back, per row) would spend most of
its time waiting.
"""
from __future__ import annotations

import json

from .bulk_sql import (
    LISTING_FIELDS, OFFICE_FIELDS, PROVIDERS, RECORD_UPSERT, Plan, new_listing_constants, refreshed_listing_sql,
    sql_literal, takes_registry_updates_sql, timestamp_parameter,
)

# A planned listing arrives as [[the MappedProvider's fields], lat, lng]; these read it in SQL.
LICENSES_AT = 12
HASH_AT = 13


def _field(index: int) -> str:
    return f"json_extract(j.value, '$[0][{index}]')"


# A listing's id, found by NPI through the unique index. The listings written are all the upsert's:
# SQLite's write transactions begin IMMEDIATE, so none changes hands after the lookup.
ID_OF_LISTING = f"(SELECT id FROM providers WHERE npi = {_field(0)})"


class SqliteBatchWriter:
    """Looks up and writes batches on SQLite through the driver's connection."""

    def __init__(self, dialect):
        self.dialect = dialect
        constants = new_listing_constants(dialect)
        columns = [*LISTING_FIELDS, "created_at", "updated_at", *constants]
        values = [_field(i) for i in range(len(LISTING_FIELDS))] + ["?", "?", *constants.values()]
        rule = takes_registry_updates_sql(dialect)
        listings = "FROM json_each(?) j"
        # "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
        self.lookup = (
            "SELECT json_group_array(json_array(p.npi, p.id, p.source, p.owner_id, p.listing_status, p.active, "
            "r.row_hash)) FROM providers p LEFT JOIN nppes_records r ON r.provider_id = p.id "
            "WHERE p.npi IN (SELECT value FROM json_each(?))"
        )
        self.upsert_listings = (
            f"INSERT INTO providers ({', '.join(columns)}) SELECT {', '.join(values)} {listings} WHERE true "
            f"ON CONFLICT (npi) DO UPDATE SET {refreshed_listing_sql(dialect)} WHERE {rule}"
        )
        self.delete_children = [
            f"DELETE FROM {table} WHERE provider_id IN (SELECT value FROM json_each(?))"
            for table in ("offices", "licenses")
        ]
        office_values = [_field(i) for i in range(len(LISTING_FIELDS), len(LISTING_FIELDS) + len(OFFICE_FIELDS))]
        self.insert_offices = (
            f"INSERT INTO offices (provider_id, {', '.join(OFFICE_FIELDS)}, lat, lng) "
            f"SELECT {ID_OF_LISTING}, {', '.join(office_values)}, json_extract(j.value, '$[1]'), "
            f"json_extract(j.value, '$[2]') {listings}"
        )
        self.insert_licenses = (
            f"INSERT INTO licenses (provider_id, state, number) "
            f"SELECT {ID_OF_LISTING}, json_extract(l.value, '$[0]'), json_extract(l.value, '$[1]') "
            f"{listings}, json_each(j.value, '$[0][{LICENSES_AT}]') l"
        )
        self.upsert_records = (
            f"INSERT INTO nppes_records (provider_id, row_hash, imported_at) "
            f"SELECT {ID_OF_LISTING}, {_field(HASH_AT)}, ? {listings} WHERE true {RECORD_UPSERT}"
        )
        self.record_by_id = (
            "INSERT INTO nppes_records (provider_id, row_hash, imported_at) "
            f"SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), ? {listings} "
            f"WHERE true {RECORD_UPSERT}"
        )
        self.deactivate = (
            f"UPDATE providers SET active = {sql_literal(False, PROVIDERS.c.active, dialect)}, updated_at = ?, "
            f"version_id = version_id + 1 WHERE id IN (SELECT value FROM json_each(?)) AND {rule}"
        )

    def existing(self, raw, npis: list[str]) -> list[list]:
        """[npi, id, source, owner_id, listing_status, active, row_hash] of the listings that hold these NPIs."""
        (found,) = raw.execute(self.lookup, (json.dumps(npis),)).fetchone()
        return json.loads(found)

    def apply(self, raw, plan: Plan, now) -> None:
        """Write the plan inside the current transaction."""
        stamp = timestamp_parameter(now, self.dialect)
        if plan.listings:
            listings = json.dumps(plan.listings)
            raw.execute(self.upsert_listings, (stamp, stamp, listings))
            if plan.replaced:
                replaced = json.dumps(plan.replaced)
                for statement in self.delete_children:
                    raw.execute(statement, (replaced,))
            raw.execute(self.insert_offices, (listings,))
            raw.execute(self.insert_licenses, (listings,))
            raw.execute(self.upsert_records, (stamp, listings))
        if plan.records:
            raw.execute(self.record_by_id, (stamp, json.dumps(plan.records)))
        if plan.deactivate:
            raw.execute(self.deactivate, (stamp, json.dumps(plan.deactivate)))
