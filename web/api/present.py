"""Records and views as JSON, matching ``web.api.schemas``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import url_for

from engine import AuditRecord, DocumentRecord, IncidentRecord, TaskRecord
from workflows.catalogue import DefinitionInfo, DeploymentInfo
from workflows.figures import Figures
from workflows.roles import ROLE_IDS, Permission, granted, role, start_page
from workflows.services import InstanceView
from workflows.users import ApiToken, User

__all__ = [
    "definition_json",
    "deployment_json",
    "figures_json",
    "history_json",
    "incident_json",
    "instance_json",
    "letter_json",
    "me_json",
    "task_json",
    "token_json",
    "user_json",
]


def _t(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def task_json(t: TaskRecord) -> dict[str, Any]:
    return {
        "id": t.id, "instance_id": t.instance_id, "process_id": t.process_id,
        "business_key": t.business_key, "spec_id": t.spec_id, "name": t.name, "lane": t.lane,
        "lane_name": role(t.lane).name if t.lane in ROLE_IDS else None, "form": t.form,
        "status": t.status, "assignee": t.assignee, "created_at": _t(t.created_at),
        "due_at": _t(t.due_at), "completed_at": _t(t.completed_at),
        "completed_by": t.completed_by,
    }


def instance_json(v: InstanceView, *, detail: bool = False) -> dict[str, Any]:
    r = v.record
    out: dict[str, Any] = {
        "id": r.id, "process_id": r.process_id, "version": r.version,
        "business_key": r.business_key, "status": r.status, "revision": r.revision,
        "started_at": _t(r.started_at), "updated_at": _t(r.updated_at),
        "ended_at": _t(r.ended_at), "tier": v.tier, "stage": v.stage,
        "owner_role": v.owner_role, "owner_role_name": v.owner_role_name,
        "deadline": v.deadline, "overdue": v.overdue, "refusal_reason": v.refusal_reason,
        "outcome": v.outcome, "summary": _jsonable(r.summary),
    }
    if detail:
        out["data"] = _jsonable(r.data)
        out["open_tasks"] = [task_json(t) for t in v.open_tasks]
        out["waiting_timers"] = [{"id": t.id, "spec_id": t.spec_id, "due_at": _t(t.due_at)}
                                 for t in v.waiting_timers]
    return out


def history_json(a: AuditRecord) -> dict[str, Any]:
    return {"id": a.id, "at": _t(a.at), "actor": a.actor, "action": a.action,
            "task_id": a.task_id, "detail": _jsonable(a.detail)}


def deployment_json(d: DeploymentInfo) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "content_hash": d.content_hash,
            "created_at": _t(d.created_at), "created_by": d.created_by,
            "processes": dict(d.processes), "files": list(d.files)}


def definition_json(d: DefinitionInfo) -> dict[str, Any]:
    return {"id": d.id, "process_id": d.process_id, "version": d.version, "name": d.name,
            "deployment_id": d.deployment_id, "created_at": _t(d.created_at)}


def letter_json(d: DocumentRecord) -> dict[str, Any]:
    return {"id": d.id, "instance_id": d.instance_id, "business_key": d.business_key,
            "name": d.name, "kind": d.kind, "content_type": d.content_type,
            "task_id": d.task_id, "created_at": _t(d.created_at),
            "content_url": url_for("letters.letter_content", instance_id=d.instance_id,
                                   letter_id=d.id)}


def incident_json(i: IncidentRecord) -> dict[str, Any]:
    return {"id": i.id, "instance_id": i.instance_id, "task_id": i.task_id,
            "spec_id": i.spec_id, "kind": i.kind, "message": i.message,
            "created_at": _t(i.created_at), "resolved_at": _t(i.resolved_at),
            "resolved_by": i.resolved_by}


def figures_json(f: Figures) -> dict[str, Any]:
    out: dict[str, Any] = _jsonable(asdict(f))
    return out


def user_json(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name,
            "roles": list(u.roles), "active": u.active}


def me_json(u: User) -> dict[str, Any]:
    perms: list[Permission] = granted(u.roles)
    return {**user_json(u), "permissions": [str(p) for p in perms],
            "start": start_page(u.roles)}


def token_json(t: ApiToken) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": _t(t.created_at),
            "last_used_at": _t(t.last_used_at), "revoked_at": _t(t.revoked_at)}
