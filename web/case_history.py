"""The case timeline, shared by the caseworker and operations case pages: the engine's audit
log in words, with what was entered.

Each completed task lists the answers it recorded, labelled from the deployed forms; private
fields (staff details, notes: the engine stores no value for them) read "not shown".
Automatic steps and system actors get plain names instead of handler ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine import AuditRecord
from workflows.incoming import EVENTS

__all__ = ["Entry", "history", "labels_of", "readable", "timeline"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"[a-z]+(_[a-z]+)+")


def readable(value: Any) -> str:
    """A stored value in words: Yes/No, UK dates, lists joined, objects as "key: value"."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                when = date.fromisoformat(value)
            except ValueError:
                return value
            return f"{when.day} {when:%B %Y}"
        return value.replace("_", " ") if _CODE.fullmatch(value) else value
    if isinstance(value, list):
        return "; ".join(readable(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')}: {readable(v)}" for k, v in value.items())
    return str(value)

_WHAT = {
    "instance_started": "Case opened",
    "instance_completed": "Case closed",
    "instance_suspended": "Case suspended",
    "instance_resumed": "Case resumed",
    "instance_cancelled": "Case cancelled",
    "instance_migrated": "Moved to a new version of the process",
    "task_created": "Task ready",
    "task_claimed": "Task claimed",
    "task_released": "Task released to its queue",
    "task_completed": "Task completed",
    "service_task_completed": "Automatic step done",
    "service_task_failed": "Automatic step failed",
    "incident_opened": "Problem needs operations",
    "incident_retried": "Problem retried",
    "timer_fired": "Deadline reached",
    "message_delivered": "Received",
    "message_refused": "Message not accepted (unusable contents)",
}
_OPERATORS = {"letters.send": "Letter sent", "payments.assess": "Special payment assessed",
              "payments.pay": "Special payment made", "notify.email": "E-mail sent",
              "systemic.log": "Systemic log updated", "caselist.update": "Caselist updated",
              "confidential.remove_staff_data": "Staff details removed"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    what: str
    subject: str
    answers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        """The labels of the answers the step recorded."""
        return [label for label, _ in self.answers]


def labels_of(forms: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Field key -> its title in the deployed forms (the first title wins)."""
    labels: dict[str, str] = {}
    for schema in forms.values():
        props = schema.get("properties")
        if isinstance(props, Mapping):
            for key, prop in props.items():
                if isinstance(prop, Mapping) and prop.get("title"):
                    labels.setdefault(str(key), str(prop["title"]))
    return labels


def _actor(actor: str) -> str:
    if actor.startswith("message:"):
        return "From outside"
    if actor.startswith(("job:", "timer", "system", "scheduler")):
        return "Redress (automatic)"
    return actor


def _answers(detail: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    changes = detail.get("changes")
    if not isinstance(changes, Mapping):
        return []
    out = []
    for key, change in changes.items():
        label = labels.get(str(key), str(key).replace("_", " ").capitalize())
        if isinstance(change, Mapping) and change.get("private"):
            out.append((label, "Recorded (not shown: private)"))
        elif isinstance(change, Mapping):
            out.append((label, readable(change.get("after"))))
    return out


def _subject(a: AuditRecord, task_names: Mapping[str, str]) -> str:
    d = a.detail
    if a.task_id and a.task_id in task_names and a.action.startswith("task_"):
        return task_names[a.task_id]
    if a.action in ("message_delivered", "message_refused") and isinstance(d.get("message"), str):
        found = EVENTS.get(d["message"])
        return found.title if found else str(d["message"]).replace("_", " ")
    if isinstance(d.get("operator"), str):
        op = str(d["operator"])
        letter = d.get("letter_code") or (d.get("params") or {}).get("letter_code") if isinstance(
            d.get("params"), Mapping | None) else None
        return _OPERATORS.get(op, op) + (f" ({letter})" if letter else "")
    if a.task_id and a.task_id in task_names:
        return task_names[a.task_id]
    return ""


def timeline(audit: list[AuditRecord], task_names: Mapping[str, str],
             labels: Mapping[str, str] | None = None) -> list[Entry]:
    """Oldest first; the steps nobody needs to read (task ready) left out."""
    return [Entry(a.at, _actor(a.actor), _WHAT.get(a.action, a.action.replace("_", " ")),
                  _subject(a, task_names), _answers(a.detail, labels or {}))
            for a in audit if a.action != "task_created"]


history = timeline  # the name the operations case page calls it by
