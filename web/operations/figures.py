"""Complaint figures per department, as charts and tables, and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, render_template, request

from web.access import requires
from web.context import engine
from web.operations import bp
from web.problems import BadRequest
from workflows.complaint_figures import DEPARTMENTS, ComplaintFigures, compute, csv_rows
from workflows.roles import Permission


def _figures() -> ComplaintFigures:
    department = request.args.get("department", "CMS")
    if department not in DEPARTMENTS:
        raise BadRequest(f"department must be one of {', '.join(DEPARTMENTS)}",
                         [f"department: {department[:20]!r}"])
    try:
        start = date.fromisoformat(request.args["from"]) if request.args.get("from") else None
        end = date.fromisoformat(request.args["to"]) if request.args.get("to") else None
    except ValueError as exc:
        raise BadRequest("from and to are dates like 2026-04-01", [str(exc)]) from None
    if start and end and end < start:
        raise BadRequest("the period ends before it starts", ["to: before from"])
    return compute(engine(), department, start=start, end=end)


@bp.get("/operations/figures")
@requires(Permission.VIEW_FIGURES)
def figures() -> str:
    """Show one department's complaint figures with charts."""
    f = _figures()
    weeks = sorted({w for _, w, _ in f.volumes})[-13:]
    by_week = {(t, w): n for t, w, n in f.volumes}
    return render_template("operations/figures.html", f=f, departments=list(DEPARTMENTS),
                           weeks=weeks, by_week=by_week,
                           outcome_names=("upheld", "part_upheld", "not_upheld", "justified"),
                           args=request.args)


@bp.get("/operations/figures.csv")
@requires(Permission.VIEW_FIGURES)
def figures_csv() -> Response:
    """Download one department's figures as CSV."""
    f = _figures()
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(f))
    name = f"complaint-figures-{f.department.lower()}-{f.as_of.date().isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
