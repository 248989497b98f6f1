"""A step's writes sent together: one network round trip on PostgreSQL, not one per statement.

A step knows everything it will write only once it has run, and nothing reads those writes
back before COMMIT (the instance row is locked by the step's claim). On PostgreSQL they are
queued and sent in psycopg's pipeline mode; when the step is the last thing its transaction
does, the COMMIT goes in the same pipeline (:class:`engine.db.Connections` flushes what is
pending as it commits). A completion is then 2 round trips: BEGIN with the claim's read, and
the writes with COMMIT; one statement at a time it was 7.

A write that must touch exactly so many rows (the instance's save at its revision, the task
being completed) is checked inside the database: on PostgreSQL it is sent as ``WITH w AS (…
RETURNING 1) SELECT redress_expect_rows(count(*), n, 'write i') FROM w`` (migration
``0006_expect_rows``), so a miss aborts the transaction before the COMMIT queued behind it,
and is raised here as the write's own error. On SQLite a statement costs no round trip: each
write runs at once through SQLAlchemy and its row count is checked in Python.

Statements are SQLAlchemy constructs compiled once per shape for the dialect; parameters go
through the same bind processors SQLAlchemy applies (JSON columns), so a queued write stores
exactly what ``conn.execute`` would have. A statement SQLAlchemy must finish at run time
(Python-side defaults, an expanding IN) runs at once instead. Decision 0022 says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import Executable, bindparam, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["PENDING", "Failure", "Writes", "all_rows", "first_row", "flush_pending", "observers",
           "own_begin"]

#: Makes the exception to raise when a checked write did not touch the rows it expected.
Failure = Callable[[], Exception]

#: ``Connection.info`` key of the writes waiting for their transaction's COMMIT.
PENDING = "redress_pending_writes"

#: The connection whose write transaction is inside :func:`own_begin`: only there may
#: :func:`first_row` send the BEGIN itself, since only there is the driver restored after.
_OWN_BEGIN: ContextVar[Connection | None] = ContextVar("redress_own_begin", default=None)

_IDLE = TransactionStatus.IDLE

#: Test seam (``tests/roundtrips.py``): told each statement sent in a pipeline, ``"BEGIN"`` /
#: ``"COMMIT"`` when a pipeline carries them, and ``None`` at each sync (one round trip).
observers: list[Callable[[str | None], None]] = []

_EXPECT_SQLSTATE = "RD001"  # raised by redress_expect_rows (migration 0006)
_WRITE_NUMBER = re.compile(r"^write (\d+):")


def _tell(what: str | None) -> None:
    for observer in observers:
        observer(what)


@dataclass(frozen=True)
class _Shape:
    sql: str
    processors: Mapping[str, Callable[[Any], Any]]
    compiled: SQLCompiler

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        bound = dict(self.compiled.construct_params(values, _check=False))
        for key, process in self.processors.items():
            if key in bound:
                bound[key] = process(bound[key])
        return bound


# (statement id, keys, dialect, checked) -> (the statement itself, its shape). The statement
# is kept so its id cannot be reused by another object while the entry exists; statements
# built once (module constants, cached inserters) are what it is for, and it is bounded.
_SHAPES: dict[tuple[int, tuple[str, ...] | None, str, bool],
              tuple[Executable, _Shape | None]] = {}


def _shape(statement: Executable, keys: tuple[str, ...] | None, conn: Connection,
           checked: bool = False) -> _Shape | None:
    """``statement`` compiled for ``keys`` (wrapped in the row check if ``checked``); None if
    SQLAlchemy must finish it at run time."""
    cache_key = (id(statement), keys, conn.dialect.name, checked)
    cached = _SHAPES.get(cache_key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    target: Any = statement
    if checked:
        written = statement.returning(literal_column("1")).cte("w")  # type: ignore[attr-defined]
        target = select(func.redress_expect_rows(
            func.count(), bindparam("redress_expect"), bindparam("redress_what"),
        )).select_from(written)
    # for_executemany: no implicit RETURNING of a new primary key (nothing reads it back).
    compiled = target.compile(dialect=conn.dialect,
                              column_keys=list(keys) if keys is not None else None,
                              for_executemany=True)
    assert isinstance(compiled, SQLCompiler)
    shape: _Shape | None = None
    processors = compiled._bind_processors
    returns = compiled.returning if not checked else None
    if not (compiled.insert_prefetch or compiled.update_prefetch or returns
            or not all(callable(p) for p in processors.values())):
        shape = _Shape(compiled.string, {k: p for k, p in processors.items() if callable(p)},
                       compiled)
    if len(_SHAPES) < 512:
        _SHAPES[cache_key] = (statement, shape)
    return shape


@dataclass
class _Write:
    statement: Executable
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    expect: int | None
    failure: Failure | None

    def missed(self) -> Exception:
        """What to raise when the write touched other rows than ``expect`` (both databases)."""
        if self.failure is not None:
            return self.failure()
        return RuntimeError(f"a write touched other rows than the {self.expect} expected")


class Writes:
    """Writes that nothing reads back before COMMIT; :meth:`flush` sends and checks them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.queued = conn.dialect.name == "postgresql"
        self.pending: list[_Write] = []

    def write(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        expect: int | None = None,
        failure: Failure | None = None,
    ) -> None:
        """Run ``statement`` (now on SQLite, at :meth:`flush` on PostgreSQL).

        With ``expect`` each parameter set must touch exactly that many rows, else
        ``failure()`` is raised and the transaction does not commit.
        """
        item = _Write(statement, params, expect, failure)
        if self.queued:
            self.pending.append(item)
            return
        rowcount = self.conn.execute(statement, params).rowcount
        sets = 1 if isinstance(params, Mapping) else len(params)
        if expect is not None and rowcount != expect * sets:
            raise item.missed()

    def take(self, other: Writes) -> None:
        """Queue ``other``'s writes after these (several steps in one transaction)."""
        self.pending.extend(other.pending)
        other.pending = []

    def flush(self, *, commit: bool = False) -> None:
        """Send what is queued in one round trip, with the transaction's COMMIT if ``commit``."""
        items, self.pending = self.pending, []
        if not items:
            return
        try:
            self._send(self._compile(items), commit)
        except _CheckFailed as failed:
            raise items[failed.number].missed() from None

    def _compile(self, items: list[_Write]) -> list[tuple[_Shape, list[Mapping[str, Any]]]]:
        """Each write's compiled shape and parameter sets; what has none runs now."""
        shaped: list[tuple[_Shape, list[Mapping[str, Any]]]] = []
        for number, item in enumerate(items):
            rows = [item.params] if isinstance(item.params, Mapping) else list(item.params)
            keys = tuple(rows[0]) if rows else None
            checked = item.expect is not None
            shape = _shape(item.statement, keys, self.conn, checked)
            if shape is None or any(tuple(r) != keys for r in rows):
                if checked:
                    raise RuntimeError("a checked write must have one compiled shape")
                self.conn.execute(item.statement, item.params)  # SQLAlchemy runs it, now
                continue
            if checked:
                what = {"redress_expect": item.expect, "redress_what": f"write {number}"}
                rows = [{**row, **what} for row in rows]
            shaped.append((shape, rows))
        return shaped

    def _send(self, shaped: list[tuple[_Shape, list[Mapping[str, Any]]]], commit: bool) -> None:
        raw: Any = self.conn.connection.driver_connection
        # A lost connection here is retried only if nothing was committed: with the COMMIT in
        # the pipeline, whether it happened is unknown, so it is not called stale.
        statement = None if commit else "pipelined step writes"
        with _as_sqlalchemy_errors(self.conn, statement), raw.pipeline():
            with raw.cursor() as cursor:
                for shape, rows in shaped:
                    if observers:
                        _tell(shape.sql)
                    if len(rows) == 1:
                        cursor.execute(shape.sql, shape.params(rows[0]))
                    else:
                        cursor.executemany(shape.sql, [shape.params(r) for r in rows])
                if commit:
                    # Queued like the writes, so the pipeline's one Sync, at its end, carries
                    # it: ``raw.commit()`` here would sync once for itself and the pipeline's
                    # end a second time, two round trips where one does. After it the
                    # connection is idle, and the caller's commit sends nothing.
                    if observers:
                        _tell("COMMIT")
                    cursor.execute(b"COMMIT")
            if observers:
                _tell(None)


