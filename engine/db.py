"""Database connections and schema migrations.

SQLite (the embedded default) is tuned for a single-writer workload: WAL so readers never
block, ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing on lock
upgrade (reads through :func:`reader` begin DEFERRED), and foreign keys on.

PostgreSQL gets a pool without a pre-ping (a round trip on every checkout). A connection the
server ended while it was pooled is refused at checkout by a look at its socket (no round
trip); one cut without a word is found at its first statement instead, SQLAlchemy then
recycles the whole pool, and :func:`retry_stale` runs the work again on a fresh one.
:class:`Connections` lets one web request use one connection for everything it reads and
writes (decision 0019).
"""

from __future__ import annotations

import logging
import select
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError, DisconnectionError

from engine.pipeline import PENDING, flush_pending, own_begin

__all__ = [
    "AUDIT_ERASING",
    "Connections",
    "connect",
    "is_postgres",
    "migrate",
    "new_id",
    "normalise_url",
    "reader",
    "retry_stale",
    "stale",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# True while engine.erasure scrubs audit rows (SQLite's trigger reads it through a function).
AUDIT_ERASING: ContextVar[bool] = ContextVar("redress_audit_erasing", default=False)


def connect(url: str, *, pool_size: int = 10) -> SqlEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    # A step inserts a few rows per table: one multi-row INSERT … VALUES is one round trip,
    # where psycopg's pipelined executemany costs a sync and more Python.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    event.listen(engine, "checkout", _refuse_if_closed_by_server)
    return engine


def _refuse_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no pooled connection the server has already ended, without a round trip.

    An idle pooled connection is sent nothing, unless the server ends it (a restart,
    ``pg_terminate_backend``, an idle timeout): then a FATAL message and the end of the stream
    wait on its socket. One non-blocking poll of the socket sees them (a microsecond, where
    a pre-ping costs a round trip), and the pool opens a fresh connection instead. A
    connection cut without a word (a network partition) still fails its first statement, for
    :func:`retry_stale`.
    """
    try:
        poller = select.poll()  # not select(): it cannot watch a descriptor above 1023
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        readable = poller.poll(0)
    except Exception as exc:  # closed already: psycopg's error, or a bad descriptor
        raise DisconnectionError("the pooled connection is closed") from exc
    if readable:
        raise DisconnectionError("the server ended this pooled connection while it was idle")


def stale(exc: BaseException) -> bool:
    """A statement found its pooled connection dead (the server restarted, a proxy cut it).

    The transaction it was in never committed, and SQLAlchemy has already marked every older
    pooled connection for renewal, so the work can be run again. A failure during COMMIT has
    no statement and is not stale: whether that transaction committed is unknown.
    """
    return (
        isinstance(exc, DBAPIError)
        and bool(exc.connection_invalidated)
        and exc.statement is not None
    )


def retry_stale(work: Callable[[], T]) -> T:
    """Run ``work``; run it once more if it met a dead pooled connection (see :func:`stale`).

    Only for work that is safe to repeat once its failed transaction rolled back: every write
    in Redress is guarded by a revision, a status or a lease.
    """
    try:
        return work()
    except DBAPIError as exc:
        if not stale(exc):
            raise
        log.warning("database connection lost (%s); retrying on a fresh one", type(exc.orig))
        _forget_bound()
        return work()


def reader(engine: SqlEngine) -> SqlEngine:
    """The same pool, for reads that need no transaction of their own.

    On PostgreSQL reads run in autocommit, which spares each one a BEGIN and a ROLLBACK round
    trip; on SQLite they begin DEFERRED, so they do not queue behind writers for the write
    lock (WAL gives them a snapshot anyway). A read spanning several statements may then see
    a commit land between them; the engine's reads do not depend on that.
    """
    if is_postgres(engine):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(redress_read=True)


def is_postgres(engine: SqlEngine) -> bool:
    return engine.dialect.name == "postgresql"


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: SqlEngine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # The audit log's UPDATE trigger asks this whether an erasure is under way.
        dbapi_connection.create_function("redress_audit_erasing", 0,
                                         lambda: int(AUDIT_ERASING.get()))

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("redress_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(engine: SqlEngine, extra_version_locations: Sequence[str | Path] = ()) -> None:
    """Bring the schema to the newest revision of the engine and of any extra branches."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions"), *(str(p) for p in extra_version_locations)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT just made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# -- one connection per request ----------------------------------------------------------------


