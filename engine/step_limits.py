"""Every step is bounded: an endless loop in a diagram ends, rolls back and opens an incident.

A diagram can loop without a person in between (a gateway back to a script task whose
condition never turns false; a chain of call activities). ``do_engine_steps`` would then run
for ever inside the step's transaction, holding the instance row (and on SQLite the database's
write lock). :class:`StepBudget` is checked before each task the engine runs; past
:data:`MAX_TASKS_PER_STEP` tasks or :data:`MAX_STEP_SECONDS` of wall time it raises
:class:`~engine.exceptions.StepLimitError`, the step's transaction rolls back (so the locks are
released and nothing half-done is kept), and :func:`record_runaway` opens an incident on the
instance and suspends it in a transaction of its own, so timers and jobs stop re-running it
until operations have fixed the diagram (migrate) and resumed it.
"""

from __future__ import annotations

import time
from typing import Any, Final

from sqlalchemy import insert, update

from engine.clock import Clock
from engine.db import Connections
from engine.exceptions import StepLimitError
from engine.tables import audit_log, incidents, process_instances

__all__ = ["MAX_STEP_SECONDS", "MAX_TASKS_PER_STEP", "StepBudget", "record_runaway"]

#: A complaint journey runs a few dozen engine tasks per step; thousands means a loop.
MAX_TASKS_PER_STEP: Final = 5_000
#: Under SQLite's 30 s busy timeout, so writers queued behind a runaway step still get in.
MAX_STEP_SECONDS: Final = 10.0


class StepBudget:
    """Tasks and wall time one step may still spend."""

    def __init__(
        self, instance_id: int | None, tasks: int = MAX_TASKS_PER_STEP,
        seconds: float = MAX_STEP_SECONDS,
    ) -> None:
        self.instance_id = instance_id
        self.tasks = tasks
        self.seconds = seconds
        self._left = tasks
        self._deadline = time.monotonic() + seconds

    def spend(self, task: Any) -> None:
        """Count one task about to run; raise StepLimitError once over the budget."""
        self._left -= 1
        over_tasks = self._left < 0
        if not over_tasks and time.monotonic() <= self._deadline:
            return
        spec = task.task_spec
        name = " ".join(str(getattr(spec, "bpmn_name", None) or "").split())
        element = getattr(spec, "bpmn_id", None) or spec.name
        label = f"{name!r} ({element})" if name else repr(element)
        what = f"more than {self.tasks} tasks" if over_tasks else f"longer than {self.seconds:g} s"
        raise StepLimitError(
            f"the step ran {what} without waiting for a person, timer or message (an endless "
            f"loop?); it stopped at {label}, was rolled back and the instance is suspended",
            self.instance_id,
            element,
        )


def record_runaway(conns: Connections, clock: Clock, exc: StepLimitError) -> None:
    """After the step's rollback: open an incident and suspend the instance, in one transaction."""
    if exc.instance_id is None:
        return  # a start: nothing was stored, the caller is told
    now = clock.now()
    with conns.write() as conn:
        conn.execute(
            update(process_instances)
            .where(process_instances.c.id == exc.instance_id,
                   process_instances.c.status == "active")
            .values(status="suspended", revision=process_instances.c.revision + 1,
                    updated_at=now)
        )
        conn.execute(insert(incidents).values(
            instance_id=exc.instance_id, spec_id=exc.spec_id, kind="step_limit",
            message=str(exc)[:2000], created_at=now,
        ))
        conn.execute(insert(audit_log).values(
            instance_id=exc.instance_id, at=now, actor="engine", action="instance_suspended",
            task_id=None, detail={"reason": "step_limit", "element": exc.spec_id},
        ))
