"""Complaint-handling figures for operations, team leaders and reporting systems."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask import Blueprint, Response

from web.api.http import reply
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import _jsonable, figures_json
from web.context import engine
from web.problems import BadRequest
from workflows.complaint_figures import DEPARTMENTS
from workflows.complaint_figures import compute as tier_figures
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
    start, end = _period(query)
    return reply(figures_json(compute(engine(), start=start, end=end)))


def _period(query: dict[str, Any]) -> tuple[date | None, date | None]:
    try:
        start = date.fromisoformat(query["from"]) if "from" in query else None
        end = date.fromisoformat(query["to"]) if "to" in query else None
    except ValueError as exc:
        raise BadRequest("from and to are dates like 2026-04-01", [str(exc)]) from None
    if start and end and end < start:
        raise BadRequest("the period ends before it starts", ["to: before from"])
    return start, end


@operation(bp, "GET", "/complaints", summary="Complaint figures per department, per tier",
           permission=Permission.VIEW_FIGURES,
           params=(Param("department", "query", {"type": "string", "enum": list(DEPARTMENTS)},
                         "The department package (default CMS)."),
                   Param("from", "query", _DATE, "First day (received / closed), inclusive."),
                   Param("to", "query", _DATE, "Last day, inclusive.")),
           replies={200: Reply("Each tier counted when it closes; cancelled cases left out.",
                               ref("ComplaintFigures"))})
def complaint_figures(query: dict[str, Any]) -> Response:
    """Volumes per tier per week, working days to resolve (median, 90th percentile), share
    within target, overdue by team and owner, outcomes at each tier's close, special payments
    by type, systemic log trend: one department's package."""
    start, end = _period(query)
    found = tier_figures(engine(), str(query.get("department", "CMS")), start=start, end=end)
    return reply(_jsonable(asdict(found)))
