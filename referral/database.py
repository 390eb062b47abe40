"""Engine set-up: read-only requests, SQLite pragmas and BEGIN IMMEDIATE write transactions, math fallback."""
import math
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .services.text_folding import register_sqlite_function

# Requests that only read (GET, HEAD) begin deferred transactions so that readers never wait for
# the single SQLite write lock; everything else begins with BEGIN IMMEDIATE, which takes the write
# lock up front instead of failing to upgrade a read lock under concurrent writers.
read_only_transaction: ContextVar[bool] = ContextVar("read_only_transaction", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class WriteInReadOnlyTransaction(RuntimeError):
    """A statement that changes data ran in a read-only request: the view must take a write transaction."""


def takes_write_transaction(view):
    """Mark a GET view that writes (an audited read, a first look): it runs in a write transaction."""
    view.takes_write_transaction = True
    return view


def only_reads(view):
    """Mark a view that takes POST but never writes (a search sent as a form): it runs in a read-only transaction."""
    view.only_reads = True
    return view


def is_read_only(method: str, view) -> bool:
    """Whether a request with this method, served by this view, runs in a read-only transaction."""
    if getattr(view, "only_reads", False):
        return True
    return method in SAFE_METHODS and not getattr(view, "takes_write_transaction", False)


def refuse_writes_when_read_only(engine: Engine) -> None:
    """Make a write in a read-only request fail loudly instead of upgrading its transaction unseen."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(_connection, _cursor, statement, _parameters, _context, _executemany):
        if read_only_transaction.get() and statement.lstrip()[:6].upper() in _WRITE_VERBS:
            raise WriteInReadOnlyTransaction(f"{statement.split(None, 1)[0]} in a read-only request")

_MATH_FUNCTIONS = {
    "sin": math.sin,
    "cos": math.cos,
    "asin": math.asin,
    "sqrt": math.sqrt,
    "radians": math.radians,
    "floor": math.floor,
}


def _ensure_math_functions(dbapi_connection) -> None:
    """Register Python math functions where SQLite was built without its own."""
    try:
        dbapi_connection.execute("SELECT sin(0), radians(0)").fetchone()
    except Exception:  # sqlite3.OperationalError: no such function
        for name, func in _MATH_FUNCTIONS.items():
            dbapi_connection.create_function(name, 1, func, deterministic=True)


def configure_postgresql(engine: Engine, prepare_threshold: int | None) -> None:
    """Have psycopg prepare statements after `prepare_threshold` runs on a connection (None: never), planned once.

    Planning the ranked search statement takes several times as long as running it; a prepared
    statement is planned once per connection. None suits a transaction-pooling proxy (PgBouncer),
    where a connection's prepared statements may be gone by the next transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.prepare_threshold = prepare_threshold
        if prepare_threshold is not None:
            # By default PostgreSQL plans a prepared statement afresh whenever a plan for its values looks
            # cheaper than the generic one, as it does for every small search circle; the directory's
            # statements have one good plan whatever their values (the index order does not change).
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_connection.commit()


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Apply the pragmas and the transaction-begin hook to a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, below, emit BEGIN instead of the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A search touches offices, providers and several association tables: keep them in memory.
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB per connection
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()
        _ensure_math_functions(dbapi_connection)
        register_sqlite_function(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if read_only_transaction.get():
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def refresh_planner_statistics(connection) -> None:
    """Update the query planner's statistics after a bulk load (ANALYZE on either engine)."""
    connection.exec_driver_sql("ANALYZE")
