"""Incidents: failed handlers, scripts and deliveries that operations must look at and retry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from web.api.http import CURSOR, LIMIT, decode_cursor, page, reply
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import incident_json
from web.context import engine, user
from workflows.roles import Permission

bp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents")


@operation(bp, "GET", "", summary="List incidents", permission=Permission.VIEW_INCIDENTS,
           params=(Param("open", "query", {"type": "boolean"}, "Only unresolved (default true)."),
                   Param("instance_id", "query",
                         {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}),
                   CURSOR, LIMIT),
           replies={200: Reply("A page of incidents, oldest first.", ref("IncidentPage"))})
def list_incidents(query: dict[str, Any]) -> Response:
    """What failed and is waiting for someone: the handler, script or delivery and why."""
    found = engine().incidents(open_only=query.get("open", True),
                               instance_id=query.get("instance_id"))
    after = decode_cursor(query.get("cursor"))
    if after is not None:
        found = [i for i in found if i.id > after]
    limit = query.get("limit", 50)
    return page([incident_json(i) for i in found[:limit]],
                found[limit - 1].id if len(found) > limit else None)


@operation(bp, "POST", "/<id:incident_id>/retry", summary="Retry an incident",
           permission=Permission.RETRY_INCIDENTS, errors=(409,),
           replies={200: Reply("Resolved and retried.", ref("Incident"))})
def retry_incident(incident_id: int) -> Response:
    """Run what failed again, after the cause was fixed; the incident is marked resolved.

    A ``step_limit`` or ``message`` incident has nothing to run again (the case stays
    suspended until resumed; a refused message's case waits for a corrected one): retrying it
    only records that it was dealt with.
    """
    eng = engine()
    eng.retry_incident(incident_id, user=user().username)
    return reply(incident_json(eng.incident(incident_id)))
