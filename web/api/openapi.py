"""Each API operation declared once, next to its view; the OpenAPI 3.1 document is built from it.

``operation(...)`` registers the Flask route, records the permission the access layer checks,
validates the query, header and JSON body against the declared schemas before the view runs,
and keeps everything the document needs. Nothing about a route is written twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

import jsonschema
from flask import Blueprint, Flask, request
from werkzeug.routing import IntegerConverter

from web.access import PUBLIC, Requirement
from web.problems import BadRequest, UnsupportedMediaType
from workflows.roles import PERMISSIONS, Permission

__all__ = [
    "OPERATIONS",
    "IdConverter",
    "Operation",
    "Param",
    "Reply",
    "build_document",
    "operation",
    "ref",
]

API_PREFIX = "/api/v1"
MAX_ID = 2**63 - 1
F = TypeVar("F", bound=Callable[..., Any])


class IdConverter(IntegerConverter):
    """Positive database ids only; anything else is simply not a route (404)."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


_PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "uuid": {"type": "string", "format": "uuid"},
    "default": {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "^[^/]+$"},
}
_RULE_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query" | "header"
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Reply:
    description: str
    schema: dict[str, Any] | None = None
    media: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)  # name -> description (always sent)


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    path: str  # OpenAPI path under API_PREFIX
    path_params: tuple[tuple[str, str], ...]  # (name, converter)
    summary: str
    description: str
    permission: Requirement
    tag: str
    replies: Mapping[int, Reply]
    errors: tuple[int, ...]
    params: tuple[Param, ...]
    body: dict[str, Any] | None
    body_media: str
    body_required: bool


OPERATIONS: dict[str, Operation] = {}


def operation(bp: Blueprint, method: str, rule: str, *, summary: str, permission: Requirement,
              replies: Mapping[int, Reply], errors: tuple[int, ...] = (),
              params: tuple[Param, ...] = (), body: dict[str, Any] | None = None,
              body_media: str = "application/json", body_required: bool = True,
              description: str = "") -> Callable[[F], F]:
    """Declare and register one API operation on ``bp`` (whose url_prefix is under /api/v1)."""
    def decorate(view: F) -> F:
        prefix = (bp.url_prefix or "").removeprefix(API_PREFIX)
        path_params = tuple((name, conv or "default") for conv, name in _RULE_PARAM.findall(rule))
        op = Operation(
            endpoint=f"{bp.name}.{view.__name__}", method=method.upper(),
            path=prefix + _RULE_PARAM.sub(r"{\2}", rule), path_params=path_params,
            summary=summary, description=description or (view.__doc__ or "").strip(),
            permission=permission, tag=bp.name, replies=replies, errors=errors, params=params,
            body=body, body_media=body_media, body_required=body_required,
        )
        OPERATIONS[op.endpoint] = op

        @wraps(view)
        def run(**kwargs: Any) -> Any:
            if op.params:
                kwargs["query"] = _parse_params(op.params)
            if op.body is not None and op.body_media == "application/json":
                kwargs["body"] = _parse_body(op)
            return view(**kwargs)

        run.permission = permission  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=run, methods=[op.method])
        return run  # type: ignore[return-value]

    return decorate


# -- request validation ---------------------------------------------------------------------

# id(schema) -> (schema, its validator): operations' schemas are declared once, so each gets
# one validator, built at first use (the schema is kept, so its id is never reused).
_VALIDATORS: dict[int, tuple[Mapping[str, Any], jsonschema.Draft202012Validator]] = {}


