"""A process's copy of the API tokens it has checked, so a call skips the sign-in read.

Every API call used to read its token, user and roles from the database: one query and one
round trip per request, the largest part of the sign-in check (decision 0027). The copy is
safe to trust because it is dropped whenever it may be wrong:

- **another process changed a token, user or role**: triggers on those tables notify the
  ``redress_auth`` channel (migration 0008) and :class:`~engine.change_notices.ChangeNotices`
  hears it before the next lookup;
- **this process changed one**: :func:`forget_tokens`, called by ``Users`` after each such
  commit, so a revocation holds for the very next request without waiting for the notice;
- **it cannot hear** (SQLite, a lost or not yet listening connection): nothing is answered
  from the copy;
- **it is old**: an entry lives at most ``seconds`` (30), a bound for a change made with the
  triggers disabled.

Only tokens that signed someone in are kept (a wrong token is read each time), at most
``size`` of them, the least recently used dropped first.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.change_notices import ChangeNotices

if TYPE_CHECKING:
    from workflows.users import User

__all__ = ["AUTH_CHANNEL", "CachedToken", "TokenCache", "forget_tokens"]

#: The channel migration 0008's triggers notify when a token, a user or a role changes.
AUTH_CHANNEL = "redress_auth"

_EVERY: weakref.WeakSet[TokenCache] = weakref.WeakSet()


@dataclass(frozen=True)
class CachedToken:
    user: User
    token_id: int
    last_used_at: datetime | None  # as stored when read: the toucher decides from it
    kept_at: float  # time.monotonic() when read


class TokenCache:
    """Token hash → the user it signed in, while nothing says that may have changed."""

    def __init__(self, notices: ChangeNotices, *, seconds: float = 30.0, size: int = 1000
                 ) -> None:
        self.notices, self.seconds, self.size = notices, seconds, size
        self._entries: OrderedDict[str, CachedToken] = OrderedDict()
        self._lock = threading.Lock()
        #: Counts the times the copy was dropped: a read that began before a drop is not kept.
        self.generation = 0
        self._epoch = -1  # the listener's epoch the copy was taken at (none yet)
        _EVERY.add(self)

    @property
    def enabled(self) -> bool:
        return self.notices.supported and self.seconds > 0

    def get(self, token_hash: str) -> CachedToken | None:
        if not self.enabled:
            return None
        epoch = self.notices.epoch()
        if epoch != self._epoch:  # rows may have changed since the copy was taken
            self.clear()
            self._epoch = epoch
            return None
        with self._lock:
            found = self._entries.get(token_hash)
            if found is None:
                return None
            if time.monotonic() - found.kept_at > self.seconds:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return found

    def put(self, token_hash: str, user: User, token_id: int, last_used_at: datetime | None,
            generation: int) -> None:
        """Keep what a read begun at ``generation`` found (not if the copy was dropped since)."""
        if not self.enabled:
            return
        with self._lock:
            if generation != self.generation:
                return
            self._entries[token_hash] = CachedToken(user, token_id, last_used_at,
                                                    time.monotonic())
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


def forget_tokens() -> None:
    """Drop every copy in this process: a token, user or role was just changed here."""
    for cache in list(_EVERY):
        cache.clear()
