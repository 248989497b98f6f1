"""A step's writes sent together: one network round trip on PostgreSQL, not one per statement.

A step knows everything it will write only once it has run; none of those writes is read back
before COMMIT (the instance row is locked by the step's claim). On PostgreSQL they are queued
and sent in psycopg's pipeline mode, then checked (a write that must touch exactly one row
says so) before the caller commits: 3 round trips for a completion (BEGIN with the claim, the
writes, COMMIT) where one statement at a time took 7. On SQLite a statement costs no round
trip, so each write runs at once through SQLAlchemy, as before.

The statements are SQLAlchemy constructs compiled once per shape for the connection's dialect;
their parameters go through the same bind processors SQLAlchemy applies (JSON columns), so a
queued write stores exactly what ``conn.execute`` would have. A statement SQLAlchemy would have
to complete at run time (Python-side column defaults) is not queued but run at once.

Decision 0019 (one connection) and 0020 (pipelined writes) say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import Executable
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Failure", "Writes", "first_row"]

#: Makes the exception to raise when a checked write did not touch the rows it expected.
Failure = Callable[[], Exception]

#: Test seam (``tests/roundtrips.py``): told each statement sent in a pipeline, ``"BEGIN"``
#: when a pipeline carries the transaction's BEGIN, and ``None`` at each sync (a round trip).
observers: list[Callable[[str | None], None]] = []


def _tell(what: str | None) -> None:
    for observer in observers:
        observer(what)


def _begins_here(raw: Any) -> bool:
    """True if psycopg will send BEGIN with the next statement (no transaction open yet)."""
    return bool(observers) and raw.info.transaction_status == 0 and not raw.autocommit


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


# (statement id, keys, dialect) -> (the statement itself, its shape). The statement is kept so
# its id cannot be reused by another object while the entry exists; only statements built once
# (module constants, cached inserters) are worth it, and the cache is bounded for the rest.
_SHAPES: dict[tuple[int, tuple[str, ...] | None, str], tuple[Executable, _Shape | None]] = {}


def _shape(statement: Executable, keys: tuple[str, ...] | None, conn: Connection) -> _Shape | None:
    """The statement compiled for ``keys``; None if SQLAlchemy must finish it at run time."""
    cache_key = (id(statement), keys, conn.dialect.name)
    cached = _SHAPES.get(cache_key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    # for_executemany: no implicit RETURNING of a new primary key (nothing reads it back).
    compiled = statement.compile(dialect=conn.dialect,  # type: ignore[attr-defined]
                                 column_keys=list(keys) if keys is not None else None,
                                 for_executemany=True)
    assert isinstance(compiled, SQLCompiler)
    shape: _Shape | None = None
    processors = compiled._bind_processors
    if not (compiled.insert_prefetch or compiled.update_prefetch or compiled.returning
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


class Writes:
    """The writes of one step, in order; :meth:`flush` sends them (PostgreSQL) and checks them."""

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

        With ``expect`` the write must touch exactly that many rows, else ``failure()`` is
        raised (before COMMIT, so the step rolls back).
        """
        item = _Write(statement, params, expect, failure)
        if self.queued:
            self.pending.append(item)
        else:
            _check(item, self.conn.execute(statement, params).rowcount)

    def flush(self) -> None:
        """Send what is queued, in one round trip, and check the counts."""
        if not self.pending:
            return
        items, self.pending = self.pending, []
        conn = self.conn
        shaped: list[tuple[_Write, _Shape, list[Mapping[str, Any]]]] = []
        for item in items:
            rows = [item.params] if isinstance(item.params, Mapping) else list(item.params)
            keys = tuple(rows[0]) if rows else None
            shape = _shape(item.statement, keys, conn)
            if shape is None or any(tuple(r) != keys for r in rows):
                # Not one compiled shape: SQLAlchemy runs it now, on its own.
                _check(item, conn.execute(item.statement, item.params).rowcount)
            else:
                shaped.append((item, shape, rows))
        raw = conn.connection.driver_connection
        sent: list[tuple[_Write, Any]] = []
        with _as_sqlalchemy_errors(conn, "pipelined step writes"), \
                raw.pipeline():  # type: ignore[union-attr]
            for item, shape, rows in shaped:
                if observers:
                    _tell(shape.sql)
                cursor = raw.cursor()  # type: ignore[union-attr]
                if len(rows) == 1:
                    cursor.execute(shape.sql, shape.params(rows[0]))
                else:
                    cursor.executemany(shape.sql, [shape.params(r) for r in rows])
                sent.append((item, cursor))
        if observers and shaped:
            _tell(None)
        for item, cursor in sent:  # the pipeline has synced: every count is known
            _check(item, cursor.rowcount)
            cursor.close()


def _check(item: _Write, rowcount: int) -> None:
    if item.expect is not None and rowcount != item.expect and item.failure is not None:
        raise item.failure()


def first_row(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> Any:
    """The first row of a query that opens a write transaction, sent with its BEGIN.

    psycopg sends a transaction's BEGIN and waits for it before the first query; in pipeline
    mode both go in one round trip. Rows have attribute access by column label, as
    SQLAlchemy's do (psycopg already decodes JSON and timestamps).
    """
    shape = _shape(statement, None, conn) if conn.dialect.name == "postgresql" else None
    if shape is None:
        return conn.execute(statement, params).first()
    raw = conn.connection.driver_connection
    cursor = raw.cursor(row_factory=namedtuple_row)  # type: ignore[union-attr]
    if observers:
        if _begins_here(raw):
            _tell("BEGIN")
        _tell(shape.sql)
        _tell(None)
    with _as_sqlalchemy_errors(conn, shape.sql):
        with raw.pipeline():  # type: ignore[union-attr]
            cursor.execute(shape.sql, shape.params(params))
        row = cursor.fetchone()
    cursor.close()
    return row


@contextmanager
def _as_sqlalchemy_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Raise psycopg's errors as SQLAlchemy would: wrapped, a lost connection invalidated.

    So :func:`engine.db.retry_stale` and every caller see the same exceptions as for
    ``conn.execute`` (IntegrityError, a disconnect with ``connection_invalidated``).
    """
    try:
        yield
    except conn.dialect.loaded_dbapi.Error as exc:
        conn._handle_dbapi_exception(exc, statement, None, None, None)
        raise  # not reached: the handler raises the wrapped error
