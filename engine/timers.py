"""Firing timer rows through the step path, exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import update

from engine.clock import as_utc, using_clock
from engine.exceptions import ConflictError, InvalidStateError, NotFoundError, StepLimitError
from engine.runtime import Runtime, Step, select_with_claim
from engine.tables import timers

__all__ = ["TimerFirer"]

# The timer and what the step needs of its instance, read in the step's own transaction.
_SELECT_TIMER = select_with_claim(timers, "timer_id")


class _FixedClock:
    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


class TimerFirer:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def fire(self, timer_id: int, attempts: int = 5) -> bool:
        """Fire one due timer; True if this call fired it. Lost races reload and retry."""
        for _ in range(attempts):
            try:
                with self.runtime.conns.write() as conn:
                    row = conn.execute(_SELECT_TIMER, {"timer_id": timer_id}).first()
                    if row is None or row.status != "waiting":
                        return False
                    _, step = self.runtime.run(
                        row.instance_id,
                        partial(self._apply, row=row),
                        actor="scheduler",
                        conn=conn,
                        found=row,
                    )
                self.runtime.committed(step)
                return True
            except _AlreadyFired:
                return False
            except StepLimitError as exc:  # rolled back; incident and suspension of its own
                self.runtime.runaway(exc)
                return False
            except ConflictError:
                continue
            except (InvalidStateError, NotFoundError):
                self._postpone(timer_id, self.runtime.clock.now() + timedelta(minutes=5))
                return False
        return False

    def _apply(self, step: Step, *, row: Any) -> None:
        taken = step.conn.execute(
            update(timers)
            .where(timers.c.id == row.id, timers.c.status == "waiting")
            .values(status="fired", fired_at=step.now, lease_owner=None, lease_until=None)
        )
        if taken.rowcount != 1:
            raise _AlreadyFired()
        step.settled("t", row.task_id)
        due = as_utc(row.due_at)
        assert due is not None
        # SpiffWorkflow fires strictly after the due moment; a row that is due is due.
        moment = max(step.now, due + timedelta(milliseconds=1))
        with using_clock(_FixedClock(moment)):
            step.workflow.refresh_timers()
        step.record("timer_fired", row.task_id, spec_id=row.spec_id, due_at=due.isoformat())

    def _postpone(self, timer_id: int, until: datetime) -> None:
        with self.runtime.conns.write() as conn:
            conn.execute(
                update(timers)
                .where(timers.c.id == timer_id)
                .values(lease_owner="postponed", lease_until=until)
            )


class _AlreadyFired(Exception):
    pass
