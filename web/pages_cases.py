"""The case page: where a complaint is, its open tasks, its letters and its history.

The history is read from the engine's append-only audit log. It names the fields each step
changed and never their values: the log keeps no values of private keys, and a caseworker
reads the current values on the task forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template

from engine import AuditRecord
from web.access import requires
from web.case_access import open_case
from web.context import engine, user
from workflows.roles import ROLE_IDS, Permission, role
from workflows.services import describe

bp = Blueprint("cases", __name__)

_WHAT = {
    "instance_started": "Case started",
    "instance_completed": "Case closed",
    "instance_suspended": "Case suspended",
    "instance_resumed": "Case resumed",
    "instance_cancelled": "Case cancelled",
    "instance_migrated": "Moved to a new process version",
    "task_created": "Task ready",
    "task_claimed": "Task claimed",
    "task_released": "Task released",
    "task_completed": "Task completed",
    "service_task_completed": "Automatic step done",
    "service_task_failed": "Automatic step failed",
    "incident_opened": "Incident opened",
    "incident_retried": "Incident retried",
    "timer_fired": "Deadline reached",
    "message_delivered": "Message received",
}


@dataclass(frozen=True)
class Entry:
    """One line of the case history."""

    at: datetime
    actor: str
    what: str
    subject: str  # the task, handler, timer or message the step was about
    fields: list[str]  # names of the fields the step changed or recorded


def _subject(a: AuditRecord, task_names: Mapping[str, str]) -> str:
    detail = a.detail
    if a.task_id and a.task_id in task_names:
        name = task_names[a.task_id]
        lane = detail.get("lane")
        return f"{name} ({role(lane).name} queue)" if lane in ROLE_IDS else name
    for key in ("message", "operator", "spec_id", "process_id"):
        if isinstance(detail.get(key), str):
            return str(detail[key])
    return ""


def _fields(detail: Mapping[str, object]) -> list[str]:
    for key in ("changes", "data_keys", "result_keys"):
        found = detail.get(key)
        if isinstance(found, Mapping | list):
            return sorted(str(k) for k in found)
    return []


def history(audit: list[AuditRecord], task_names: Mapping[str, str]) -> list[Entry]:
    """The audit log as people read it: when, who, what, about what, which fields."""
    return [Entry(a.at, a.actor, _WHAT.get(a.action, a.action.replace("_", " ").capitalize()),
                  _subject(a, task_names), _fields(a.detail)) for a in audit]


@bp.get("/cases/<id:instance_id>")
@requires(Permission.VIEW_INSTANCES)
def case(instance_id: int) -> str:
    """Show a case's summary, open tasks, letters and history."""
    eng = engine()
    view = describe(eng, open_case(eng.instance(instance_id, with_data=False)))
    every_task = eng.tasks(instance_id=instance_id, status=None, limit=1000)
    names = {t.id: t.name for t in every_task}
    return render_template("case.html", view=view, letters=eng.documents(instance_id),
                           history=history(eng.audit(instance_id), names),
                           my_roles=set(user().roles))
