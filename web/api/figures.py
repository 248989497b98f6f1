"""Complaint-handling figures for operations, team leaders and reporting systems."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response

from web.api.http import reply
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import figures_json
from web.context import engine
from web.problems import BadRequest
from workflows.figures import compute
from workflows.roles import Permission

bp = Blueprint("figures", __name__, url_prefix="/api/v1/figures")

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


@operation(bp, "GET", "", summary="Complaint figures", permission=Permission.VIEW_FIGURES,
           params=(Param("from", "query", _DATE, "First day (received / closed), inclusive."),
                   Param("to", "query", _DATE, "Last day, inclusive.")),
           replies={200: Reply("Volumes, timeliness, outcomes, payments, systemic trend.",
                               ref("Figures"))})
def figures(query: dict[str, Any]) -> Response:
    """Volumes per tier, working days to resolve, share within target, overdue cases, upheld
    rate, special payment totals and the systemic-issue trend."""
    try:
        start = date.fromisoformat(query["from"]) if "from" in query else None
        end = date.fromisoformat(query["to"]) if "to" in query else None
    except ValueError as exc:
        raise BadRequest("from and to are dates like 2026-04-01", [str(exc)]) from None
    if start and end and end < start:
        raise BadRequest("the period ends before it starts", ["to: before from"])
    return reply(figures_json(compute(engine(), start=start, end=end)))
