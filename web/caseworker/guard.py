"""Per-case access for the caseworker pages: one place every case and task view calls.

The rule itself (staff complaints for team leaders only, departments kept apart) belongs to
the shared access layer; until it is there this only checks the task's queue.
"""

from __future__ import annotations

from engine import InstanceRecord, TaskRecord
from web.context import user
from web.problems import Forbidden
from workflows.inbox import queues_of

__all__ = ["check_case", "check_task"]


def check_case(record: InstanceRecord) -> InstanceRecord:
    """The case, if the caller may see it (403 otherwise)."""
    return record


def check_task(task: TaskRecord) -> TaskRecord:
    """The task, if it is in one of the caller's queues or the queues they lead (403)."""
    if task.lane and task.lane not in queues_of(user().roles):
        raise Forbidden(f"This task is in the {task.lane.replace('_', ' ')} queue, which is "
                        "not one of yours")
    return task
