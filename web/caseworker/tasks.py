"""The task page: see a task with its case, claim or release it, fill in its form, complete it.

A task is completed by the person who holds it: the form shows once the caller has claimed it.
Answers can be saved as a draft (per task and person) and picked up later. The engine
validates what is submitted and checks the caller's roles against the task's lane.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import ConflictError, InvalidStateError, PermissionDeniedError, TaskRecord
from engine import ValidationError as FormInvalid
from web.access import requires
from web.caseworker.blueprint import bp
from web.caseworker.guard import check_case, check_task, may_release, may_work, prefillable
from web.caseworker.present import case_facts, payment_facts
from web.context import engine, user
from web.forms import SPARE_ROWS, Form, build_form, form_values, initial_data, parse_form
from workflows.notes import discard_draft, draft, save_draft
from workflows.roles import Permission
from workflows.services import describe
from workflows.uploads import files

Page = tuple[str, int]
_TAKEN = "Someone else completed this task, or the case moved on without it. Nothing was saved."
_MOVED = ("The case changed while you were working on it (a deadline passed, or a reply came "
          "in). Nothing was saved: check your answers and submit again.")
_STOPPED = ("The case is suspended or closed, so this task cannot be completed now. "
            "Nothing was saved.")
_CLAIM_FIRST = ("Claim this task before you complete it: only the person holding a task can "
                "complete it, so two people never work on it at once. Your answers are kept "
                "below.")
_HELD = "{who} holds this task now, so only they can complete it. Nothing was saved."


def _task(task_id: Any) -> TaskRecord:
    return check_task(engine().task(str(task_id)))


def _page(task: TaskRecord, form: Form | None, status: int = 200, message: str = "",
          saved_at: Any = None) -> Page:
    eng = engine()
    record = check_case(eng.instance(task.instance_id))
    return render_template("caseworker/task.html", task=task,
                           view=describe(eng, record, with_work=False), form=form,
                           message=message, facts=case_facts(record.data),
                           payment=payment_facts(record.data),
                           evidence=files(eng, record.id) if task.form and "spt" in task.form
                           else [], saved_at=saved_at), status


def _fresh_form(task: TaskRecord) -> tuple[Form | None, Any]:
    schema = engine().form_schema(task.id)
    if schema is None:
        return None, None
    kept = draft(engine(), task.id, user().username)
    if kept is not None:
        return build_form(schema, kept[0], spare_rows=SPARE_ROWS), kept[1]
    shown = check_case(engine().instance(task.instance_id)).data  # never prefill a hidden value
    data = initial_data(schema, prefillable(shown))
    return build_form(schema, form_values(schema, data), spare_rows=SPARE_ROWS), None


@bp.get("/tasks/<uuid:task_id>")
@requires(Permission.VIEW_TASKS)
def task(task_id: Any) -> Page:
    """Show the task, its case and (to the person holding it) its form."""
    found = _task(task_id)
    form, saved_at = _fresh_form(found) if found.status == "open" else (None, None)
    return _page(found, form, saved_at=saved_at)


@bp.post("/tasks/<uuid:task_id>/claim")
@requires(Permission.WORK_TASKS)
def claim(task_id: Any) -> Response | Page:
    """Take the task into your own queue."""
    found, caller = may_work(_task(task_id)), user()
    try:
        engine().claim(found.id, user=caller.username, roles=caller.roles)
    except (ConflictError, PermissionDeniedError):
        return _page(engine().task(found.id), None, 409,
                     "Someone else claimed or completed this task first.")
    flash(f"You claimed {found.name} for {found.business_key}.")
    return redirect(url_for(".task", task_id=found.id))


@bp.post("/tasks/<uuid:task_id>/release")
@requires(Permission.WORK_TASKS)
def release(task_id: Any) -> Response:
    """Put the task back in its queue."""
    found, caller = may_release(_task(task_id)), user()
    engine().release(found.id, user=caller.username, roles=caller.roles)
    flash(f"You released {found.name} for {found.business_key} back to its queue.")
    return redirect(url_for(".task", task_id=found.id))


def _posted() -> dict[str, list[str]]:
    posted = request.form.to_dict(flat=False)
    for key in ("csrf_token", "action"):
        posted.pop(key, None)
    return posted


@bp.post("/tasks/<uuid:task_id>/complete")
@requires(Permission.WORK_TASKS)
def complete(task_id: Any) -> Response | Page:
    """Submit the form (or save it as a draft); on a problem show it again, answers kept."""
    found, caller = may_work(_task(task_id)), user()
    schema = engine().form_schema(found.id) or {}
    posted = _posted()
    if request.form.get("action") == "draft":
        save_draft(engine(), found.id, found.instance_id, caller.username, posted)
        flash(f"Draft saved for {found.name} ({found.business_key}). It is kept until the task "
              "is completed.")
        return redirect(url_for(".task", task_id=found.id))
    if found.status != "open":
        return _page(found, None, 409, _TAKEN)
    if found.assignee != caller.username:
        message = _HELD.format(who=found.assignee) if found.assignee else _CLAIM_FIRST
        return _page(found, build_form(schema, posted), 409, message)
    submission = parse_form(schema, posted)
    if submission.problems:
        return _page(found, build_form(schema, posted, problems=submission.problems), 422)
    try:
        engine().complete(found.id, submission.data, user=caller.username, roles=caller.roles)
    except FormInvalid as exc:
        return _page(found, build_form(schema, posted, errors=exc.errors,
                                       rows=submission.rows), 422)
    except (ConflictError, InvalidStateError, PermissionDeniedError) as exc:
        now = engine().task(found.id)
        if now.status != "open":
            return _page(now, None, 409, _TAKEN)
        message = _STOPPED if isinstance(exc, InvalidStateError) else _MOVED
        return _page(now, build_form(schema, posted), 409, message)
    discard_draft(engine(), found.id)
    flash(f"Completed: {found.name} for {found.business_key}")
    return redirect(url_for(".inbox"))
