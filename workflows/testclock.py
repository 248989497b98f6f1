"""Moving the simulated clock from outside, so a whole journey can be driven in minutes.

Test mode only: the web app offers it only when it was started in test mode on an engine whose
clock is a :class:`SimulatedClock`. After each move every timer that fell due fires, and the
service tasks those firings made ready run, exactly as the scheduler would do in real time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import Engine, InvalidStateError, SimulatedClock, ValidationError

__all__ = ["ClockMove", "move_clock", "parse_duration", "simulated"]

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
MAX_STEP = timedelta(days=3660)  # ten years: enough for any journey, small enough to be sane
_ROUNDS = 100


@dataclass(frozen=True)
class ClockMove:
    now: datetime
    timers_fired: int
    jobs_run: int


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes and seconds (``P3D``, ``PT90M``).

    Years and months are refused: their length depends on the date they start from.

    Raises:
        ValidationError: not such a duration.
    """
    found = _DURATION.match(text)
    if found is None or text in ("P", "PT") or text.endswith("T"):
        raise ValidationError("not an ISO 8601 duration",
                              [f"advance: {text!r} is not like P3D, PT4H or P1DT12H"])
    parts = {k: float(v) for k, v in found.groupdict().items() if v}
    try:
        return timedelta(**parts)
    except OverflowError as exc:
        raise ValidationError("too far in one move", ["advance: at most ten years"]) from exc


def simulated(engine: Engine) -> SimulatedClock:
    """The engine's simulated clock; InvalidStateError when it runs on real time."""
    if not isinstance(engine.clock, SimulatedClock):
        raise InvalidStateError("the engine runs on real time: the clock cannot be moved")
    return engine.clock


def move_clock(engine: Engine, *, set_to: datetime | None = None,
               advance: timedelta | None = None) -> ClockMove:
    """Set or advance the simulated clock, then fire what fell due.

    Raises:
        InvalidStateError: the engine is on real time.
        ValidationError: the move would go backwards, or further than ``MAX_STEP``.
    """
    clock = simulated(engine)
    now = clock.now()
    try:
        target = now + advance if advance is not None else set_to or now
    except OverflowError as exc:
        raise ValidationError("too far in one move", ["move at most ten years at a time"]) from exc
    if target.tzinfo is None:
        raise ValidationError("the time needs a UTC offset", ["set: add Z or +01:00"])
    if target < now:
        raise ValidationError("the clock only moves forward",
                              [f"the clock is at {now.isoformat()}"])
    if target - now > MAX_STEP:
        raise ValidationError("too far in one move", ["move at most ten years at a time"])
    clock.set(target)
    fired = 0
    for _ in range(_ROUNDS):  # a firing may make another timer due at once
        count = engine.fire_due_timers()
        fired += count
        if count == 0:
            break
    jobs = engine.run_due_jobs()
    return ClockMove(clock.now(), fired, jobs)
