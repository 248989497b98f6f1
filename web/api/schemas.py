"""JSON Schemas of the API's resources: the OpenAPI document's components, and request bodies."""

from __future__ import annotations

from typing import Any

from web.api.openapi import MAX_ID, ref
from workflows.roles import ROLE_IDS
from workflows.services import TIERS

__all__ = ["COMPONENTS", "page_of"]

_INT = {"type": "integer"}
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_STR = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_STR_OR_NULL = {"type": ["string", "null"]}
_OBJ = {"type": "object"}


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _all(**properties: Any) -> dict[str, Any]:
    return _obj(list(properties), **properties)


def page_of(name: str) -> dict[str, Any]:
    return _obj(["items", "next"], items={"type": "array", "items": ref(name)},
                next={"type": ["string", "null"],
                      "description": "URL of the next page, or null on the last one."})


TASK = _all(
    id={"type": "string", "format": "uuid"}, instance_id=_ID, process_id=_STR,
    business_key=_STR, spec_id=_STR, name=_STR, lane=_STR_OR_NULL, lane_name=_STR_OR_NULL,
    form=_STR_OR_NULL, status={"type": "string", "enum": ["open", "completed", "cancelled"]},
    assignee=_STR_OR_NULL, created_at=_TIME, due_at=_TIME_OR_NULL,
    completed_at=_TIME_OR_NULL, completed_by=_STR_OR_NULL,
)

_TIER_TEXT = ("The complaint's current tier: " + ", ".join(TIERS)
              + " (null before the journey sets one).")

INSTANCE = _obj(
    ["id", "process_id", "version", "business_key", "status", "revision", "started_at",
     "updated_at", "ended_at", "tier", "stage", "owner_role", "owner_role_name", "deadline",
     "overdue", "refusal_reason", "outcome", "summary"],
    id=_ID, process_id=_STR, version=_INT, business_key=_STR,
    status={"type": "string", "enum": ["active", "suspended", "completed", "cancelled"]},
    revision={**_INT, "description": "Also sent as the ETag; send it back in If-Match."},
    started_at=_TIME, updated_at=_TIME, ended_at=_TIME_OR_NULL,
    tier={"type": ["string", "null"], "description": _TIER_TEXT, "examples": list(TIERS)},
    stage={**_STR_OR_NULL, "description": "The current stage (R11), as the diagram names it."},
    owner_role={**_STR_OR_NULL, "description": "The lane (role id) that owns the case now."},
    owner_role_name=_STR_OR_NULL,
    deadline={**_STR_OR_NULL, "description": "Response due: ISO date or date-time."},
    overdue={"type": "boolean"},
    refusal_reason={**_STR_OR_NULL, "description": "Why the complaint was refused, if it was."},
    outcome=_STR_OR_NULL, summary=_OBJ,
    data={**_OBJ, "description": "The case data (single-instance reads only)."},
    open_tasks={"type": "array", "items": ref("Task")},
    waiting_timers={"type": "array", "items": _all(id=_ID, spec_id=_STR, due_at=_TIME)},
)

COMPONENTS: dict[str, Any] = {
    "Problem": {
        **_obj(["type", "title", "status"], type=_STR, title=_STR, status=_INT, detail=_STR,
               instance=_STR, errors={"type": "array", "items": _STR}),
        "description": "RFC 9457 problem details.",
    },
    "Task": TASK,
    "TaskDetail": {"allOf": [ref("Task"), _obj(
        ["form_schema", "instance_revision"],
        form_schema={"type": ["object", "null"],
                     "description": "JSON Schema the completion data must satisfy."},
        instance_revision=_INT)]},
    "TaskPage": page_of("Task"),
    "Instance": INSTANCE,
    "InstancePage": page_of("Instance"),
    "HistoryEntry": _all(id=_ID, at=_TIME, actor=_STR, action=_STR, task_id=_STR_OR_NULL,
                         detail=_OBJ),
    "History": _all(items={"type": "array", "items": ref("HistoryEntry")}),
    "MigrationPlan": _all(to_version=_INT, possible={"type": "boolean"},
                          removed_active={"type": "array", "items": _STR},
                          changed={"type": "array", "items": _STR},
                          added={"type": "array", "items": _STR}),
    "Deployment": _all(id=_ID, name=_STR, content_hash=_STR, created_at=_TIME, created_by=_STR,
                       processes={"type": "object", "additionalProperties": _INT},
                       files={"type": "array", "items": _STR}),
    "DeploymentResult": {"allOf": [ref("Deployment"), _all(
        created={"type": "boolean"},
        changed={"type": "array", "items": _STR,
                 "description": "Processes that got a new version (only those whose content "
                                "changed)."})]},
    "DeploymentPage": page_of("Deployment"),
    "ProcessDefinition": _all(id=_ID, process_id=_STR, version=_INT, name=_STR,
                              deployment_id=_ID, created_at=_TIME),
    "ProcessDefinitionPage": page_of("ProcessDefinition"),
    "Letter": _all(id=_ID, instance_id=_ID, business_key=_STR, name=_STR, kind=_STR,
                   content_type=_STR, task_id=_STR_OR_NULL, created_at=_TIME, content_url=_STR),
    "LetterList": _all(items={"type": "array", "items": ref("Letter")}),
    "Incident": _all(id=_ID, instance_id=_ID, task_id=_STR_OR_NULL, spec_id=_STR_OR_NULL,
                     kind=_STR, message=_STR, created_at=_TIME, resolved_at=_TIME_OR_NULL,
                     resolved_by=_STR_OR_NULL),
    "IncidentPage": page_of("Incident"),
    "Correlation": _all(status={"type": "string", "enum": ["delivered", "buffered"]},
                        message_id=_ID, instance_id={"type": ["integer", "null"]}),
    "Figures": {"type": "object", "required": [
        "as_of", "received", "closed", "open_by_tier", "days_to_resolve", "within_target",
        "overdue", "outcomes", "upheld_rate", "special_payments", "systemic"]},
    "ComplaintFigures": {"type": "object", "required": [
        "department", "as_of", "volumes", "resolve_days", "within_target", "overdue",
        "outcomes", "payments", "systemic"]},
    "Clock": _all(now=_TIME, simulated={"type": "boolean"}),
    "ClockMove": _all(now=_TIME, timers_fired=_INT, jobs_run=_INT),
    "User": _all(id=_ID, username=_STR, display_name=_STR,
                 roles={"type": "array", "items": {"type": "string", "enum": list(ROLE_IDS)}},
                 active={"type": "boolean"}),
    "UserList": _all(items={"type": "array", "items": ref("User")}),
    "Me": {"allOf": [ref("User"), _all(permissions={"type": "array", "items": _STR},
                                        start=_STR)]},
    "Token": _all(id=_ID, name=_STR, prefix=_STR, created_at=_TIME, last_used_at=_TIME_OR_NULL,
                  revoked_at=_TIME_OR_NULL),
    "TokenList": _all(items={"type": "array", "items": ref("Token")}),
    "IssuedToken": {"allOf": [ref("Token"), _all(
        token={**_STR, "description": "The token itself: shown this once, never again."},
        username=_STR)]},
}
