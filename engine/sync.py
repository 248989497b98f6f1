"""Derive the queryable rows of an instance from its workflow state, after every step.

Human tasks, timers, message subscriptions and jobs are projections of the SpiffWorkflow task
tree. The instance row keeps the ids that were open after the last step (``open_refs``), so a
step only writes what changed. New message subscriptions pick up buffered messages here, in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import uuid5

from sqlalchemy import Executable, Table, delete, select, update

from engine import spiff
from engine.messages import deliver
from engine.runtime import Step
from engine.tables import human_tasks, jobs, message_subscriptions, messages, timers

__all__ = ["Projector"]

#: Buffered messages looked at per round: the first is delivered unless it is refused.
_BUFFERED_PER_ROUND = 20


class Projector:
    """Keeps the derived rows in step with the workflow; ``__call__`` is the runtime's syncer."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts

    def __call__(self, step: Step) -> bool:
        wf = step.workflow
        human: dict[str, Any] = {}
        services: dict[str, Any] = {}
        for task in wf.get_tasks(state=spiff.TaskState.READY):
            if spiff.is_service_task(task):
                services[str(task.id)] = task
            elif spiff.is_human_task(task):
                human[str(task.id)] = task
        timer_tasks: dict[str, tuple[Any, Any]] = {}
        subs: dict[str, tuple[Any, str]] = {}
        for task, kind, value in spiff.waiting_events(wf):
            if kind == "timer":
                timer_tasks[str(task.id)] = (task, value)
            else:  # a gateway may wait on several messages: one subscription each
                key = str(task.id)
                if key in subs:
                    key = str(uuid5(task.id, value))
                subs[key] = (task, value)
        for key, name in spiff.message_starts(wf):
            subs[key] = (None, name)
        refs = step.instance.open_refs
        self._human(step, human, set(refs.get("h", [])))
        self._timers(step, timer_tasks, set(refs.get("t", [])))
        new_subs = self._subscriptions(step, subs, set(refs.get("m", [])))
        self._jobs(step, services, set(refs.get("j", [])))
        step.instance.open_refs = {
            "h": sorted(human),
            "t": sorted(timer_tasks),
            "m": sorted(subs),
            "j": sorted(services),
        }
        return bool(new_subs) and self._deliver_buffered(step, new_subs)

    def _project(
        self,
        step: Step,
        table: Table,
        current: Mapping[str, Any],
        before: set[str],
        row: Callable[[str, Any], dict[str, Any]],
        close: Callable[[set[str]], Executable],
        kind: str,
    ) -> list[str]:
        """Insert rows for what appeared since the last step and close what went away.

        Rows the step closed itself (``Step.settled``) need no closing UPDATE.
        """
        added = [tid for tid in current if tid not in before]
        if added:
            step.insert(table, [row(tid, current[tid]) for tid in added])
        gone = before - set(current) - step.closed.get(kind, set())
        if gone:
            step.conn.execute(close(gone))
        return added

    def _human(self, step: Step, current: dict[str, Any], before: set[str]) -> None:
        added = self._project(
            step,
            human_tasks,
            current,
            before,
            lambda tid, task: self._human_row(step, task),
            lambda gone: (
                update(human_tasks)
                .where(human_tasks.c.id.in_(gone), human_tasks.c.status == "open")
                .values(status="cancelled", completed_at=step.now)
            ),
            "h",
        )
        for tid in added:
            spec = current[tid].task_spec
            step.record("task_created", tid, spec_id=spec.bpmn_id or spec.name, lane=spec.lane)

    def _human_row(self, step: Step, task: Any) -> dict[str, Any]:
        spec = task.task_spec
        return {
            "id": str(task.id),
            "instance_id": step.instance.id,
            "process_id": task.workflow.spec.name,
            "business_key": step.instance.business_key,
            "spec_id": _spec_id(task),
            "name": spec.bpmn_name or spec.bpmn_id or spec.name,
            "lane": spec.lane,
            "form": spiff.form_of(task),
            "status": "open",
            "created_at": step.now,
            "due_at": _due(task),
        }

    def _timers(self, step: Step, current: dict[str, tuple[Any, Any]], before: set[str]) -> None:
        # A cycle timer that fired in this step and still waits: its row waits again, due next
        # (unless its cycles are used up: SpiffWorkflow then only waits to be tidied away).
        for tid in step.closed.get("t", set()) & set(current) & before:
            value = current[tid][1]
            if isinstance(value, dict) and value.get("cycles") == 0:
                continue
            step.conn.execute(
                update(timers)
                .where(timers.c.instance_id == step.instance.id, timers.c.task_id == tid)
                .values(status="waiting", due_at=spiff.parse_due(value))
            )
        self._project(
            step,
            timers,
            current,
            before,
            lambda tid, item: {
                "instance_id": step.instance.id,
                "task_id": tid,
                "spec_id": _spec_id(item[0]),
                "due_at": spiff.parse_due(item[1]),
                "status": "waiting",
            },
            lambda gone: (
                update(timers)
                .where(
                    timers.c.instance_id == step.instance.id,
                    timers.c.task_id.in_(gone),
                    timers.c.status == "waiting",
                )
                .values(status="cancelled")
            ),
            "t",
        )

    def _subscriptions(
        self, step: Step, current: dict[str, tuple[Any, str]], before: set[str]
    ) -> list[str]:
        added = self._project(
            step,
            message_subscriptions,
            current,
            before,
            lambda tid, item: {
                "instance_id": step.instance.id,
                "message_name": item[1],
                "business_key": step.instance.business_key,
                "task_id": tid,
            },
            lambda gone: delete(message_subscriptions).where(
                message_subscriptions.c.instance_id == step.instance.id,
                message_subscriptions.c.task_id.in_(gone),
            ),
            "m",
        )
        return sorted({current[tid][1] for tid in added})

    def _jobs(self, step: Step, current: dict[str, Any], before: set[str]) -> None:
        added = self._project(
            step,
            jobs,
            current,
            before,
            lambda tid, task: {
                "instance_id": step.instance.id,
                "task_id": tid,
                "spec_id": _spec_id(task),
                "operator": task.task_spec.operation_name,
                "status": "pending",
                "attempts": 0,
                "max_attempts": self.max_attempts,
                "next_attempt_at": step.now,
                "created_at": step.now,
            },
            lambda gone: (
                update(jobs)
                .where(
                    jobs.c.instance_id == step.instance.id,
                    jobs.c.task_id.in_(gone),
                    jobs.c.status == "pending",
                )
                .values(status="cancelled")
            ),
            "j",
        )
        step.jobs_created += len(added)

    def _deliver_buffered(self, step: Step, names: list[str]) -> bool:
        """Hand the oldest deliverable buffered message to a subscription this step created.

        One per round: the next round re-derives what still waits. A message refused on the
        way (:func:`engine.messages.deliver`) is passed over for the next one.
        """
        pending = step.conn.execute(
            select(messages.c.id)
            .where(
                messages.c.business_key == step.instance.business_key,
                messages.c.message_name.in_(names),
                messages.c.consumed_at.is_(None),
            )
            .order_by(messages.c.id)
            .limit(_BUFFERED_PER_ROUND)
        ).all()
        return any(deliver(step, row.id) for row in pending)


def _spec_id(task: Any) -> str:
    return str(task.task_spec.bpmn_id or task.task_spec.name)


def _due(task: Any) -> datetime | None:
    props = getattr(task.task_spec, "extensions", {}).get("properties", {})
    expression = props.get("dueDateExpression")
    if not expression:
        return None
    value = task.workflow.script_engine.evaluate(task, expression)
    return spiff.parse_due(value) if value else None
