"""Per-case access for the caseworker pages: one place every case and task view calls.

The rules are the shared access layer's (``web.case_access``: departments, R06 staff-complaint
data for the team leader only, lanes). A team leader also opens the tasks of the queues they
lead, to see and reassign their team's work.
"""

from __future__ import annotations

from typing import Any

from engine import AuditRecord, InstanceRecord, TaskRecord
from web.case_access import releasable_task, visible_history, visible_record, workable_task
from web.context import user
from web.problems import Forbidden
from workflows.case_access import REDACTED
from workflows.inbox import queues_of

__all__ = ["REDACTED", "check_case", "check_history", "check_task", "may_release",
           "may_work", "prefillable"]


def check_case(record: InstanceRecord) -> InstanceRecord:
    """The case with only the data the caller may see (403 for another department's case)."""
    return visible_record(record)


def check_history(record: InstanceRecord, audit: list[AuditRecord]) -> list[AuditRecord]:
    """The audit log with identifying values hidden from all but the team leader role."""
    return visible_history(record, audit)


def check_task(task: TaskRecord) -> TaskRecord:
    """The task, if it is in one of the caller's queues or the queues they lead (403)."""
    if task.lane is None:
        raise Forbidden("This task is in no queue, so nobody may open it: an analyst must put "
                        "it in a lane")
    if task.lane not in queues_of(user().roles):
        raise Forbidden(f"This task is in the {task.lane.replace('_', ' ')} queue, which is "
                        "not one of yours")
    return task


def may_work(task: TaskRecord) -> TaskRecord:
    """The task, if the caller may claim or complete it (403 otherwise)."""
    return workable_task(task)


def may_release(task: TaskRecord) -> TaskRecord:
    """The task, if the caller may release it: their own claim, or a queue they lead."""
    return releasable_task(task)


def prefillable(data: dict[str, Any]) -> dict[str, Any]:
    """Case data a form may start from: never a value hidden from the caller."""
    return {k: v for k, v in data.items() if v != REDACTED}
