"""Browser pages: sign in, and the page each role starts at.

The caseworker screens (inbox, tasks, cases, new complaint) are the ``caseworker`` blueprint
in ``web/caseworker/``; the operations and modeller screens grow from these pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import ValidationError
from web.access import PUBLIC, csrf_token, current_user, requires, session_id, sign_in, sign_out
from web.context import engine, user, users
from web.problems import Forbidden
from workflows.roles import ROLES, Permission, start_page
from workflows.throttle import SignInThrottle

bp = Blueprint("pages", __name__)


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
    """Show the sign-in form; sign in and go to the role's start page (throttled)."""
    error, status = None, 200
    if request.method == "POST":
        if request.form.get("csrf_token") != csrf_token():
            raise Forbidden("the form expired: reload the page and sign in again")
        name = request.form.get("username", "").strip()[:100]
        address = request.remote_addr or "unknown"
        throttle = SignInThrottle(engine())
        wait = throttle.wait(name, address)
        if wait:
            error, status = (f"Too many failed attempts to sign in. Wait {wait} minute"
                             f"{'s' if wait != 1 else ''} and try again, or ask an "
                             "administrator to check your account."), 429
        else:
            found = users().authenticate(name, request.form.get("password", ""))
            if found is not None:
                throttle.succeeded(name)
                sign_in(found)
                return redirect(_safe_next(request.args.get("next")) or start_page(found.roles))
            throttle.failed(name, address)
            error, status = "That username and password do not match an active account.", 401
    ended = request.method == "GET" and request.args.get("ended") == "1"
    return render_template("login.html", error=error, csrf=csrf_token(), ended=ended), status


@bp.post("/logout")
@requires(Permission.AUTHENTICATED)
def logout() -> Response:
    """Sign out (the access layer has checked the form's CSRF token)."""
    sign_out()
    return redirect(url_for(".login"))




@bp.route("/account", methods=["GET", "POST"])
@requires(Permission.AUTHENTICATED)
def account() -> str | tuple[str, int]:
    """The caller's roles and API tokens; issue or revoke a token; change the password."""
    caller, issued, problems, changed = user(), None, [], False
    if request.method == "POST":
        revoke = request.form.get("revoke", "")
        if revoke.isdigit():
            users().revoke_token(int(revoke), by=caller)
        elif "new_password" in request.form:
            try:
                users().change_password(caller.id, request.form.get("current_password", ""),
                                        request.form.get("new_password", ""),
                                        keep_session=session_id())
                changed = True
            except ValidationError as exc:
                problems = exc.errors
        else:
            issued = users().issue_token(caller.id, request.form.get("name", "").strip()[:200])
    page = render_template("account.html", tokens=users().tokens(caller.id), issued=issued,
                           roles=[r for r in ROLES if r.id in caller.roles],
                           can_change_password=caller.has_password, password_problems=problems,
                           password_changed=changed)
    return (page, 422) if problems else page
