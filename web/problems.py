"""Errors as RFC 9457 problem details (``application/problem+json``), for every API path.

Engine errors map to one status each; web-level problems (bad JSON, missing token, a stale
If-Match) are raised as :class:`ApiProblem` subclasses. Each problem ``type`` points at its
explanation on the docs page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from engine import (
    ConflictError,
    DeploymentError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RedressError,
    SandboxError,
    TaskNotOpenError,
    ValidationError,
)

__all__ = [
    "PROBLEM_TYPES",
    "ApiProblem",
    "BadRequest",
    "Forbidden",
    "PreconditionFailed",
    "Unauthorized",
    "UnsupportedMediaType",
    "problem",
    "register_problem_handlers",
]

log = logging.getLogger(__name__)
MEDIA = "application/problem+json"


class ApiProblem(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, errors: Sequence[str] = (), **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.extra = extra


class BadRequest(ApiProblem):
    pass


class UnsupportedMediaType(ApiProblem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class Unauthorized(ApiProblem):
    status, slug, title = 401, "unauthorized", "Authentication needed"


class Forbidden(ApiProblem):
    status, slug, title = 403, "forbidden", "Not allowed"


class PreconditionFailed(ApiProblem):
    status, slug, title = 412, "precondition-failed", "The resource has changed"


# Most specific first: the first matching class decides.
_ENGINE: tuple[tuple[type[RedressError], int, str, str], ...] = (
    (NotFoundError, 404, "not-found", "Not found"),
    (TaskNotOpenError, 409, "task-not-open", "The task is no longer open"),
    (ConflictError, 409, "conflict", "Conflict"),
    (PermissionDeniedError, 403, "forbidden", "Not allowed"),
    (InvalidStateError, 409, "invalid-state", "Not possible in the current state"),
    (ValidationError, 422, "validation-failed", "The data is not valid"),
    (DeploymentError, 422, "deployment-refused", "The deployment was refused"),
    (SandboxError, 422, "script-refused", "A script or expression was refused"),
    (RedressError, 500, "engine-error", "The engine could not complete the request"),
)

PROBLEM_TYPES: dict[str, str] = {
    "bad-request": "The request is malformed: bad JSON, a parameter or body that fails the "
                   "schema, or an unreadable cursor. `errors` lists each problem.",
    "unauthorized": "Send `Authorization: Bearer <token>` or sign in.",
    "forbidden": "Your roles do not allow this, or the task belongs to another lane or person.",
    "not-found": "No such resource.",
    "conflict": "Someone else changed it first, or the request repeats one still running.",
    "task-not-open": "The task was completed, cancelled or claimed by someone else.",
    "invalid-state": "The instance is suspended, cancelled or completed; or the clock is real.",
    "precondition-failed": "`If-Match` names an older revision: reload, then try again.",
    "unsupported-media-type": "Send JSON bodies as `application/json`.",
    "validation-failed": "The form data breaks its JSON Schema; `errors` lists each problem.",
    "deployment-refused": "A file was malformed, hostile or refers to something missing.",
    "script-refused": "A script or expression broke the sandbox rules.",
    "engine-error": "An unexpected engine failure; operations can see it in the logs.",
    "internal-error": "An unexpected failure; operations can see it in the logs.",
}


def problem(status: int, title: str, detail: str | None = None, *, slug: str = "",
            errors: Sequence[str] = (), headers: Mapping[str, str] | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": f"/api/docs#problem-{slug}" if slug else "about:blank",
        "title": title, "status": status, "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = list(errors)
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=MEDIA)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _api_problem(exc: ApiProblem) -> Any:
    if not _wants_problem():
        return render_template("error.html", status=exc.status, title=exc.title,
                               detail=exc.detail), exc.status
    headers = {"WWW-Authenticate": 'Bearer realm="redress"'} if exc.status == 401 else None
    return problem(exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors,
                   headers=headers, **exc.extra)


def _classify(exc: RedressError) -> tuple[int, str, str]:
    for cls, status, slug, title in _ENGINE:
        if isinstance(exc, cls):
            return status, slug, title
    return 500, "engine-error", "The engine could not complete the request"  # pragma: no cover


def _engine_problem(exc: RedressError) -> Response | tuple[str, int]:
    status, slug, title = _classify(exc)
    if status >= 500:
        log.exception("engine error on %s %s", request.method, request.path, exc_info=exc)
    if not _wants_problem():
        return render_template("error.html", status=status, title=title, detail=str(exc)), status
    return problem(status, title, str(exc), slug=slug, errors=getattr(exc, "errors", ()))


def _http_problem(exc: HTTPException) -> Any:
    if not _wants_problem():
        if exc.code is None or exc.code < 400 or exc.response is not None:
            return exc
        return render_template("error.html", status=exc.code, title=exc.name,
                               detail=exc.description), exc.code
    return problem(exc.code or 500, exc.name, exc.description)


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_problem(exc)
    log.exception("unexpected error on %s %s", request.method, request.path, exc_info=exc)
    if not _wants_problem():
        return render_template("error.html", status=500, title="Something went wrong",
                               detail="The error was logged."), 500
    return problem(500, "Internal error", "The error was logged.", slug="internal-error")


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(ApiProblem, _api_problem)
    app.register_error_handler(RedressError, _engine_problem)
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(Exception, _unexpected)
