"""Plain, immutable views of engine rows: what the facade returns to its callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "NOTHING_TO_RUN_AGAIN",
    "AuditRecord",
    "DeploymentRecord",
    "DocumentRecord",
    "IncidentRecord",
    "InstanceRecord",
    "JobRecord",
    "OutboxRecord",
    "TaskRecord",
    "TimerRecord",
]


@dataclass(frozen=True)
class DeploymentRecord:
    id: int
    name: str
    content_hash: str
    created_at: datetime
    created_by: str
    processes: dict[str, int] = field(default_factory=dict)  # process id -> version
    created: bool = True  # False when identical content was already deployed
    changed: list[str] = field(default_factory=list)  # processes that got a new version


@dataclass(frozen=True)
class InstanceRecord:
    id: int
    process_id: str
    version: int
    business_key: str
    status: str
    revision: int
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    summary: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    # The open tasks / waiting timers as the step that returned this record left them, when
    # it wrote them all itself; None means "not known here: ask Engine.tasks / timers".
    open_tasks: tuple[TaskRecord, ...] | None = None
    waiting_timers: tuple[TimerRecord, ...] | None = None


@dataclass(frozen=True)
class TaskRecord:
    id: str
    instance_id: int
    process_id: str
    business_key: str
    spec_id: str
    name: str
    lane: str | None
    form: str | None
    status: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None


@dataclass(frozen=True)
class TimerRecord:
    id: int
    instance_id: int
    task_id: str
    spec_id: str
    due_at: datetime
    status: str
    fired_at: datetime | None


@dataclass(frozen=True)
class JobRecord:
    id: int
    instance_id: int
    task_id: str
    spec_id: str
    operator: str
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    instance_id: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    sent_at: datetime | None


#: Incident kinds whose retry runs nothing again, so it only records them dealt with: a step
#: over its limit was rolled back and its case stays suspended until someone resumes it; a
#: refused message's case waits for a corrected one (decision 0030).
NOTHING_TO_RUN_AGAIN = frozenset({"step_limit", "message"})


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    instance_id: int
    task_id: str | None
    spec_id: str | None
    kind: str
    message: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    business_key: str = ""  # the case reference operations know the case by

    @property
    def reruns(self) -> bool:
        """Whether retrying runs something again (a handler job, a script, a delivery)."""
        return self.kind not in NOTHING_TO_RUN_AGAIN


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    instance_id: int
    business_key: str
    name: str
    kind: str
    content_type: str
    task_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    id: int
    instance_id: int | None
    at: datetime
    actor: str
    action: str
    task_id: str | None
    detail: dict[str, Any]
