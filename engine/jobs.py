"""Service-task jobs: run a handler inside a step; retry with backoff; then an incident.

A handler error rolls its step back completely (nothing it wrote survives), is counted on the
job row in a separate transaction, and the job is tried again after an exponential backoff.
After the last attempt the job fails and an incident appears for operations to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert, update

from engine import spiff
from engine.context import StepHandlerContext
from engine.data_limits import shape_problem
from engine.exceptions import (
    ConflictError,
    HandlerError,
    InvalidStateError,
    NotFoundError,
    StepLimitError,
)
from engine.handlers import HandlerRegistry
from engine.runtime import Runtime, Step, describe_error, select_with_claim
from engine.tables import audit_log, incidents, jobs

__all__ = ["JobRunner", "exponential_backoff"]

log = logging.getLogger(__name__)

# The job and what the step needs of its instance, in the step's own transaction.
_SELECT_JOB = select_with_claim(jobs, "job_id")


def exponential_backoff(
    base: timedelta, cap: timedelta = timedelta(hours=1)
) -> Callable[[int], timedelta]:
    """Delay before attempt n+1: base, 2×base, 4×base… capped."""

    def delay(attempts: int) -> timedelta:
        wait: timedelta = min(cap, base * (2 ** max(0, attempts - 1)))
        return wait

    return delay


class JobRunner:
    def __init__(
        self, runtime: Runtime, registry: HandlerRegistry, backoff: Callable[[int], timedelta]
    ) -> None:
        self.runtime = runtime
        self.registry = registry
        self.backoff = backoff

    def run(self, job_id: int) -> str:
        """Run one job; return done, retry, failed, conflict, waiting or skipped."""
        job: Any = None
        try:
            with self.runtime.conns.write() as conn:
                job = conn.execute(_SELECT_JOB, {"job_id": job_id}).first()
                if job is None or job.status != "pending":
                    return "skipped"
                _, step = self.runtime.run(
                    job.instance_id,
                    lambda step: self._execute(step, job),
                    actor=f"job:{job.operator}",
                    conn=conn,
                    found=job,
                )
            self.runtime.committed(step)
            return "done"
        except ConflictError:
            self._release(job_id, self.runtime.clock.now())
            return "conflict"
        except StepLimitError as exc:  # rolled back; incident and suspension of its own
            self.runtime.runaway(exc)
            self._release(job_id, self.runtime.clock.now() + timedelta(minutes=5))
            return "waiting"
        except (InvalidStateError, NotFoundError):
            self._release(job_id, self.runtime.clock.now() + timedelta(minutes=5))
            return "waiting"
        except Exception as exc:  # a handler may raise anything; it must become a retry
            if job is None:
                raise
            return self._failed(job, exc)

    def _execute(self, step: Step, job: Any) -> None:
        task = step.workflow.get_task_from_id(UUID(job.task_id))
        claimed = step.conn.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.status == "pending")
            .values(status="done", attempts=job.attempts + 1, lease_owner=None, lease_until=None)
        )
        if claimed.rowcount != 1:
            raise ConflictError(f"job {job.id} was taken by another worker")
        step.settled("j", job.task_id)
        if task is None or task.state != spiff.TaskState.READY:
            step.conn.execute(update(jobs).where(jobs.c.id == job.id).values(status="cancelled"))
            return
        invoker = self._invoker(step)
        with spiff.WorkflowScriptEngine.invoking(invoker):
            task.run()
        step.record(
            "service_task_completed",
            str(task.id),
            operator=job.operator,
            attempt=job.attempts + 1,
            result_keys=sorted(_last_result_keys(task)),
        )

    def _invoker(self, step: Step) -> spiff.ServiceInvoker:
        def invoke(task: Any, operator: str, params: dict[str, Any]) -> Mapping[str, Any] | None:
            func = self.registry.get(operator)
            if func is None:
                raise HandlerError(f"no handler is registered for {operator!r}")
            ctx = StepHandlerContext(
                step.conn,
                instance_id=step.instance.id,
                business_key=step.instance.business_key,
                process_id=step.instance.process_id,
                task=task,
                now=step.now,
                on_erase=step.erasures.append,
                deployment_id=step.definition.deployment_id,
            )
            result = func(ctx, **params)
            if result is not None and not isinstance(result, Mapping):
                raise HandlerError(
                    f"handler {operator!r} returned {type(result).__name__}, not a dict"
                )
            problem = shape_problem(result) if result else None
            if problem is not None:  # it becomes case data, as form data does
                raise HandlerError(f"handler {operator!r} returned data {problem}")
            task._set_internal_data(result_keys=sorted(result or {}))
            return result

        return invoke

    def _release(self, job_id: int, next_attempt: datetime) -> None:
        with self.runtime.conns.write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == "pending")
                .values(lease_owner=None, lease_until=None, next_attempt_at=next_attempt)
            )

    def _failed(self, job: Any, exc: BaseException) -> str:
        now = self.runtime.clock.now()
        attempts = job.attempts + 1
        message = describe_error(exc)
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.operator, attempts, message)
        final = attempts >= job.max_attempts
        with self.runtime.conns.write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job.id, jobs.c.status == "pending")
                .values(
                    attempts=attempts,
                    last_error=message[:2000],
                    lease_owner=None,
                    lease_until=None,
                    status="failed" if final else "pending",
                    next_attempt_at=now if final else now + self.backoff(attempts),
                )
            )
            conn.execute(
                insert(audit_log).values(
                    instance_id=job.instance_id,
                    at=now,
                    actor=f"job:{job.operator}",
                    action="service_task_failed",
                    task_id=job.task_id,
                    detail={"attempt": attempts, "error": message[:500], "final": final},
                )
            )
            if final:
                conn.execute(
                    insert(incidents).values(
                        instance_id=job.instance_id,
                        task_id=job.task_id,
                        spec_id=job.spec_id,
                        kind="handler",
                        message=f"{job.operator}: {message}"[:2000],
                        job_id=job.id,
                        created_at=now,
                    )
                )
        return "failed" if final else "retry"


def _last_result_keys(task: Any) -> list[str]:
    return list(task._get_internal_data("result_keys") or [])
