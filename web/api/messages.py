"""Messages from other systems (ICE outcome, PHSO summary, HMCTS contact, client reply)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from web.api.http import IDEMPOTENCY_KEY, idempotent, reply
from web.api.openapi import Reply, operation, ref
from web.context import engine, user
from workflows.idempotency import Pending
from workflows.roles import Permission

bp = Blueprint("messages", __name__, url_prefix="/api/v1/messages")

_MESSAGE = {
    "type": "object", "required": ["name", "business_key"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200,
                 "description": "The message name the diagram waits for, e.g. ice_outcome."},
        "business_key": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "The complaint reference."},
        "payload": {"type": "object", "description": "Data the waiting step receives."},
    },
}


@operation(bp, "POST", "", summary="Correlate a message by business key",
           permission=Permission.CORRELATE_MESSAGES, body=_MESSAGE, params=(IDEMPOTENCY_KEY,),
           errors=(409,),
           replies={202: Reply("Delivered to the waiting case, or kept until one waits.",
                               ref("Correlation"))})
def correlate(body: dict[str, Any], query: dict[str, Any]) -> Response:
    """Deliver a message to the case waiting for it under this reference, or keep it."""
    def run(pending: Pending | None) -> Response:
        key = query.get("Idempotency-Key")
        result = engine().correlate(
            body["name"], body["business_key"], body.get("payload") or {},
            idempotency_key=f"{user().id}:{key}" if key else None,
            in_transaction=pending.record if pending else None)
        return reply({"status": result.status, "message_id": result.message_id,
                      "instance_id": result.instance_id}, 202)

    return idempotent("POST /messages", run)