class _CheckFailed(Exception):
    def __init__(self, number: int) -> None:
        super().__init__(f"write {number} touched other rows than expected")
        self.number = number


def flush_pending(conn: Connection, *, commit: bool) -> None:
    """Send the writes a step left for its transaction's end (``Connection.info[PENDING]``)."""
    pending: Writes | None = conn.info.pop(PENDING, None)
    if pending is not None:
        pending.flush(commit=commit)


def first_row(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> Any:
    """The first row of a query that opens a write transaction, sent with its BEGIN.

    Left to itself, psycopg sends a transaction's BEGIN and waits for it before the first
    query, in pipeline mode too: two round trips. Inside :func:`own_begin` the driver is put
    in autocommit for the transaction, so it sends no BEGIN of its own, and the BEGIN goes
    here, in one pipeline with the query: one round trip. Rows have attribute access by
    column label, as SQLAlchemy's do (psycopg already decodes JSON and timestamps).
    """
    shape = _shape(statement, None, conn) if conn.dialect.name == "postgresql" else None
    if shape is None:
        return conn.execute(statement, params).first()
    raw: Any = conn.connection.driver_connection
    begins = raw.info.transaction_status == _IDLE and not raw.autocommit
    own = begins and _OWN_BEGIN.get() is conn
    if observers:
        if begins:
            _tell("BEGIN")
        _tell(shape.sql)
        _tell(None)
    with _as_sqlalchemy_errors(conn, shape.sql), raw.cursor(row_factory=namedtuple_row) as cur:
        if own:
            raw.autocommit = True  # no I/O: psycopg only stops sending BEGIN itself
        with raw.pipeline():
            if own:
                cur.execute(_begin_command(raw))
            cur.execute(shape.sql, shape.params(params))
        return cur.fetchone()


@contextmanager
def own_begin(conn: Connection) -> Iterator[None]:
    """Around a write transaction on PostgreSQL, from before its start to after its COMMIT or
    ROLLBACK: :func:`first_row` may send its BEGIN, and the driver is then put out of
    autocommit again, as SQLAlchemy left it, so the next transaction on the connection is
    one. A write transaction is never in autocommit, so a driver found in it is restored."""
    token = _OWN_BEGIN.set(conn)
    try:
        yield
    finally:
        _OWN_BEGIN.reset(token)
        if not conn.invalidated:  # else the driver is gone with its connection
            raw: Any = conn.connection.driver_connection
            if raw.autocommit:
                if raw.info.transaction_status != _IDLE:
                    raw.rollback()  # not ended by SQLAlchemy: end it, never leave it open
                raw.autocommit = False


def _begin_command(raw: Any) -> bytes:
    """The BEGIN psycopg itself would send for this connection's settings."""
    words = ["BEGIN"]
    if raw.isolation_level is not None:
        words.append("ISOLATION LEVEL " + raw.isolation_level.name.replace("_", " "))
    if raw.read_only is not None:
        words.append("READ ONLY" if raw.read_only else "READ WRITE")
    if raw.deferrable is not None:
        words.append("DEFERRABLE" if raw.deferrable else "NOT DEFERRABLE")
    return " ".join(words).encode()


def all_rows(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> list[Any]:
    """Every row of a hot read, through psycopg directly on PostgreSQL.

    For a query run on every request (the API token's user and roles), where SQLAlchemy's
    own work per execution is a good part of its cost. Rows as in :func:`first_row`.
    """
    shape = _shape(statement, None, conn) if conn.dialect.name == "postgresql" else None
    if shape is None:
        return list(conn.execute(statement, params).all())
    raw: Any = conn.connection.driver_connection
    if observers:
        _tell(shape.sql)
        _tell(None)
    with _as_sqlalchemy_errors(conn, shape.sql), raw.cursor(row_factory=namedtuple_row) as cur:
        cur.execute(shape.sql, shape.params(params))
        return list(cur.fetchall())


@contextmanager
def _as_sqlalchemy_errors(conn: Connection, statement: str | None) -> Iterator[None]:
    """Raise psycopg's errors as SQLAlchemy would: wrapped, a lost connection invalidated.

    So :func:`engine.db.retry_stale` and every caller see the same exceptions as for
    ``conn.execute`` (IntegrityError, a disconnect with ``connection_invalidated``). A failed
    row check (``redress_expect_rows``) becomes :class:`_CheckFailed` naming the write.
    """
    try:
        yield
    except conn.dialect.loaded_dbapi.Error as exc:
        if getattr(exc, "sqlstate", None) == _EXPECT_SQLSTATE:
            message = getattr(getattr(exc, "diag", None), "message_primary", "") or ""
            found = _WRITE_NUMBER.match(message)
            if found is not None:
                raise _CheckFailed(int(found.group(1))) from exc
        conn._handle_dbapi_exception(exc, statement, None, None, None)
        raise  # not reached: the handler raises the wrapped error
