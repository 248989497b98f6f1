"""Hear, without a round trip, that another process changed rows a process keeps a copy of.

PostgreSQL's LISTEN/NOTIFY: a trigger notifies a channel in the transaction that changes the
rows, and every connection listening on the channel is sent the notice when that transaction
commits. A process keeps one such connection and reads whatever has arrived on it, without
blocking, before it trusts its copy: a read of a local socket, about a microsecond, where asking
the database costs a round trip and a query.

:meth:`ChangeNotices.epoch` is a number that moves on whenever the rows may have changed; a
copy is good while the epoch it was taken at is still the current one. Several copies can
share one listener: each compares the epoch with its own, so a notice one of them reads drops
the others too. A process must not trust a copy while it cannot be sure it has heard
everything: on SQLite (no notices), until its connection is listening, after that connection
is lost (a notice may have been missed) and in a forked child (the parent's connection is not
its own). For all those the epoch moves on at every call, so no copy is ever good.

A channel belongs to the whole database, not to a schema. A notice whose payload is
``schema:<name>`` for a schema outside the listening connection's search path is about rows
this process cannot read (another deployment in the same database, a test beside this one),
and is ignored; every other notice, whatever its payload, counts as a change.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any

from sqlalchemy.engine import Engine as SqlEngine

log = logging.getLogger(__name__)

#: How long after a failed attempt to listen before the next one (each call meanwhile says
#: "changed", so callers read the database as they would without a copy).
RETRY_SECONDS = 5.0

# A listening connection whose owner forked: never closed by the child (closing would end the
# parent's session on the shared socket), only kept from the garbage collector here.
_INHERITED: list[Any] = []


class ChangeNotices:
    """One process's listening connection for ``channel`` on ``db`` (PostgreSQL only)."""

    def __init__(self, db: SqlEngine, channel: str) -> None:
        if not channel.isidentifier():
            raise ValueError(f"channel {channel!r} is not a plain identifier")
        self.db, self.channel = db, channel
        self.supported = db.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._conn: Any = None  # a psycopg connection of our own, outside the pool
        # Payloads naming the schemas our tables can be in (the search path's, b"schema:<name>")
        self._ours: frozenset[bytes] = frozenset()
        self._pid = os.getpid()
        self._lost = False  # set by the notice handler: the server ended the session
        self._retry_at = 0.0
        self._closed = False
        self._epoch = 0

    def epoch(self) -> int:
        """The current epoch: a copy taken at an earlier one may be wrong and must be dropped."""
        with self._lock:
            if self._heard_everything():
                return self._epoch
            self._epoch += 1
            return self._epoch

    def _heard_everything(self) -> bool:
        """Read what has arrived; False when something may have changed since the last call."""
        if not self.supported:
            return False
        if self._pid != os.getpid():
            self._abandon_inherited()
        if self._conn is None:
            self._listen()
            return False  # not listening before now: anything may have been missed
        try:
            pgconn = self._conn.pgconn
            pgconn.consume_input()
            heard = False
            while (notice := pgconn.notifies()) is not None:
                heard = heard or self._about_our_rows(notice.extra)
        except Exception as exc:  # any failure means notices may be lost
            log.warning("change notices on %s lost (%s); listening again", self.channel,
                        type(exc).__name__)
            self._drop()
            return False
        if self._lost:
            self._drop()
            return False
        return not heard

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()

    # -- the connection ------------------------------------------------------------------

    def _listen(self) -> None:
        if self._closed or time.monotonic() < self._retry_at:
            return
        try:
            proxied = self.db.raw_connection()
            conn: Any = proxied.dbapi_connection
            proxied.detach()  # ours from now on: the pool neither reuses nor recycles it
            conn.rollback()
            conn.autocommit = True
            self._lost = False
            conn.add_notice_handler(self._on_notice)
            conn.execute(f"LISTEN {self.channel}")
            schemas = conn.execute("SELECT current_schemas(false)").fetchone()[0] or []
            self._ours = frozenset(f"schema:{name}".encode() for name in schemas)
        except Exception as exc:  # the caller reads the database meanwhile
            log.warning("cannot listen for change notices on %s (%s); retrying in %.0f s",
                        self.channel, type(exc).__name__, RETRY_SECONDS)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        self._conn = conn

    def _about_our_rows(self, payload: bytes) -> bool:
        """False only for a notice naming a schema outside our search path."""
        return not payload.startswith(b"schema:") or not self._ours or payload in self._ours

    def _on_notice(self, _diagnostic: Any) -> None:
        # An idle listening session hears a notice only when the server ends it (FATAL
        # 57P01 and the like), before the socket reports the end: notices may be lost.
        self._lost = True

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to release
                conn.close()

    def _abandon_inherited(self) -> None:
        if self._conn is not None:
            _INHERITED.append(self._conn)
            self._conn = None
        self._pid = os.getpid()
