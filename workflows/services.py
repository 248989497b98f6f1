"""The complaint as the API and the screens show it: tier, stage, owner, deadline, open work.

The diagrams keep ``tier``, ``stage``, ``owner_role``, ``response_due`` and ``refusal_reason``
in the case data; the engine projects them into each instance's summary, so lists never load
workflow state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine import Engine, InstanceRecord, TaskRecord, TimerRecord
from workflows.roles import ROLE_IDS, role

__all__ = [
    "TIERS",
    "InstanceView",
    "describe",
    "describe_many",
    "is_overdue",
    "outcome_of",
    "parse_due",
    "tier_of",
]

TIERS: tuple[str, ...] = (
    "dissatisfaction", "resolution", "review", "ice", "phso", "appeal", "closed", "refused",
)
_ENDED = ("completed", "cancelled")


@dataclass(frozen=True)
class InstanceView:
    record: InstanceRecord
    tier: str | None
    stage: str | None
    owner_role: str | None
    deadline: str | None  # ISO date or date-time, as the diagram set it
    refusal_reason: str | None
    outcome: str | None
    overdue: bool
    open_tasks: list[TaskRecord]
    waiting_timers: list[TimerRecord]

    @property
    def owner_role_name(self) -> str | None:
        return role(self.owner_role).name if self.owner_role in ROLE_IDS else None


def parse_due(value: Any) -> datetime | date | None:
    """A deadline from the case data: ISO date or date-time text (or a date), else None."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def tier_of(status: str, value: Any) -> str | None:
    """The tier shown for an instance: its summary's ``tier``, or "closed" once it has ended
    (a refused complaint stays "refused")."""
    tier = value if isinstance(value, str) and value else None
    if status in _ENDED and tier != "refused":
        return "closed"
    return tier


def is_overdue(due: datetime | date | None, now: datetime, tier: str | None,
               status: str) -> bool:
    """Whether an instance still open is past its deadline (a naive date-time is in ``now``'s
    zone)."""
    if due is None or status in _ENDED or tier in ("closed", "refused"):
        return False
    if isinstance(due, datetime):
        return (due if due.tzinfo else due.replace(tzinfo=now.tzinfo)) < now
    return due < now.date()


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def outcome_of(summary: Mapping[str, Any]) -> str | None:
    """The outcome recorded in a summary, as text (None when there is none)."""
    return _text(summary.get("outcome"))


def describe(engine: Engine, record: InstanceRecord, *, with_work: bool = True) -> InstanceView:
    """The view of one instance; ``with_work`` adds its open tasks and waiting timers."""
    summary = record.summary
    tasks: list[TaskRecord] = []
    timers: list[TimerRecord] = []
    if with_work:  # what the step that made the record wrote, else read
        tasks = (list(record.open_tasks) if record.open_tasks is not None
                 else engine.tasks(instance_id=record.id))
        timers = (list(record.waiting_timers) if record.waiting_timers is not None
                  else [t for t in engine.timers(record.id) if t.status == "waiting"])
    tier = tier_of(record.status, summary.get("tier"))
    owner = _text(summary.get("owner_role"))
    if owner is None and tasks:
        owner = tasks[0].lane
    due = parse_due(summary.get("response_due"))
    return InstanceView(
        record=record, tier=tier, stage=_text(summary.get("stage")), owner_role=owner,
        deadline=due.isoformat() if due is not None else None,
        refusal_reason=_text(summary.get("refusal_reason")),
        outcome=outcome_of(summary),
        overdue=is_overdue(due, engine.clock.now(), tier, record.status),
        open_tasks=tasks, waiting_timers=timers,
    )


def describe_many(engine: Engine, records: list[InstanceRecord]) -> list[InstanceView]:
    """Views for a list page: from the summaries alone, no per-instance queries."""
    return [describe(engine, r, with_work=False) for r in records]
