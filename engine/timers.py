"""Firing timer rows through the step path, exactly once, many per transaction.

:meth:`TimerFirer.fire_due` claims a batch of due timers with one query that also locks their
instances and reads their stored state (``FOR UPDATE … SKIP LOCKED`` on PostgreSQL, so several
schedulers take disjoint batches; SQLite's ``BEGIN IMMEDIATE`` makes a batch exclusive). Each
timer is then one step in that transaction, and one COMMIT (one WAL flush) covers the batch. If
any step of a batch fails, the batch rolls back and its timers are fired one by one with
:meth:`TimerFirer.fire`, so one bad instance cannot hold the others back (decision 0019).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from engine.clock import as_utc, using_clock
from engine.db import is_postgres, stale
from engine.exceptions import ConflictError, InvalidStateError, NotFoundError, StepLimitError
from engine.runtime import CLAIM_COLUMNS, Deferred, Runtime, Step, select_with_claim
from engine.tables import process_instances, timers

__all__ = ["TimerFirer"]

log = logging.getLogger(__name__)

# The timer and what the step needs of its instance, read in the step's own transaction.
_SELECT_TIMER = select_with_claim(timers, "timer_id")
_POSTPONE = 5  # minutes a timer of a suspended (or vanished) instance waits before a retry

_t, _pi = timers, process_instances
_free = or_(_t.c.lease_until.is_(None), _t.c.lease_until < bindparam("now"))
_due = and_(_t.c.status == "waiting", _t.c.due_at <= bindparam("now"), _free)
# One query claims a batch: due timers with their instances' claim columns and stored state.
_CLAIM_BATCH = (
    select(_t, *CLAIM_COLUMNS, _pi.c.state.label("pi_state"))
    .join(_pi, _pi.c.id == _t.c.instance_id)
    .where(_due)
    .order_by(_t.c.due_at, _t.c.id)
    .limit(bindparam("limit"))
)
_CLAIM_BATCH_PG = _CLAIM_BATCH.with_for_update(of=[_t, _pi], skip_locked=True)
_MARK_FIRED = (
    update(_t)
    .where(_t.c.id.in_(bindparam("ids", expanding=True)), _t.c.status == "waiting")
    .values(status="fired", fired_at=bindparam("at"), lease_owner=None, lease_until=None)
)
_MARK_POSTPONED = (
    update(_t)
    .where(_t.c.id.in_(bindparam("ids", expanding=True)))
    .values(lease_owner="postponed", lease_until=bindparam("until"))
)


class _FixedClock:
    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


class TimerFirer:
    def __init__(self, runtime: Runtime, batch: int = 100) -> None:
        self.runtime = runtime
        self.batch = batch
        self._claim = _CLAIM_BATCH_PG if is_postgres(runtime.db) else _CLAIM_BATCH

    def fire_due(self, limit: int = 500) -> int:
        """Fire up to ``limit`` due timers, a batch per transaction; return how many fired."""
        fired = 0
        while fired < limit:
            size = min(self.batch, limit - fired)
            done, claimed = self._fire_batch(size)
            fired += done
            if claimed < size or not done:
                break
        return fired

    def _fire_batch(self, size: int) -> tuple[int, int]:
        """One transaction: claim ``size`` due timers and fire each; (fired, claimed)."""
        now = self.runtime.clock.now()
        steps: list[Step] = []
        rows: list[Any] = []
        try:
            with self.runtime.conns.write() as conn:
                rows = list(conn.execute(self._claim, {"now": now, "limit": size}))
                firing, postponed, seen = [], [], set()
                for row in rows:
                    if row.pi_status != "active":
                        postponed.append(row.id)
                    elif row.instance_id not in seen:  # one step per instance per batch
                        seen.add(row.instance_id)
                        firing.append(row)
                if postponed:
                    until = now + timedelta(minutes=_POSTPONE)
                    conn.execute(_MARK_POSTPONED, {"ids": postponed, "until": until})
                if firing:  # locked and waiting, so each is ours to fire
                    conn.execute(_MARK_FIRED, {"ids": [r.id for r in firing], "at": now})
                deferred = Deferred()  # the steps' inserts and saves: a statement per table
                for row in firing:
                    _, step = self.runtime.run(
                        row.instance_id,
                        partial(self._apply, row=row, marked=True),
                        actor="scheduler",
                        conn=conn,
                        found=row,
                        deferred=deferred,
                    )
                    steps.append(step)
                deferred.flush(conn, last=True)  # with the COMMIT
        except Exception as exc:
            if stale(exc) or not rows:
                raise
            # A step of the batch failed and nothing of it was committed: fire one by one, so
            # each timer succeeds or fails (an incident, a postponement) on its own.
            return sum(self._fire_alone(r.id) for r in rows), len(rows)
        for step in steps:
            self.runtime.committed(step)
        return len(steps), len(rows)

    def _fire_alone(self, timer_id: int) -> bool:
        """Fire one timer of a failed batch; if it fails too, it waits and the rest go on."""
        try:
            return self.fire(timer_id)
        except Exception as exc:
            if stale(exc):
                raise
            log.exception("timer %s failed to fire; postponed %s minutes", timer_id, _POSTPONE)
            self._postpone(timer_id, self.runtime.clock.now() + timedelta(minutes=_POSTPONE))
            return False

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
                self._postpone(timer_id, self.runtime.clock.now() + timedelta(minutes=_POSTPONE))
                return False
        return False

    def _apply(self, step: Step, *, row: Any, marked: bool = False) -> None:
        if not marked:
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
            conn.execute(_MARK_POSTPONED, {"ids": [timer_id], "until": until})


class _AlreadyFired(Exception):
    pass
