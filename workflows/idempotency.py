"""Idempotency keys for requests that create things (start an instance, correlate a message).

The first request with a key reserves it; when it finishes its response is stored and every
repeat with the same key and body gets that response back, without doing the work twice. A
repeat with a different body is refused, and so is one that arrives while the first is running
(both as in the IETF httpapi Idempotency-Key draft). A reservation left by a crashed request
expires after ``STALE_AFTER``; a stored reply (which holds case data) after ``EXPIRES_AFTER``.
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
from engine.clock import as_utc
from engine.erasure import Erasure
from workflows.tables import idempotency_records as records

__all__ = ["IdempotencyStore", "StoredResponse", "erase_stored_replies", "fingerprint"]

STALE_AFTER = timedelta(minutes=2)
EXPIRES_AFTER = timedelta(hours=24)  # then a key may be reused, and the stored reply is gone


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.clock = engine.clock

    def begin(self, user_id: int, scope: str, key: str, print_: str) -> StoredResponse | None:
        """Reserve ``key``; return None to go ahead, or the stored response to replay.

        Raises:
            ValidationError: the key was used before with a different request body.
            ConflictError: the first request with this key is still running.
        """
        where = and_(records.c.user_id == user_id, records.c.scope == scope, records.c.key == key)
        now = self.clock.now()
        with self.db.begin() as conn:  # stored replies hold case data: keep them a day only
            conn.execute(delete(records).where(records.c.user_id == user_id,
                                               records.c.created_at < now - EXPIRES_AFTER))
        try:
            with self.db.begin() as conn:
                conn.execute(insert(records).values(user_id=user_id, scope=scope, key=key,
                                                    fingerprint=print_, created_at=now))
            return None
        except IntegrityError:
            pass
        with self.db.begin() as conn:
            row = conn.execute(select(records).where(where)).first()
            if row is None:  # the other request gave up in between: try once more
                conn.execute(insert(records).values(user_id=user_id, scope=scope, key=key,
                                                    fingerprint=print_, created_at=now))
                return None
            if row.fingerprint != print_:
                raise ValidationError("this Idempotency-Key was already used for another request",
                                      ["Idempotency-Key: use a new key for a different request"])
            if row.status_code is not None:
                return StoredResponse(row.status_code, row.body, dict(row.headers or {}))
            created = as_utc(row.created_at)
            if created is not None and now - created < STALE_AFTER:
                raise ConflictError("a request with this Idempotency-Key is still being processed")
            conn.execute(update(records).where(where).values(created_at=now))  # take it over
        return None

    def finish(self, user_id: int, scope: str, key: str, response: StoredResponse) -> None:
        with self.db.begin() as conn:
            conn.execute(update(records).where(
                records.c.user_id == user_id, records.c.scope == scope, records.c.key == key,
            ).values(status_code=response.status_code, body=response.body,
                     headers=response.headers))

    def abandon(self, user_id: int, scope: str, key: str) -> None:
        """Free the key after a request failed, so the client may retry it."""
        with self.db.begin() as conn:
            conn.execute(delete(records).where(
                records.c.user_id == user_id, records.c.scope == scope, records.c.key == key,
                records.c.status_code.is_(None)))


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
