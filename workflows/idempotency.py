"""Idempotency keys for requests that create things (start an instance, correlate a message).

The key is recorded **in the transaction that does the work** (:meth:`Pending.record`, called
by the engine before it commits the start or the stored message), together with what it made.
So a committed request always has its key, and a retry never does the work twice, however the
first attempt ended: a worker killed after COMMIT but before the reply was stored leaves a
record that names the instance, and the retry answers from it. A request that failed or was
killed before COMMIT leaves nothing, so its retry simply runs (no "in flight" state to wait
out). Two requests racing with one key both run; the second's record collides with the
first's on the unique key, its whole transaction rolls back (:class:`KeyTaken`) and it then
answers as the first did.

Once the reply is stored (:meth:`IdempotencyStore.finish`) every repeat with the same key and
body gets it back; a repeat with a different body is refused (the IETF httpapi
Idempotency-Key draft). A stored reply holds case data and expires after ``EXPIRES_AFTER``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine import ConflictError, Engine, ValidationError
from engine.erasure import Erasure
from workflows.tables import idempotency_records as records

__all__ = [
    "Committed",
    "IdempotencyStore",
    "KeyTaken",
    "Pending",
    "StoredResponse",
    "erase_stored_replies",
    "fingerprint",
]

EXPIRES_AFTER = timedelta(hours=24)  # then a key may be reused, and the stored reply is gone


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Committed:
    """The first request with the key committed what it made, but its reply was not stored."""

    resource_id: int


class KeyTaken(ConflictError):
    """Another request with the same key committed first; this one's work was rolled back."""


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Pending:
    """A key not used yet, to be recorded by the work's own transaction."""

    store: IdempotencyStore
    user_id: int
    scope: str
    key: str
    fingerprint: str

    def record(self, conn: Connection, resource_id: int) -> None:
        """Record the key and what the work made, on the work's connection (before COMMIT).

        Raises:
            KeyTaken: a request with the same key committed first (PostgreSQL waits for it
                here); the caller's transaction must roll back.
        """
        try:
            conn.execute(insert(records).values(
                user_id=self.user_id, scope=self.scope, key=self.key,
                fingerprint=self.fingerprint, resource_id=resource_id,
                created_at=self.store.clock.now()))
        except IntegrityError as exc:
            raise KeyTaken("a request with this Idempotency-Key has just been done") from exc


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.clock = engine.clock

    def begin(self, user_id: int, scope: str, key: str,
              print_: str) -> StoredResponse | Committed | Pending:
        """What a request with ``key`` should do: replay, answer from what was made, or run.

        Raises:
            ValidationError: the key was used before with a different request body.
        """
        where = and_(records.c.user_id == user_id, records.c.scope == scope, records.c.key == key)
        now = self.clock.now()
        with self.db.begin() as conn:  # stored replies hold case data: keep them a day only
            conn.execute(delete(records).where(records.c.user_id == user_id,
                                               records.c.created_at < now - EXPIRES_AFTER))
            # A bare reservation (the protocol before decision 0020) proves nothing was made.
            conn.execute(delete(records).where(where, records.c.status_code.is_(None),
                                               records.c.resource_id.is_(None)))
            row = conn.execute(select(records).where(where)).first()
        if row is None:
            return Pending(self, user_id, scope, key, print_)
        if row.fingerprint != print_:
            raise ValidationError("this Idempotency-Key was already used for another request",
                                  ["Idempotency-Key: use a new key for a different request"])
        if row.status_code is not None:
            return StoredResponse(row.status_code, row.body, dict(row.headers or {}))
        return Committed(int(row.resource_id))

    def finish(self, pending: Pending, response: StoredResponse) -> None:
        """Store the reply to replay (the record was made by the work, or is made here)."""
        where = and_(records.c.user_id == pending.user_id, records.c.scope == pending.scope,
                     records.c.key == pending.key)
        values = {"status_code": response.status_code, "body": response.body,
                  "headers": response.headers}
        try:
            with self.db.begin() as conn:
                if conn.execute(update(records).where(where).values(**values)).rowcount == 0:
                    conn.execute(insert(records).values(
                        user_id=pending.user_id, scope=pending.scope, key=pending.key,
                        fingerprint=pending.fingerprint, created_at=self.clock.now(), **values))
        except IntegrityError:
            pass  # a racing request with the key stored its reply first: that one stands


def erase_stored_replies(conn: Connection, instance_id: int, business_key: str,
                         erasure: Erasure) -> None:
    """Erasure hook: scrub stored replies (a start reply holds the case data it was given).

    Replies live a day at most, so scanning them all is cheap, and it also reaches a reply
    that names the person without naming the instance.
    """
    rows = conn.execute(select(records.c.id, records.c.body)
                        .where(records.c.body.is_not(None))).all()
    for row in rows:
        cleaned = erasure.scrub(row.body)
        if cleaned != row.body:
            conn.execute(update(records).where(records.c.id == row.id).values(body=cleaned))
