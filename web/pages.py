"""Browser pages: sign in, and the page each role starts at.

Minimal on purpose: the caseworker, operations and modeller screens will grow from these, on
the same services and the same access layer as the API. The task page (``pages.work``) and the
case page (``pages.cases``) are blueprints of their own, registered under this one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web.access import PUBLIC, csrf_token, current_user, requires, sign_in, sign_out
from web.context import engine, user, users
from web.pages_cases import bp as case_pages
from web.pages_tasks import bp as task_pages
from web.problems import Forbidden
from workflows.roles import ROLES, Permission, lane_roles, role, start_page

bp = Blueprint("pages", __name__)
bp.register_blueprint(task_pages)
bp.register_blueprint(case_pages)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.netloc and not parts.scheme else None


@bp.get("/")
@requires(PUBLIC)
def home() -> Response:
    """Send the caller to their start page, or to sign in."""
    found = current_user()
    return redirect(start_page(found.roles) if found else url_for(".login"))


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; sign in and go to the role's start page."""
    error = None
    if request.method == "POST":
        if request.form.get("csrf_token") != csrf_token():
            raise Forbidden("the form expired: reload the page and sign in again")
        found = users().authenticate(request.form.get("username", "").strip(),
                                     request.form.get("password", ""))
        if found is not None:
            sign_in(found)
            return redirect(_safe_next(request.args.get("next")) or start_page(found.roles))
        error = "That username and password do not match an active account."
    status = 401 if error else 200
    return render_template("login.html", error=error, csrf=csrf_token()), status


@bp.post("/logout")
@requires(Permission.AUTHENTICATED)
def logout() -> Response:
    """Sign out (the access layer has checked the form's CSRF token)."""
    sign_out()
    return redirect(url_for(".login"))


@bp.get("/inbox")
@requires(Permission.VIEW_TASKS)
def inbox() -> str:
    """Open tasks in the caller's lanes, claimed ones first."""
    caller = user()
    lanes = lane_roles(caller.roles)
    tasks = engine().tasks(roles=lanes if lanes else None, limit=500)
    tasks.sort(key=lambda t: (t.assignee != caller.username, t.due_at is None, t.due_at or 0,
                              t.created_at))
    return render_template("inbox.html", tasks=tasks, lanes=[role(r) for r in lanes])




@bp.route("/account", methods=["GET", "POST"])
@requires(Permission.AUTHENTICATED)
def account() -> str:
    """The caller's roles and API tokens; issue or revoke a token."""
    caller, issued = user(), None
    if request.method == "POST":
        revoke = request.form.get("revoke", "")
        if revoke.isdigit():
            users().revoke_token(int(revoke), by=caller)
        else:
            issued = users().issue_token(caller.id, request.form.get("name", "").strip()[:200])
    return render_template("account.html", tokens=users().tokens(caller.id), issued=issued,
                           roles=[r for r in ROLES if r.id in caller.roles])
