"""The inbox: my tasks and my queues, filtered and paged; a team leader reassigns tasks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from engine import ConflictError, NotFoundError, PermissionDeniedError
from web.access import requires
from web.caseworker.blueprint import bp
from web.caseworker.guard import check_task, may_release
from web.context import engine, user, users
from web.problems import Forbidden
from workflows.inbox import DUE_CHOICES, InboxFilters, lanes_led, queues_of
from workflows.inbox import inbox as read_inbox
from workflows.intake import DIVISIONS
from workflows.roles import Permission, role
from workflows.services import TIERS

_SESSION_KEY = "inbox_filters"


def _filters() -> InboxFilters:
    """The filters asked for now, else the ones kept from the last visit."""
    if request.args.get("clear"):
        session.pop(_SESSION_KEY, None)
        return InboxFilters()
    asked = {k: v for k, v in request.args.items() if k in
             ("view", "tier", "division", "due", "assignee", "lane", "page")}
    if asked:
        chosen = InboxFilters.from_mapping({**dict(session.get(_SESSION_KEY) or {}), **asked})
        session[_SESSION_KEY] = chosen.as_dict()
        return chosen
    return InboxFilters.from_mapping(dict(session.get(_SESSION_KEY) or {}))


@bp.get("/inbox")
@requires(Permission.VIEW_TASKS)
def inbox() -> str:
    """My tasks, or every task in my queues, sorted by deadline, with filters that stay put."""
    caller = user()
    lanes = queues_of(caller.roles)
    filters = _filters()
    page = read_inbox(engine(), user=caller.username, lanes=lanes, filters=filters)
    led = lanes_led(caller.roles)
    team = sorted({u.username for u in users().all()
                   if u.active and any(lane in u.roles for lane in lanes)}) if led else []
    return render_template("caseworker/inbox.html", page=page, f=page.filters,
                           lanes=[role(r) for r in lanes], led=[role(r) for r in led],
                           team=team, tiers=[t for t in TIERS if t not in ("closed",)],
                           divisions=DIVISIONS, due_choices=DUE_CHOICES)


@bp.post("/inbox/reassign")
@requires(Permission.WORK_TASKS)
def reassign() -> Response:
    """Give one or many tasks to a member of the team (team leaders of the task's queue)."""
    caller = user()
    if not lanes_led(caller.roles):
        flash("Only a team leader can reassign tasks.", "error")
        return redirect(url_for(".inbox"))
    target = users().by_username(request.form.get("assignee", "").strip())
    chosen = request.form.getlist("task")[:200]
    if target is None or not target.active or not chosen:
        flash("Select one or more tasks and the person to give them to.", "error")
        return redirect(url_for(".inbox"))
    moved, refused = 0, []
    for task_id in chosen:
        try:
            task = check_task(engine().task(task_id))
            if task.lane and task.lane not in target.roles:
                refused.append(f"{task.name} ({task.business_key}): {target.display_name} "
                               f"does not work the {role(task.lane).name} queue")
                continue
            if task.assignee != target.username:
                if task.assignee:
                    may_release(task)
                    engine().release(task.id, user=caller.username, roles=caller.roles)
                engine().claim(task.id, user=target.username, roles=target.roles)
            moved += 1
        except (NotFoundError, ConflictError, PermissionDeniedError, Forbidden):
            refused.append(f"task {task_id[:8]} was completed or moved on")
    if moved:
        flash(f"{moved} task{'s' if moved != 1 else ''} given to {target.display_name}.")
    for problem in refused:
        flash(f"Not reassigned: {problem}.", "error")
    return redirect(url_for(".inbox"))
