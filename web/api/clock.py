"""Test mode only: read and move the simulated clock so a journey runs in minutes.

This blueprint is registered only when the app is built in test mode (never in production);
otherwise the routes do not exist and are not in the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response

from engine import ValidationError
from web.api.http import reply
from web.api.openapi import Reply, operation, ref
from web.context import engine
from workflows.roles import Permission
from workflows.testclock import MAX_STEP, move_clock, parse_duration, simulated

bp = Blueprint("clock", __name__, url_prefix="/api/v1/clock")

_MOVE = {
    "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
    "properties": {
        "set": {"type": "string", "format": "date-time", "maxLength": 64,
                "description": "Move to this moment (with a UTC offset)."},
        "advance": {"oneOf": [
            {"type": "string", "maxLength": 64, "description": "ISO 8601 duration, e.g. P3D."},
            {"type": "number", "minimum": 0, "maximum": MAX_STEP.total_seconds(),
             "description": "Seconds."}]},
    },
}


@operation(bp, "GET", "", summary="Read the simulated clock", permission=Permission.SET_CLOCK,
           replies={200: Reply("The engine's time.", ref("Clock"))})
def read_clock() -> Response:
    """The time the engine believes it is."""
    return reply({"now": simulated(engine()).now().isoformat(), "simulated": True})


@operation(bp, "POST", "", summary="Set or advance the simulated clock",
           permission=Permission.SET_CLOCK, body=_MOVE, errors=(409,),
           replies={200: Reply("Moved; due timers fired.", ref("ClockMove"))})
def move(body: dict[str, Any]) -> Response:
    """Move the clock forward, then fire every timer that fell due and run resulting jobs."""
    set_to: datetime | None = None
    advance: timedelta | None = None
    if "set" in body:
        try:
            set_to = datetime.fromisoformat(body["set"])
        except ValueError:
            raise ValidationError("not a date-time", ["set: like 2026-04-21T09:00:00Z"]) from None
    elif isinstance(body["advance"], str):
        advance = parse_duration(body["advance"])
    else:
        advance = timedelta(seconds=body["advance"])
    moved = move_clock(engine(), set_to=set_to, advance=advance)
    return reply({"now": moved.now.isoformat(), "timers_fired": moved.timers_fired,
                  "jobs_run": moved.jobs_run})
