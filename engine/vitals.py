"""How the running system is doing, from the database: what ``/metrics`` and ``/health`` read.

Counted from rows, so every web worker reports the same figures whichever process does the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from engine.clock import as_utc
from engine.heartbeat import heartbeat_age
from engine.tables import incidents, jobs, outbox, timers

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["Vitals", "database_ok", "vitals"]


@dataclass(frozen=True)
class Vitals:
    job_backlog: int  # service-task jobs due now and not done
    open_incidents: int
    outbox_backlog: int  # deliveries not yet sent
    timer_lag_s: float  # how late the most overdue waiting timer is (0 when none is due)
    heartbeat_age_s: float | None  # None: no scheduler has ever run


def vitals(engine: Engine) -> Vitals:
    now = engine.clock.now()
    with engine.reads.connect() as conn:
        job_backlog = conn.execute(select(func.count()).where(
            jobs.c.status == "pending", jobs.c.next_attempt_at <= now)).scalar_one()
        open_incidents = conn.execute(select(func.count()).where(
            incidents.c.resolved_at.is_(None))).scalar_one()
        outbox_backlog = conn.execute(select(func.count()).where(
            outbox.c.status == "pending")).scalar_one()
        oldest_due = as_utc(conn.execute(select(func.min(timers.c.due_at)).where(
            timers.c.status == "waiting", timers.c.due_at <= now)).scalar())
    lag = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
    return Vitals(int(job_backlog), int(open_incidents), int(outbox_backlog), max(lag, 0.0),
                  heartbeat_age(engine))


def database_ok(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.reads.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to reach it means unhealthy; the reason goes to the log
        return False
