"""HTTP mechanics shared by the API views: JSON replies, cursors, ETag / If-Match, idempotency."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Response, request, url_for

from engine import ConflictError
from web.api.openapi import Param
from web.context import idempotency, user
from web.problems import BadRequest, PreconditionFailed
from workflows.idempotency import Committed, KeyTaken, Pending, StoredResponse, fingerprint

__all__ = [
    "CURSOR", "IDEMPOTENCY_KEY", "IF_MATCH", "LIMIT", "decode_cursor", "etag",
    "expected_revision", "idempotent", "page", "reply",
]

CURSOR = Param("cursor", "query", {"type": "string", "minLength": 1, "maxLength": 200,
                                   "pattern": "^[A-Za-z0-9_-]+$"},
               "Opaque cursor: pass on the `next` URL of the previous page.")
LIMIT = Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200},
              "Page size (default 50).")
IF_MATCH = Param("If-Match", "header",
                 {"type": "string", "maxLength": 200,
                  "pattern": r'^(\*|(W/)?"[0-9]{1,18}"(, *(W/)?"[0-9]{1,18}")*)$'},
                 "The instance's ETag as last read: refused with 412 if it has changed since.")
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key", "header",
    {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
    "A unique key per intended request: a repeat returns the first response, not a duplicate.")
_REPLAYED_HEADERS = ("Location", "ETag")
_TAG = re.compile(r'\s*(?:W/)?"(\d{1,18})"\s*')


def reply(body: Any, status: int = 200, **headers: str) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def etag(revision: int) -> str:
    return f'"{revision}"'


def expected_revision(current: int) -> int | None:
    """The revision If-Match names (None when absent or ``*``); 412 when it is not ``current``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tags = header.split(",")
    revisions = [int(m.group(1)) for m in (_TAG.fullmatch(t) for t in tags) if m]
    if len(revisions) != len(tags):
        raise BadRequest('If-Match must be an entity tag such as "7"', ["If-Match: malformed"])
    if current not in revisions:
        raise PreconditionFailed(f"the instance is at revision {current}; reload it",
                                 current_revision=current)
    return current


def encode_cursor(after: int | str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def decode_cursor(text: str | None, kind: type = int) -> Any:
    if not text:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        value = None
    if not isinstance(value, kind) or isinstance(value, bool) or (
        isinstance(value, int) and not 0 <= value < 2**63  # ids are 64-bit: SQL would overflow
    ):
        raise BadRequest("the cursor is not one this API gave out", ["cursor: unreadable"])
    return value


def page(items: list[dict[str, Any]], after: int | str | None) -> Response:
    """A list page; ``after`` is where the next one starts (None on the last page)."""
    next_url = None
    if after is not None:
        values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}
        values.update(request.view_args or {}, cursor=encode_cursor(after))
        next_url = url_for(request.endpoint or "", **values)
    response = reply({"items": items, "next": next_url})
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def idempotent(scope: str, run: Callable[[Pending | None], Response],
               made: Callable[[int], Response] | None = None) -> Response:
    """Run ``run`` once per Idempotency-Key; repeats get the first response, not a duplicate.

    ``run`` gets the :class:`Pending` key (None without a header) and passes it to the engine,
    which records it in the work's own transaction (decision 0020). A repeat whose first
    attempt committed but stored no reply (a worker killed in between) is answered by
    ``made(resource_id)``, the reply as it would have been, rebuilt from what was made
    (without ``made``: ``run(None)`` again, for work the engine itself does once per key).
    """
    key = request.headers.get("Idempotency-Key")
    if not key:
        return run(None)
    store, caller = idempotency(), user()
    print_ = fingerprint(request.method.encode() + request.path.encode() + request.get_data())
    for _ in range(3):
        found = store.begin(caller.id, scope, key, print_)
        if isinstance(found, StoredResponse):
            return _replayed(reply(found.body, found.status_code, **found.headers))
        if isinstance(found, Committed):
            pending = Pending(store, caller.id, scope, key, print_)
            response = made(found.resource_id) if made is not None else run(None)
            _store(pending, response)
            return _replayed(response)
        try:
            response = run(found)
        except KeyTaken:
            continue  # a racing request with this key committed first: answer as it did
        _store(found, response)
        return response
    raise ConflictError("a request with this Idempotency-Key is being done; retry it")


def _store(pending: Pending, response: Response) -> None:
    if response.status_code < 400:  # an error is not kept: the client may fix and retry
        kept = {h: response.headers[h] for h in _REPLAYED_HEADERS if h in response.headers}
        idempotency().finish(pending, StoredResponse(response.status_code,
                                                     response.get_json(), kept))


def _replayed(response: Response) -> Response:
    response.headers["Idempotent-Replayed"] = "true"
    return response