class _Bound:
    """A connection checked out on first use and held until the binding ends.

    It is checked out in the mode of that first use, and switched only when a use of the other
    kind comes: a web request whose only use is its step (a completion, with the sign-in check
    answered from its copy) checks out a transaction's connection and never switches. Each
    switch is SQLAlchemy's isolation-level change, and a checkout from the reads' engine pays
    one more on the way in and another on the way out, about 45 µs per request in all.
    """

    def __init__(self, db: SqlEngine, reads: SqlEngine) -> None:
        self.db, self.reads = db, reads
        self.conn: Connection | None = None
        self.writing = False  # a write transaction is open on it
        self.reading = False  # it is in the reads' mode (autocommit, or SQLite's DEFERRED)

    def get(self, *, writing: bool) -> Connection:
        if self.conn is None or self.conn.invalidated:
            self.close()
            self.conn = (self.db if writing else self.reads).connect()
            self.reading = not writing
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.writing = False


_BOUND: ContextVar[_Bound | None] = ContextVar("redress_bound_connection", default=None)


def _forget_bound() -> None:
    bound = _BOUND.get()
    if bound is not None:
        bound.close()


@contextmanager
def _sending_held_writes(conn: Connection) -> Iterator[None]:
    """At a write transaction's end, send the writes a step left for it together with its
    COMMIT (``engine.pipeline``); if the block raised, they are dropped with the rollback."""
    try:
        yield
        flush_pending(conn, commit=True)
    finally:
        if not conn.invalidated:  # an invalidated connection's info went with it
            conn.info.pop(PENDING, None)


class Connections:
    """Where the engine's reads and writes get their connection.

    Outside :meth:`bound`, each :meth:`read` and :meth:`write` checks one out of the pool, as
    before. Inside it (one web request), they all use the same connection, checked out once:
    reads in autocommit on PostgreSQL (DEFERRED on SQLite), each write in a transaction of its
    own on that connection. The caller's sign-in check, the step and the answer then cost one
    checkout instead of four.
    """

    def __init__(self, db: SqlEngine) -> None:
        self.db = db
        self.reads = reader(db)
        self.postgres = is_postgres(db)

    def _mine(self) -> _Bound | None:
        bound = _BOUND.get()
        return bound if bound is not None and bound.reads.pool is self.db.pool else None

    @contextmanager
    def bound(self) -> Iterator[None]:
        """Share one connection among every read and write inside the block."""
        if self._mine() is not None:
            yield
            return
        bound = _Bound(self.db, self.reads)
        token = _BOUND.set(bound)
        try:
            yield
        finally:
            _BOUND.reset(token)
            bound.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        bound = self._mine()
        if bound is None:
            with self.reads.connect() as conn:
                yield conn
            return
        conn = bound.get(writing=False)
        if bound.writing:  # a read inside a write sees the write
            yield conn
            return
        self._mode(bound, conn, reading=True)
        try:
            yield conn
        finally:
            if conn.in_transaction() and not conn.invalidated:
                conn.commit()  # SQLite: end the DEFERRED read; PostgreSQL: nothing is sent

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction, committed when the block ends (rolled back if it raises)."""
        bound = self._mine()
        if bound is None:
            with self.db.connect() as conn, self._own_begin(conn), conn.begin(), \
                    _sending_held_writes(conn):
                yield conn
            return
        conn = bound.get(writing=True)
        if bound.writing:
            raise RuntimeError("a write transaction is already open on this request's connection")
        if conn.in_transaction():
            conn.commit()
        self._mode(bound, conn, reading=False)
        bound.writing = True
        try:
            with self._own_begin(conn), conn.begin(), _sending_held_writes(conn):
                yield conn
        finally:
            bound.writing = False  # left in the write's mode: a read switches it if one comes

    def _own_begin(self, conn: Connection) -> AbstractContextManager[None]:
        """Let :func:`engine.pipeline.first_row` send this transaction's BEGIN with its first
        query (one round trip, not two); the driver is restored once the transaction ended."""
        return own_begin(conn) if self.postgres else nullcontext()

    def _mode(self, bound: _Bound, conn: Connection, *, reading: bool) -> None:
        if bound.reading == reading:
            return
        if self.postgres:
            level = "AUTOCOMMIT" if reading else self.db.dialect.default_isolation_level
            conn.execution_options(isolation_level=level)
        else:
            conn.execution_options(redress_read=reading)
        bound.reading = reading
