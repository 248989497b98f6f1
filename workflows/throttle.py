"""Sign-in throttling: failed attempts counted per account and per address, with lockout.

Counted in the database, not in process memory, so several web workers (gunicorn) share one
count and a restart does not reset it. An account is locked for ``LOCKOUT`` after
``ACCOUNT_LIMIT`` failures within ``WINDOW``; an address after ``ADDRESS_LIMIT`` (higher: an
office shares one address behind its proxy). While locked, even the right password is
refused. Unknown usernames are counted the same way, so the answer never tells whether an
account exists. A successful sign-in clears its account's count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine import Engine
from engine.clock import as_utc
from workflows.tables import sign_in_failures as failures

__all__ = ["ACCOUNT_LIMIT", "ADDRESS_LIMIT", "LOCKOUT", "WINDOW", "SignInThrottle"]

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_LIMIT = 10
ADDRESS_LIMIT = 50
_FORGET_AFTER = timedelta(days=1)


def _keys(username: str, address: str) -> dict[str, int]:
    return {f"user:{username.strip().lower()[:150]}": ACCOUNT_LIMIT,
            f"addr:{address[:150]}": ADDRESS_LIMIT}


class SignInThrottle:
    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.clock = engine.clock

    def wait(self, username: str, address: str) -> int:
        """Minutes until this account and address may try again (0: now)."""
        now = self.clock.now()
        with self.db.connect() as conn:
            rows = conn.execute(select(failures.c.locked_until).where(
                failures.c.key.in_(list(_keys(username, address))))).all()
        until = [t for t in (as_utc(r.locked_until) for r in rows) if t is not None and t > now]
        return math.ceil((max(until) - now).total_seconds() / 60) if until else 0

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt against the account and the address."""
        now = self.clock.now()
        for key, limit in _keys(username, address).items():
            self._count(key, limit, now)
        with self.db.begin() as conn:  # guessed usernames must not fill the table forever
            conn.execute(delete(failures).where(
                failures.c.window_start < now - _FORGET_AFTER,
                (failures.c.locked_until.is_(None)) | (failures.c.locked_until < now)))

    def succeeded(self, username: str) -> None:
        with self.db.begin() as conn:
            conn.execute(update(failures).where(
                failures.c.key == f"user:{username.strip().lower()[:150]}")
                .values(failures=0, window_start=self.clock.now(), locked_until=None))

    def _count(self, key: str, limit: int, now: datetime) -> None:
        with self.db.begin() as conn:
            row = conn.execute(select(failures).where(failures.c.key == key)).first()
            if row is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(failures).values(key=key, failures=1,
                                                             window_start=now))
                    return
                except IntegrityError:  # another worker counted first: count on its row
                    row = conn.execute(select(failures).where(failures.c.key == key)).one()
            start = as_utc(row.window_start)
            if start is None or now - start > WINDOW:
                conn.execute(update(failures).where(failures.c.key == key)
                             .values(failures=1, window_start=now, locked_until=None))
                return
            conn.execute(update(failures).where(failures.c.key == key)
                         .values(failures=failures.c.failures + 1))
            if row.failures + 1 >= limit:
                conn.execute(update(failures).where(failures.c.key == key)
                             .values(locked_until=now + LOCKOUT))
