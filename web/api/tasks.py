"""User tasks: the caller's queues, one task with its form, claim, release and complete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from web.api.http import (
    CURSOR,
    IF_MATCH,
    LIMIT,
    decode_cursor,
    etag,
    expected_revision,
    page,
    reply,
)
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import instance_json, task_json
from web.case_access import readable_task, releasable_task, visible_record, workable_task
from web.context import engine, user
from web.problems import Forbidden
from workflows.roles import LANE_ROLES, Permission, allowed, lane_roles
from workflows.services import describe

bp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks")

_TASK = Reply("The task.", ref("Task"))
_COMPLETE = {"type": "object", "additionalProperties": False,
             "properties": {"data": {"type": "object",
                                     "description": "Form data; checked against form_schema."}}}
_FILTERS = (
    Param("lane", "query", {"type": "string", "enum": sorted(LANE_ROLES)},
          "One of your lanes (operations and admin: any lane)."),
    Param("assignee", "query", {"type": "string", "minLength": 1, "maxLength": 100},
          "`me` for your own claimed tasks."),
    Param("instance_id", "query", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}),
    Param("business_key", "query", {"type": "string", "minLength": 1, "maxLength": 100}),
    CURSOR, LIMIT,
)


def _lanes(wanted: str | None) -> list[str] | None:
    """Which queues the caller may list: their own lanes; all for operations and admin."""
    caller = user()
    sees_all = allowed(caller.roles, Permission.MANAGE_INSTANCES)
    mine = lane_roles(caller.roles)
    if wanted is not None:
        if not sees_all and wanted not in mine:
            raise Forbidden(f"the {wanted} queue is not one of your lanes")
        return [wanted]
    return None if sees_all else mine


@operation(bp, "GET", "", summary="List open tasks", permission=Permission.VIEW_TASKS,
           params=_FILTERS, replies={200: Reply("A page of open tasks.", ref("TaskPage"))})
def list_tasks(query: dict[str, Any]) -> Response:
    """Open tasks in your lanes, oldest first; filter by lane, assignee, instance or key."""
    assignee = query.get("assignee")
    limit = query.get("limit", 50)
    found = engine().tasks(roles=_lanes(query.get("lane")),
                           assignee=user().username if assignee == "me" else assignee,
                           instance_id=query.get("instance_id"),
                           business_key=query.get("business_key"),
                           after=decode_cursor(query.get("cursor"), str), limit=limit + 1)
    return page([task_json(t) for t in found[:limit]],
                found[limit - 1].id if len(found) > limit else None)


@operation(bp, "GET", "/<uuid:task_id>", summary="Get a task with its form",
           permission=Permission.VIEW_TASKS,
           replies={200: Reply("The task; ETag is its instance's revision.", ref("TaskDetail"),
                               headers={"ETag": "The instance revision."})})
def get_task(task_id: Any) -> Response:
    """The task and the JSON Schema its completion data must satisfy."""
    task = readable_task(engine().task(str(task_id)))
    revision = engine().instance(task.instance_id, with_data=False).revision
    body = {**task_json(task), "form_schema": engine().form_schema(task.id),
            "instance_revision": revision}
    return reply(body, ETag=etag(revision))


@operation(bp, "POST", "/<uuid:task_id>/claim", summary="Claim a task",
           permission=Permission.WORK_TASKS, errors=(409,), replies={200: _TASK})
def claim_task(task_id: Any) -> Response:
    """Take the task into your own queue (your roles must include its lane)."""
    caller = user()
    workable_task(engine().task(str(task_id)))
    return reply(task_json(engine().claim(str(task_id), user=caller.username,
                                          roles=caller.roles)))


@operation(bp, "POST", "/<uuid:task_id>/release", summary="Release a task",
           permission=Permission.WORK_TASKS, errors=(409,), replies={200: _TASK})
def release_task(task_id: Any) -> Response:
    """Put a claimed task back in its lane's queue (team leaders: in the queues they lead)."""
    caller = user()
    releasable_task(engine().task(str(task_id)))
    return reply(task_json(engine().release(str(task_id), user=caller.username,
                                            roles=caller.roles)))


@operation(bp, "POST", "/<uuid:task_id>/complete", summary="Complete a task",
           permission=Permission.WORK_TASKS, body=_COMPLETE, params=(IF_MATCH,),
           errors=(409, 412),
           replies={200: Reply("The instance after the step.", ref("Instance"),
                               headers={"ETag": "The new instance revision."})})
def complete_task(task_id: Any, body: dict[str, Any], query: dict[str, Any]) -> Response:
    """Submit the form; 422 lists what fails its JSON Schema. If-Match guards the revision."""
    eng, caller = engine(), user()
    expected = None
    if request.headers.get("If-Match") is not None:  # only then is the revision worth a read
        task = workable_task(eng.task(str(task_id)))
        expected = expected_revision(eng.instance(task.instance_id, with_data=False).revision)
    # The lane rule runs on the task as the step reads it: no read of its own first.
    record = eng.complete(str(task_id), body.get("data") or {}, user=caller.username,
                          roles=caller.roles, expected_revision=expected, with_data=True,
                          check=workable_task)
    view = describe(eng, visible_record(record))
    return reply(instance_json(view, detail=True), ETag=etag(view.record.revision))
