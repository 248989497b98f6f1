"""The one access layer every request goes through.

A ``before_request`` hook resolves the caller (``Authorization: Bearer`` token, else the
browser session), then checks the permission the endpoint declared (``operation(...)`` for the
API, :func:`requires` for pages) against ``workflows.roles.PERMISSIONS``. An endpoint that
declared nothing is refused when the app is built, so no route can slip past.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Final, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from engine.db import retry_stale
from web.problems import Forbidden, Unauthorized
from workflows.roles import Permission, allowed
from workflows.users import User, Users

__all__ = [
    "PUBLIC",
    "Requirement",
    "csrf_token",
    "current_user",
    "install_access",
    "requires",
    "session_id",
    "sign_in",
    "sign_out",
]

PUBLIC: Final = "public"
Requirement = Permission | str  # a Permission, or PUBLIC
F = TypeVar("F", bound=Callable[..., Any])
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(permission: Requirement) -> Callable[[F], F]:
    """Declare what a page view needs (API views declare it through ``operation``)."""
    def mark(view: F) -> F:
        view.permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def sign_in(user: User) -> None:
    """Start a server-side session (a fresh id: no session fixation) and a fresh CSRF token."""
    session.clear()
    session["sid"] = _users().sessions.start(user.id)
    session["csrf"] = secrets.token_urlsafe(24)


def sign_out() -> None:
    """End the session server-side too: a copy of the cookie no longer signs anyone in."""
    sid = session.get("sid")
    if isinstance(sid, str):
        _users().sessions.end(sid)
    session.clear()


def session_id() -> str | None:
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def _users() -> Users:
    users: Users = current_app.extensions["redress"].users
    return users


def _resolve() -> tuple[User | None, str]:
    """The caller and how they proved it: "token", "session" or "" (anonymous)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("use Authorization: Bearer <token>")
        user = _users().by_token(secret.strip())
        if user is None:
            raise Unauthorized("the API token is unknown, revoked, or its user is disabled")
        return user, "token"
    sid = session.get("sid")
    if isinstance(sid, str):
        user_id = _users().sessions.user_id(sid)
        found = _users().by_id(user_id) if user_id is not None else None
        if found is not None and found.active:
            return found, "session"
        session.clear()
        g.session_ended = True  # idle, too old, signed out elsewhere or password changed
    return None, ""


def _csrf_ok() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def _authorise() -> Response | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or request.endpoint == "static":  # 404/405 handlers answer; CSS is public
        return None
    permission: Requirement = getattr(view, "permission")  # noqa: B009 - checked at build time
    is_api = request.path.startswith("/api/")
    user, how = retry_stale(_resolve)  # when the token is read: a dead connection shows
    g.user = user
    if how == "session" and request.method not in _SAFE and not _csrf_ok():
        raise Forbidden("a browser session needs the X-CSRF-Token header (or form field)")
    if permission == PUBLIC:
        return None
    if user is None:
        if is_api:
            raise Unauthorized("sign in or send Authorization: Bearer <token>")
        target = url_for("pages.login", next=request.full_path.rstrip("?"))
        return redirect(target + ("&ended=1" if g.get("session_ended") else ""))
    if not allowed(user.roles, Permission(permission)):
        raise Forbidden(f"this needs the {permission} permission, which your roles "
                        f"({', '.join(user.roles)}) do not grant")
    return None


def _bind() -> None:
    """One database connection for the whole request: sign-in check, step and answer.

    Checked out at its first use and returned when the request ends (decision 0019). A
    connection that died in the pool is found by the sign-in check and replaced (see
    :func:`_resolve`).
    """
    if request.endpoint == "static":
        return
    stack = ExitStack()
    stack.enter_context(current_app.extensions["redress"].engine.conns.bound())
    g.redress_connection = stack


def _unbind(_error: BaseException | None) -> None:
    stack: ExitStack | None = g.pop("redress_connection", None)
    if stack is not None:
        stack.close()


def install_access(app: Flask) -> None:
    """Refuse to build an app with an undeclared endpoint, then check every request."""
    undeclared = [name for name, view in app.view_functions.items()
                  if name != "static" and not hasattr(view, "permission")]
    if undeclared:
        raise RuntimeError(f"endpoints without a declared permission: {', '.join(undeclared)}")
    setattr(app.view_functions["static"], "permission", PUBLIC)  # noqa: B010
    app.before_request(_bind)
    app.before_request(_authorise)
    app.teardown_request(_unbind)
