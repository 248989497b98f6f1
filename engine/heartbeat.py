"""The scheduler says it is alive: one row per scheduler process, updated every round.

``/health`` and ``/metrics`` read the newest beat; a stale one means timers, jobs and the
outbox are not moving, which nothing else on a quiet system would show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update

from engine.clock import as_utc
from engine.ops_tables import heartbeats

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["beat", "heartbeat_age"]


def beat(engine: Engine) -> int:
    """Record that this process's scheduler ran a round now (returns 1, for the tick report).

    Real time, not the engine's clock: a simulated clock standing still must not look dead.
    """
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with engine.db.begin() as conn:
        moved = conn.execute(update(heartbeats).where(heartbeats.c.worker == engine.worker_id)
                             .values(beat_at=now)).rowcount
        if not moved:
            conn.execute(insert(heartbeats).values(worker=engine.worker_id, beat_at=now))
    return 1


def heartbeat_age(engine: Engine) -> float | None:
    """Seconds since the newest beat of any scheduler; None when none has ever beaten."""
    from datetime import UTC, datetime

    with engine.reads.connect() as conn:
        newest = as_utc(conn.execute(select(func.max(heartbeats.c.beat_at))).scalar())
    if newest is None:
        return None
    return max(0.0, (datetime.now(UTC) - newest).total_seconds())
