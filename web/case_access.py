"""The per-case rules of ``workflows.case_access`` applied to the signed-in caller.

Every view that shows a case (API, case page, task page, history) goes through these, so the
rule lives in one place: :func:`open_case` refuses a case of another department;
:func:`visible_data` and :func:`visible_history` hide a staff complaint's identifying values
from everyone but its team leader role.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine import AuditRecord, InstanceRecord, TaskRecord
from web.context import user
from web.problems import Forbidden
from workflows.case_access import (
    can_open_case,
    is_staff_complaint,
    may_release_others,
    may_work_lane,
    redact_case_data,
    redact_detail,
    refusal,
)

__all__ = ["open_case", "readable_task", "releasable_task", "visible_data", "visible_history",
           "visible_record", "workable_task"]


def open_case(record: InstanceRecord) -> InstanceRecord:
    """The case, if the caller may open it (403 with the reason otherwise)."""
    if not can_open_case(user().roles, record.process_id):
        raise Forbidden(refusal(record.process_id))
    return record


def visible_data(record: InstanceRecord) -> dict[str, Any]:
    """The case data the caller may see."""
    staff = is_staff_complaint(record.data, record.summary)
    return redact_case_data(record.data, user().roles, staff)


def visible_record(record: InstanceRecord) -> InstanceRecord:
    """The record with only the data the caller may see (for views that present it whole)."""
    return replace(open_case(record), data=visible_data(record))


def visible_history(record: InstanceRecord, audit: list[AuditRecord]) -> list[AuditRecord]:
    """The case history with identifying values hidden from all but the team leader role."""
    staff = is_staff_complaint(record.data, record.summary)
    roles = user().roles
    return [replace(a, detail=redact_detail(a.detail, roles, staff)) for a in audit]


def readable_task(task: TaskRecord) -> TaskRecord:
    """The task with its form, if it is in one of the caller's queues (the page and the API
    alike; operations follow a case from its case page, not through the task form)."""
    if task.lane is None:
        raise Forbidden("this task is in no queue, so no role may open it: an analyst must put "
                        "it in a lane")
    if not may_work_lane(user().roles, task.lane):
        raise Forbidden(f"this task is in the {task.lane} queue, which is not one of yours")
    return task


def workable_task(task: TaskRecord) -> TaskRecord:
    """The task, if the caller may claim or complete it (its lane is one of their roles)."""
    if not may_work_lane(user().roles, task.lane):
        if task.lane is None:
            raise Forbidden("this task is in no queue, so no role may work it: an analyst must "
                            "put it in a lane")
        raise Forbidden(f"this task is in the {task.lane} queue, which is not one of yours")
    return task


def releasable_task(task: TaskRecord) -> TaskRecord:
    """The task, if the caller may release it: their own claim, or a queue they lead."""
    caller = user()
    if task.assignee in (None, caller.username):
        return workable_task(task)
    if not may_release_others(caller.roles, task.lane):
        raise Forbidden(f"this task is claimed by {task.assignee}; only a team leader of the "
                        f"{task.lane or 'task'} queue may release it")
    return task
