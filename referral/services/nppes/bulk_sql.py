"""What both engines' batch writers share: the columns the import sets, and whose listing it may update."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, literal

from ...models import LISTING_UNCLAIMED, Provider
from .mapper import MappedProvider

SOURCE_NPPES = "nppes"
PROVIDERS = Provider.__table__
# The listing's own registry fields: the first seven of a MappedProvider, in its order.
LISTING_FIELDS = ("npi", "first_name", "last_name", "credentials", "provider_type_id", "taxonomy_code", "phone")
# The office's fields: the next five.
OFFICE_FIELDS = ("address1", "address2", "city", "state", "zip")
# What every listing the import creates says; its other columns take the model's defaults.
NEW_LISTING_VALUES = {"listing_status": LISTING_UNCLAIMED, "source": SOURCE_NPPES, "active": True, "version_id": 1}
# A listing's record of the registry row it was last written from, replaced whenever it is written.
RECORD_UPSERT = ("ON CONFLICT (provider_id) DO UPDATE SET row_hash = excluded.row_hash, "
                 "imported_at = excluded.imported_at")
# Only unclaimed registry listings take registry updates; anything an owner holds is theirs.
TAKES_REGISTRY_UPDATES = and_(
    PROVIDERS.c.source == SOURCE_NPPES, PROVIDERS.c.owner_id.is_(None), PROVIDERS.c.listing_status == LISTING_UNCLAIMED,
)


def takes_registry_updates(source: str, owner_id, listing_status: str) -> bool:
    """TAKES_REGISTRY_UPDATES for one listing's values, in Python."""
    return source == SOURCE_NPPES and owner_id is None and listing_status == LISTING_UNCLAIMED


@dataclass
class Plan:
    """The writes of one batch: listings to insert or update (with their offices' points), and the rest."""

    listings: list[tuple[MappedProvider, float | None, float | None]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)  # updated listings, whose offices and licenses are replaced
    records: list[tuple[int, str]] = field(default_factory=list)  # (listing id, digest) of listings an owner holds
    deactivate: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        """Whether the plan writes anything."""
        return bool(self.listings or self.records or self.deactivate)


def sql_literal(value, column, dialect) -> str:
    """A value as a SQL literal of the column's type, in the dialect's spelling (FALSE, 0, 'text')."""
    return literal(value, column.type).compile(dialect=dialect, compile_kwargs={"literal_binds": True}).string


def takes_registry_updates_sql(dialect) -> str:
    """TAKES_REGISTRY_UPDATES as SQL text (columns qualified by the providers table)."""
    return TAKES_REGISTRY_UPDATES.compile(dialect=dialect, compile_kwargs={"literal_binds": True}).string


def new_listing_constants(dialect) -> dict[str, str]:
    """SQL literals for the provider columns a new registry listing does not read from the file."""
    given = {*LISTING_FIELDS, "created_at", "updated_at"}
    constants = {}
    for column in PROVIDERS.columns:
        if column.primary_key or column.name in given:
            continue
        if column.name in NEW_LISTING_VALUES:
            value = NEW_LISTING_VALUES[column.name]
        elif column.default is not None and column.default.is_scalar:
            value = column.default.arg
        else:
            continue  # NULL, or the server's default
        constants[column.name] = sql_literal(value, column, dialect)
    return constants


def timestamp_parameter(now, dialect):
    """`now` as the driver receives it for the timestamp columns (SQLite stores a naive UTC text)."""
    process = PROVIDERS.c.updated_at.type.bind_processor(dialect)
    return process(now) if process else now


def refreshed_listing_sql(dialect) -> str:
    """The SET list of an upsert whose row exists: the registry fields, shown again, and a new version."""
    return ", ".join(
        [f"{name} = excluded.{name}" for name in LISTING_FIELDS[1:]]
        + [f"active = {sql_literal(True, PROVIDERS.c.active, dialect)}", "updated_at = excluded.updated_at",
           "version_id = providers.version_id + 1"]
    )
