"""Derive the queryable rows of an instance from its workflow state, after every step.

Human tasks, timers, message subscriptions and jobs are projections of the SpiffWorkflow task
tree. The instance row keeps the ids that were open after the last step (``open_refs``), so a
step only writes what changed. New message subscriptions pick up buffered messages here, in the
same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from engine import spiff
from engine.messages import deliver
from engine.runtime import Step
from engine.tables import human_tasks, jobs, message_subscriptions, messages, timers

__all__ = ["Projector"]


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
            else:
                subs[str(task.id)] = (task, value)
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

    def _human(self, step: Step, current: dict[str, Any], before: set[str]) -> None:
        added = [tid for tid in current if tid not in before]
        if added:
            rows = [self._human_row(step, current[tid]) for tid in added]
            step.conn.execute(insert(human_tasks), rows)
            for row in rows:
                step.record("task_created", row["id"], spec_id=row["spec_id"], lane=row["lane"])
        gone = before - set(current)
        if gone:
            step.conn.execute(
                update(human_tasks)
                .where(human_tasks.c.id.in_(gone), human_tasks.c.status == "open")
                .values(status="cancelled", completed_at=step.now)
            )

    def _human_row(self, step: Step, task: Any) -> dict[str, Any]:
        spec = task.task_spec
        return {
            "id": str(task.id),
            "instance_id": step.instance.id,
            "process_id": task.workflow.spec.name,
            "business_key": step.instance.business_key,
            "spec_id": spec.bpmn_id or spec.name,
            "name": spec.bpmn_name or spec.bpmn_id or spec.name,
            "lane": spec.lane,
            "form": spiff.form_of(task),
            "status": "open",
            "created_at": step.now,
            "due_at": _due(task),
        }

    def _timers(self, step: Step, current: dict[str, tuple[Any, Any]], before: set[str]) -> None:
        added = [tid for tid in current if tid not in before]
        if added:
            step.conn.execute(
                insert(timers),
                [
                    {
                        "instance_id": step.instance.id,
                        "task_id": tid,
                        "spec_id": current[tid][0].task_spec.bpmn_id
                        or current[tid][0].task_spec.name,
                        "due_at": spiff.parse_due(current[tid][1]),
                        "status": "waiting",
                    }
                    for tid in added
                ],
            )
        gone = before - set(current)
        if gone:
            step.conn.execute(
                update(timers)
                .where(
                    timers.c.instance_id == step.instance.id,
                    timers.c.task_id.in_(gone),
                    timers.c.status == "waiting",
                )
                .values(status="cancelled")
            )

    def _subscriptions(
        self, step: Step, current: dict[str, tuple[Any, str]], before: set[str]
    ) -> list[str]:
        added = [tid for tid in current if tid not in before]
        if added:
            step.conn.execute(
                insert(message_subscriptions),
                [
                    {
                        "instance_id": step.instance.id,
                        "message_name": current[tid][1],
                        "business_key": step.instance.business_key,
                        "task_id": tid,
                    }
                    for tid in added
                ],
            )
        gone = before - set(current)
        if gone:
            step.conn.execute(
                delete(message_subscriptions).where(
                    message_subscriptions.c.instance_id == step.instance.id,
                    message_subscriptions.c.task_id.in_(gone),
                )
            )
        return sorted({current[tid][1] for tid in added})

    def _jobs(self, step: Step, current: dict[str, Any], before: set[str]) -> None:
        added = [tid for tid in current if tid not in before]
        step.jobs_created += len(added)
        if added:
            step.conn.execute(
                insert(jobs),
                [
                    {
                        "instance_id": step.instance.id,
                        "task_id": tid,
                        "spec_id": current[tid].task_spec.bpmn_id or current[tid].task_spec.name,
                        "operator": current[tid].task_spec.operation_name,
                        "status": "pending",
                        "attempts": 0,
                        "max_attempts": self.max_attempts,
                        "next_attempt_at": step.now,
                        "created_at": step.now,
                    }
                    for tid in added
                ],
            )
        gone = before - set(current)
        if gone:
            step.conn.execute(
                update(jobs)
                .where(
                    jobs.c.instance_id == step.instance.id,
                    jobs.c.task_id.in_(gone),
                    jobs.c.status == "pending",
                )
                .values(status="cancelled")
            )

    def _deliver_buffered(self, step: Step, names: list[str]) -> bool:
        """Hand the oldest buffered message to a subscription this step created."""
        pending = step.conn.execute(
            select(messages.c.id)
            .where(
                messages.c.business_key == step.instance.business_key,
                messages.c.message_name.in_(names),
                messages.c.consumed_at.is_(None),
            )
            .order_by(messages.c.id)
            .limit(1)
        ).first()
        # One per round: the next round re-derives what still waits.
        return pending is not None and deliver(step, pending.id)


def _due(task: Any) -> datetime | None:
    props = getattr(task.task_spec, "extensions", {}).get("properties", {})
    expression = props.get("dueDateExpression")
    if not expression:
        return None
    value = task.workflow.script_engine.evaluate(task, expression)
    return spiff.parse_due(value) if value else None
