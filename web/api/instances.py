"""Process instances: start, read, list, history, suspend, resume, cancel, migrate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for

from web.api.http import (
    CURSOR,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    LIMIT,
    decode_cursor,
    etag,
    expected_revision,
    idempotent,
    page,
    reply,
)
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import history_json, instance_json
from web.case_access import open_case, visible_history, visible_record
from web.context import engine, user
from web.problems import ApiProblem
from workflows.case_access import can_open_case
from workflows.idempotency import Pending
from workflows.roles import Permission
from workflows.services import describe, describe_many
from workflows.start_checks import OpenCaseExists, check_start

bp = Blueprint("instances", __name__, url_prefix="/api/v1/instances")

_INSTANCE = Reply("The instance.", ref("Instance"), headers={"ETag": "The instance revision."})
START = {
    "type": "object", "required": ["process_id", "business_key"], "additionalProperties": False,
    "properties": {
        "process_id": {"type": "string", "minLength": 1, "maxLength": 200},
        "business_key": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "The complaint reference."},
        "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                    "description": "A deployed version (default: the latest)."},
        "data": {"type": "object", "description": "Start data (intake details)."},
    },
}
_CANCEL = {"type": "object", "additionalProperties": False,
           "properties": {"reason": {"type": "string", "maxLength": 500}}}
_MIGRATE = {"type": "object", "required": ["to_version"], "additionalProperties": False,
            "properties": {"to_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}}
_FILTERS = (
    Param("status", "query", {"type": "string",
                              "enum": ["active", "suspended", "completed", "cancelled"]}),
    Param("process_id", "query", {"type": "string", "minLength": 1, "maxLength": 200}),
    Param("business_key", "query", {"type": "string", "minLength": 1, "maxLength": 100}),
    CURSOR, LIMIT,
)


class _OpenCase(ApiProblem):
    """409 naming the open case (``open_instance``, ``open_instance_url``)."""

    status, slug, title = 409, "conflict", "Conflict"


def _one(instance_id: int, status: int = 200, **headers: str) -> Response:
    view = describe(engine(), visible_record(engine().instance(instance_id)))
    return reply(instance_json(view, detail=True), status, ETag=etag(view.record.revision),
                 **headers)


@operation(bp, "GET", "", summary="List instances", permission=Permission.VIEW_INSTANCES,
           params=_FILTERS, replies={200: Reply("A page of instances.", ref("InstancePage"))})
def list_instances(query: dict[str, Any]) -> Response:
    """Instances oldest first, with tier, stage, owner role and deadline."""
    limit = query.get("limit", 50)
    found = engine().instances(
        status=query.get("status"), process_id=query.get("process_id"),
        business_key=query.get("business_key"), after_id=decode_cursor(query.get("cursor")),
        limit=limit + 1)
    more = len(found) > limit
    roles = user().roles  # other departments' cases are left out of the page
    items = [instance_json(v) for v in describe_many(engine(), found[:limit])
             if can_open_case(roles, v.record.process_id)]
    return page(items, found[limit - 1].id if more else None)


@operation(bp, "POST", "", summary="Start an instance", permission=Permission.START_INSTANCE,
           body=START, params=(IDEMPOTENCY_KEY,), errors=(409, 422),
           replies={201: Reply("Started.", ref("Instance"),
                               headers={"Location": "The instance URL.", "ETag": "Revision."})})
def start_instance(body: dict[str, Any], query: dict[str, Any]) -> Response:
    """Start the latest (or a given) version of a process for a complaint reference."""
    def run(key: Pending | None) -> Response:
        data = body.get("data") or {}
        try:
            check_start(engine(), body["process_id"], body["business_key"], data)
        except OpenCaseExists as exc:
            raise _OpenCase(str(exc), open_instance=exc.instance_id, open_instance_url=url_for(
                ".get_instance", instance_id=exc.instance_id)) from None
        record = engine().start(body["process_id"], business_key=body["business_key"],
                                data=data, user=user().username, version=body.get("version"),
                                in_transaction=key.record if key else None)
        return started(record.id)

    def started(instance_id: int) -> Response:
        return _one(instance_id, 201, Location=url_for(".get_instance", instance_id=instance_id))

    return idempotent("POST /instances", run, started)


@operation(bp, "GET", "/<id:instance_id>", summary="Get an instance",
           permission=Permission.VIEW_INSTANCES, replies={200: _INSTANCE})
def get_instance(instance_id: int) -> Response:
    """The instance with its case data, open tasks and waiting timers; ETag is its revision."""
    return _one(instance_id)


@operation(bp, "GET", "/<id:instance_id>/history", summary="Case history",
           permission=Permission.VIEW_INSTANCES,
           replies={200: Reply("Every step, oldest first.", ref("History"))})
def instance_history(instance_id: int) -> Response:
    """Who did what and when, from the append-only audit log."""
    record = open_case(engine().instance(instance_id))
    entries = visible_history(record, engine().audit(instance_id))
    return reply({"items": [history_json(a) for a in entries]})


def _change(instance_id: int, action: str, body: dict[str, Any] | None = None) -> Response:
    eng, who = engine(), user().username
    current = eng.instance(instance_id, with_data=False)
    expected = expected_revision(current.revision)
    if action == "suspend":
        eng.suspend(instance_id, user=who, expected_revision=expected)
    elif action == "resume":
        eng.resume(instance_id, user=who, expected_revision=expected)
    elif action == "cancel":
        eng.cancel(instance_id, user=who, reason=(body or {}).get("reason", ""),
                   expected_revision=expected)
    else:
        eng.migrate(instance_id, int((body or {})["to_version"]), user=who,
                    expected_revision=expected)
    return _one(instance_id)


_CHANGE: dict[str, Any] = {"permission": Permission.MANAGE_INSTANCES, "params": (IF_MATCH,),
           "errors": (409, 412), "replies": {200: _INSTANCE}}


@operation(bp, "POST", "/<id:instance_id>/suspend", summary="Suspend", **_CHANGE)
def suspend_instance(instance_id: int, query: dict[str, Any]) -> Response:
    """Stop timers and tasks from moving the case until it is resumed."""
    return _change(instance_id, "suspend")


@operation(bp, "POST", "/<id:instance_id>/resume", summary="Resume", **_CHANGE)
def resume_instance(instance_id: int, query: dict[str, Any]) -> Response:
    """Let a suspended case move again (timers that fell due fire now)."""
    return _change(instance_id, "resume")


@operation(bp, "POST", "/<id:instance_id>/cancel", summary="Cancel", body=_CANCEL,
           body_required=False, **_CHANGE)
def cancel_instance(instance_id: int, query: dict[str, Any], body: dict[str, Any]) -> Response:
    """End the case without completing it (the reason goes into the history)."""
    return _change(instance_id, "cancel", body)


@operation(bp, "POST", "/<id:instance_id>/migrate", summary="Migrate to another version",
           body=_MIGRATE, **_CHANGE)
def migrate_instance(instance_id: int, query: dict[str, Any], body: dict[str, Any]) -> Response:
    """Move a running case onto another deployed version of its process."""
    return _change(instance_id, "migrate", body)


@operation(bp, "GET", "/<id:instance_id>/migration-plan", summary="Preview a migration",
           permission=Permission.MANAGE_INSTANCES,
           params=(Param("to_version", "query", {"type": "integer", "minimum": 1,
                                                 "maximum": 2**31 - 1}, required=True),),
           replies={200: Reply("What the migration would change.", ref("MigrationPlan"))})
def migration_plan(instance_id: int, query: dict[str, Any]) -> Response:
    """Say which open elements would be lost or changed by moving to ``to_version``."""
    plan = engine().preview_migration(instance_id, query["to_version"])
    return reply({"to_version": query["to_version"], "possible": plan.possible,
                  "removed_active": plan.removed_active, "changed": plan.changed,
                  "added": plan.added})