def _validator(schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker())
    if len(_VALIDATORS) < 1024:
        _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _errors(schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
    validator = _validator(schema)
    if validator.is_valid(value):  # the usual case, without collecting errors
        return []
    found = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    return ["/".join([where, *(str(p) for p in e.absolute_path)]) + f": {e.message}"
            for e in found]


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw) if re.fullmatch(r"-?\d{1,20}", raw) else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _parse_params(params: tuple[Param, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for p in params:
        source = request.args if p.where == "query" else request.headers
        raw = source.get(p.name)
        if raw is None:
            if p.required:
                problems.append(f"{p.name}: this {p.where} parameter is required")
            continue
        value = _coerce(raw, p.schema)
        problems += _errors(p.schema, value, p.name)
        values[p.name] = value
    if any("\x00" in str(v) for v in values.values()):
        problems.append("parameters: NUL characters are not accepted")
    if problems:
        raise BadRequest("the request parameters are not valid", problems)
    return values


def _parse_body(op: Operation) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        if op.body_required:
            raise BadRequest("a JSON body is required", ["body: missing"])
        value: Any = {}
    else:
        if request.mimetype != "application/json":
            raise UnsupportedMediaType("send the body as application/json")
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise BadRequest("the body is not valid JSON", [f"body: {exc}"]) from None
    if _has_nul(value):  # PostgreSQL text cannot hold NUL: refuse it at the door
        raise BadRequest("NUL characters are not accepted", ["body: contains NUL"])
    problems = _errors(op.body or {}, value, "body")
    if problems:
        raise BadRequest("the body does not match the schema", problems)
    return value


MAX_DEPTH = 32


def _has_nul(value: Any, depth: int = 0) -> bool:
    """Whether any string holds NUL; BadRequest if nested deeper than ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise BadRequest("the body is nested too deeply", [f"body: deeper than {MAX_DEPTH}"])
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


# -- the document ---------------------------------------------------------------------------

_ERROR_TEXT = {
    400: "The request is malformed or fails the schema.",
    401: "No valid API token or session.",
    403: "The caller's roles do not allow this.",
    404: "No such resource.",
    409: "Conflicts with the current state (claimed, completed, suspended, or a lost race).",
    412: "If-Match does not match the current revision.",
    413: "The body is larger than the server accepts (16 MiB).",
    415: "Unsupported media type.",
    422: "Understood but refused by the rules (form validation, deployment checks).",
}


def _responses(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code, reply in sorted(op.replies.items()):
        item: dict[str, Any] = {"description": reply.description}
        if reply.schema is not None:
            item["content"] = {reply.media: {"schema": reply.schema}}
        if reply.headers:
            item["headers"] = {name: {"description": text, "required": True,
                                      "schema": {"type": "string"}}
                               for name, text in reply.headers.items()}
        out[str(code)] = item
    codes = {400, 404, *op.errors}
    if op.permission != PUBLIC:
        codes |= {401, 403}
    if op.body is not None:
        codes |= {413, 415, 422}
    for code in sorted(codes):
        out[str(code)] = {"description": _ERROR_TEXT[code],
                          "content": {"application/problem+json": {"schema": ref("Problem")}}}
    return out


def _roles(op: Operation) -> list[str]:
    return [] if op.permission == PUBLIC else sorted(PERMISSIONS[Permission(op.permission)])


def _who(op: Operation) -> str:
    if op.permission == PUBLIC:
        return "Public."
    if op.permission == Permission.AUTHENTICATED:
        return "Permission `authenticated`: any signed-in user or token."
    return f"Permission `{op.permission}`: roles {', '.join(_roles(op))}."


def _operation_doc(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint.replace(".", "_"), "summary": op.summary,
        "description": f"{op.description}\n\n{_who(op)}".strip(), "tags": [op.tag],
        "x-permission": str(op.permission), "x-roles": _roles(op), "responses": _responses(op),
    }
    parameters = [{"name": name, "in": "path", "required": True, "schema": _PATH_SCHEMAS[conv]}
                  for name, conv in op.path_params]
    parameters += [{"name": p.name, "in": p.where, "required": p.required, "schema": p.schema,
                    **({"description": p.description} if p.description else {})}
                   for p in op.params]
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required,
                              "content": {op.body_media: {"schema": op.body}}}
    if op.permission == PUBLIC:
        doc["security"] = []
    return doc


def build_document(app: Flask, components: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the operations this app actually serves."""
    paths: dict[str, dict[str, Any]] = {}
    served = [op for op in OPERATIONS.values() if op.endpoint in app.view_functions]
    for op in sorted(served, key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_doc(op)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Redress API", "version": "1",
            "description": "Complaint journeys as BPMN: start and follow cases, work tasks, "
                           "correlate messages, fetch letters and figures. Errors are RFC 9457 "
                           "problem details; lists are cursor-paged.",
        },
        "servers": [{"url": API_PREFIX}],
        "paths": paths,
        "components": {
            "schemas": dict(components),
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "A personal API token (POST /tokens)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "Browser session; unsafe methods also need the "
                                           "X-CSRF-Token header."},
            },
        },
        "security": [{"bearerToken": []}, {"session": []}],
        "tags": [{"name": n} for n in sorted({op.tag for op in served})],
    }
