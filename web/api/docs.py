"""The OpenAPI 3.1 document and a readable page of it (served from here: no CDN, no scripts)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template

from web.access import PUBLIC, requires
from web.api.http import reply
from web.api.openapi import Reply, build_document, operation
from web.api.schemas import COMPONENTS
from web.problems import PROBLEM_TYPES

bp = Blueprint("docs", __name__, url_prefix="/api/v1")
pages = Blueprint("apidocs", __name__)


def document() -> dict[str, Any]:
    cached: dict[str, Any] | None = current_app.extensions.get("redress_openapi")
    if cached is None:
        cached = build_document(current_app, COMPONENTS)
        current_app.extensions["redress_openapi"] = cached
    return cached


@operation(bp, "GET", "/openapi.json", summary="This API's OpenAPI 3.1 document",
           permission=PUBLIC,
           replies={200: Reply("The OpenAPI document.", {"type": "object"})})
def openapi_json() -> Response:
    """The document every route was declared into."""
    return reply(document())


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


@pages.get("/api/docs")
@requires(PUBLIC)
def api_docs() -> str:
    """Render the OpenAPI document as a page."""
    doc = document()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            groups.setdefault(op["tags"][0], []).append({"path": path, "method": method.upper(),
                                                         **op})
    return render_template("api_docs.html", doc=doc, groups=sorted(groups.items()),
                           problems=PROBLEM_TYPES, pretty=_pretty)
