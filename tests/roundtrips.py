"""Counting what an operation sends to the database, through SQLAlchemy's event hooks.

A *round trip* is one exchange with the server: a statement (an ``executemany`` that
SQLAlchemy sends as one multi-row INSERT counts once), a BEGIN, a COMMIT or ROLLBACK, and the
pool's pre-ping if it is on. Transactions in autocommit (PostgreSQL reads) send no BEGIN or
COMMIT and are not counted as such. SQLite's ``BEGIN IMMEDIATE`` (issued as a statement by
``engine.db``) is counted as a BEGIN, not as a statement.

Statements a step sends in psycopg's pipeline mode (``engine.pipeline``, PostgreSQL) are told
through its observers: each is a statement, and the pipeline's sync is the one round trip they
share; a BEGIN sent in a pipeline shares its sync too. The syncs psycopg really sends are
counted as well (``driver_syncs``), and they are what :attr:`Trips.round_trips` adds: a sync
the code does not tell of (a ``commit()`` inside a pipeline syncs on its own) still counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from psycopg._pipeline_base import BasePipeline
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from engine import pipeline

__all__ = ["Trips", "counting"]


@dataclass
class Trips:
    statements: list[str] = field(default_factory=list)
    begins: int = 0
    ends: int = 0  # COMMIT or ROLLBACK sent to the server
    checkouts: int = 0
    pings: int = 0
    pipelined: int = 0  # statements sent in a pipeline (also in ``statements``)
    syncs: int = 0  # pipeline syncs the code tells of
    driver_syncs: int = 0  # Syncs psycopg sent: one round trip each
    pipelined_begins: int = 0  # BEGINs that went with a pipeline (also in ``begins``)
    pipelined_commits: int = 0  # COMMITs that went with a pipeline (also in ``ends``)

    @property
    def round_trips(self) -> int:
        one_by_one = len(self.statements) - self.pipelined
        return one_by_one + self.driver_syncs + self.begins - self.pipelined_begins + self.ends \
            - self.pipelined_commits + self.pings

    def verbs(self) -> list[str]:
        """The statements' first words and table, for a readable assertion message."""
        out = []
        for sql in self.statements:
            if sql.lstrip().upper().startswith("WITH"):  # a checked write: WITH w AS (UPDATE …)
                sql = sql[sql.index("(") + 1:]
            words = sql.split()
            verb = words[0].upper()
            table = words[1].strip('"') if verb == "UPDATE" and len(words) > 1 else ""
            for key in ("FROM", "INTO") if not table else ():
                upper = [w.upper() for w in words]
                if key in upper and upper.index(key) + 1 < len(words):
                    table = words[upper.index(key) + 1].strip('"')
                    break
            out.append(f"{verb} {table}".strip())
        return out


def _autocommit(conn: Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextmanager
def _driver_syncs(trips: Trips) -> Iterator[None]:
    """Count the Syncs psycopg sends: each pipeline's end, and a commit inside a pipeline."""
    enqueue_sync = BasePipeline._enqueue_sync

    def on_sync(self: BasePipeline) -> None:
        trips.driver_syncs += 1
        enqueue_sync(self)

    with mock.patch.object(BasePipeline, "_enqueue_sync", on_sync):
        yield


@contextmanager
def counting(db: SqlEngine) -> Iterator[Trips]:
    """Count the round trips ``db`` makes inside the ``with`` block."""
    trips = Trips()
    pre_ping = bool(getattr(db.pool, "_pre_ping", False))

    def on_execute(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("BEGIN"):
            trips.begins += 1  # SQLite: engine.db sends BEGIN [IMMEDIATE] itself
        else:
            trips.statements.append(statement)

    def on_begin(conn: Connection) -> None:
        if conn.dialect.name == "postgresql" and not _autocommit(conn):
            trips.begins += 1

    def on_end(conn: Connection) -> None:
        if not _autocommit(conn):
            trips.ends += 1

    def on_pipeline(what: str | None) -> None:
        if what is None:
            trips.syncs += 1
        elif what == "BEGIN":
            trips.pipelined_begins += 1
        elif what == "COMMIT":
            trips.pipelined_commits += 1
        else:
            trips.statements.append(what)
            trips.pipelined += 1

    def on_checkout(*_: Any) -> None:
        trips.checkouts += 1
        trips.pings += pre_ping

    event.listen(db, "before_cursor_execute", on_execute)
    event.listen(db, "begin", on_begin)
    event.listen(db, "commit", on_end)
    event.listen(db, "rollback", on_end)
    event.listen(db.pool, "checkout", on_checkout)
    pipeline.observers.append(on_pipeline)
    try:
        with _driver_syncs(trips):
            yield trips
    finally:
        event.remove(db, "before_cursor_execute", on_execute)
        event.remove(db, "begin", on_begin)
        event.remove(db, "commit", on_end)
        event.remove(db, "rollback", on_end)
        event.remove(db.pool, "checkout", on_checkout)
        pipeline.observers.remove(on_pipeline)
