"""Server-side browser sessions: revocable, with an idle timeout and an absolute lifetime.

The session cookie (signed by Flask) carries only a random secret; this table holds its
SHA-256 with the account and times. Signing out revokes the row, so a copied cookie stops
working at once; a password change revokes every other session of the account. A session
ends after ``IDLE`` without a request and ``LIFETIME`` after sign-in, whatever happens (OWASP
session management: 15–30 minutes idle for ordinary applications, a few hours absolute).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from engine import Engine
from engine.clock import as_utc
from workflows.tables import user_sessions as sessions

__all__ = ["IDLE", "LIFETIME", "Sessions"]

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at may lag this much: no write per request


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.reads = engine.reads
        self.clock = engine.clock

    def start(self, user_id: int) -> str:
        """A new session for the account; the returned secret goes into the cookie only."""
        secret = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.user_id == user_id,
                                                sessions.c.created_at < now - LIFETIME))
            conn.execute(insert(sessions).values(id=_hash(secret), user_id=user_id,
                                                 created_at=now, last_seen_at=now))
        return secret

    def user_id(self, secret: str) -> int | None:
        """The account a live session belongs to, else None (unknown, revoked or expired)."""
        now = self.clock.now()
        key = _hash(secret)
        with self.reads.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == key)).first()
        if row is None or row.revoked_at is not None:
            return None
        created, seen = as_utc(row.created_at), as_utc(row.last_seen_at)
        assert created is not None and seen is not None
        if now - seen >= IDLE or now - created >= LIFETIME:
            return None
        if now - seen > _TOUCH_EVERY:
            with self.db.begin() as conn:
                conn.execute(update(sessions).where(sessions.c.id == key)
                             .values(last_seen_at=now))
        return int(row.user_id)

    def end(self, secret: str) -> None:
        """Sign out: the session is refused from now on, wherever its cookie was copied."""
        with self.db.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == _hash(secret),
                                                sessions.c.revoked_at.is_(None))
                         .values(revoked_at=self.clock.now()))

    def end_all(self, user_id: int, *, keep: str | None = None) -> int:
        """Revoke every session of an account (but ``keep``); return how many ended."""
        where = [sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None)]
        if keep:
            where.append(sessions.c.id != _hash(keep))
        with self.db.begin() as conn:
            done = conn.execute(update(sessions).where(*where)
                                .values(revoked_at=self.clock.now()))
        return int(done.rowcount)
