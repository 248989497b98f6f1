"""The task page: see a task with its case, claim or release it, fill in its form, complete it.

The form is drawn from the task's JSON Schema (``web.forms``); the engine validates what is
submitted and checks the caller's roles against the task's lane.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import (
    ConflictError,
    InvalidStateError,
    TaskRecord,
    ValidationError,
)
from web.access import requires
from web.case_access import readable_task, releasable_task, visible_data, workable_task
from web.context import engine, user
from web.forms import SPARE_ROWS, form_values, initial_data, parse_form
from web.pages_form import Form, build_form
from workflows.case_access import REDACTED
from workflows.roles import Permission
from workflows.services import describe

bp = Blueprint("work", __name__)

Page = tuple[str, int]
_TAKEN = "Someone else completed this task, or the case moved on without it. Nothing was saved."
_MOVED = ("The case changed while you were working on it (a deadline passed, or a reply came in). "
          "Nothing was saved: check your answers and submit again.")
_STOPPED = ("The case is suspended or closed, so this task cannot be completed now. "
            "Nothing was saved.")


def _task(task_id: Any) -> TaskRecord:
    """The task, if it is in one of the caller's queues (403 otherwise)."""
    return readable_task(engine().task(str(task_id)))


def _page(task: TaskRecord, form: Form | None, status: int = 200, message: str = "") -> Page:
    record = engine().instance(task.instance_id, with_data=False)
    return render_template("task.html", task=task, view=describe(engine(), record,
                                                                 with_work=False),
                           form=form, message=message), status


def _fresh_form(task: TaskRecord) -> Form | None:
    schema = engine().form_schema(task.id)
    if schema is None:
        return None
    shown = visible_data(engine().instance(task.instance_id))  # never prefill a hidden value
    data = initial_data(schema, {k: v for k, v in shown.items() if v != REDACTED})
    return build_form(schema, form_values(schema, data), spare_rows=SPARE_ROWS)


@bp.get("/tasks/<uuid:task_id>")
@requires(Permission.VIEW_TASKS)
def task(task_id: Any) -> Page:
    """Show the task, its case and its form."""
    found = _task(task_id)
    return _page(found, _fresh_form(found) if found.status == "open" else None)


@bp.post("/tasks/<uuid:task_id>/claim")
@requires(Permission.WORK_TASKS)
def claim(task_id: Any) -> Response | Page:
    """Take the task into your own queue."""
    found, caller = workable_task(_task(task_id)), user()
    try:
        engine().claim(found.id, user=caller.username, roles=caller.roles)
    except ConflictError:
        return _page(engine().task(found.id), None, 409,
                     "Someone else claimed or completed this task first.")
    flash(f"You claimed {found.name} for {found.business_key}.")
    return redirect(url_for(".task", task_id=found.id))


@bp.post("/tasks/<uuid:task_id>/release")
@requires(Permission.WORK_TASKS)
def release(task_id: Any) -> Response:
    """Put the task back in its queue."""
    found, caller = releasable_task(_task(task_id)), user()
    engine().release(found.id, user=caller.username, roles=caller.roles)
    flash(f"You released {found.name} for {found.business_key} back to its queue.")
    return redirect(url_for(".task", task_id=found.id))


@bp.post("/tasks/<uuid:task_id>/complete")
@requires(Permission.WORK_TASKS)
def complete(task_id: Any) -> Response | Page:
    """Submit the form; on a problem show the form again with the answers kept."""
    found, caller = workable_task(_task(task_id)), user()
    schema = engine().form_schema(found.id) or {}
    posted = request.form.to_dict(flat=False)
    posted.pop("csrf_token", None)
    submission = parse_form(schema, posted)
    if submission.problems:
        return _page(found, build_form(schema, posted, problems=submission.problems), 422)
    try:
        engine().complete(found.id, submission.data, user=caller.username, roles=caller.roles)
    except ValidationError as exc:
        return _page(found, build_form(schema, posted, errors=exc.errors,
                                       rows=submission.rows), 422)
    except (ConflictError, InvalidStateError) as exc:
        now = engine().task(found.id)
        if now.status != "open":
            return _page(now, None, 409, _TAKEN)
        message = _STOPPED if isinstance(exc, InvalidStateError) else _MOVED
        return _page(now, build_form(schema, posted), 409, message)
    flash(f"Completed: {found.name} for {found.business_key}")
    return redirect(url_for("pages.inbox"))
