"""The one clock every part of Redress reads time from.

Production uses :class:`SystemClock`; tests and demos use :class:`SimulatedClock`, which only
moves when told to. SpiffWorkflow reads ``datetime.now`` itself, so ``engine.spiff`` routes its
timer module through :func:`current_clock`, which the engine sets around every step.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SimulatedClock", "SystemClock", "current_clock", "using_clock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until set or advanced; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _aware(start or datetime.now(UTC))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = _aware(when)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


_SYSTEM = SystemClock()
_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("redress_clock", default=_SYSTEM)


def current_clock() -> Clock:
    """The clock of the step running in this context (real time outside any step)."""
    return _current.get()


@contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def as_utc(when: datetime | None) -> datetime | None:
    """Database datetimes come back naive from SQLite; they were written in UTC."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


__all__ += ["as_utc"]
