"""Deployments and process definitions: what is deployed, and deploying a new version."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for

from web.api.http import CURSOR, LIMIT, decode_cursor, page, reply
from web.api.openapi import Param, Reply, operation, ref
from web.api.present import definition_json, deployment_json
from web.context import catalogue, engine, user
from web.problems import BadRequest, UnsupportedMediaType
from workflows.modeller import Workspace
from workflows.roles import Permission

bp = Blueprint("deployments", __name__, url_prefix="/api/v1")

MAX_FILES = 200
_UPLOAD = {
    "type": "object", "required": ["name", "files"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "files": {"type": "array", "minItems": 1, "maxItems": MAX_FILES,
                  "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                  "description": ".bpmn, .dmn and .json (JSON Schema form) files."},
    },
}


@operation(bp, "GET", "/deployments", summary="List deployments",
           permission=Permission.VIEW_DEPLOYMENTS, params=(CURSOR, LIMIT),
           replies={200: Reply("A page of deployments, newest first.", ref("DeploymentPage"))})
def list_deployments(query: dict[str, Any]) -> Response:
    """Deployments newest first, with the process versions each one created."""
    limit = query.get("limit", 50)
    found = catalogue().deployments(after_id=decode_cursor(query.get("cursor")), limit=limit + 1)
    return page([deployment_json(d) for d in found[:limit]],
                found[limit - 1].id if len(found) > limit else None)


@operation(bp, "POST", "/deployments", summary="Deploy a package",
           permission=Permission.DEPLOY, body=_UPLOAD, body_media="multipart/form-data",
           errors=(409,),
           replies={201: Reply("Deployed: a new version of each process whose content changed.",
                               ref("DeploymentResult"), headers={"Location": "Its URL."}),
                    200: Reply("These exact files were already deployed: nothing changed.",
                               ref("DeploymentResult"))})
def deploy() -> Response:
    """Deploy a package: a new version only of the processes whose content changed."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the files as multipart/form-data")
    name = request.form.get("name", "").strip()
    uploads = request.files.getlist("files")
    problems = [] if 0 < len(name) <= 200 else ["name: 1-200 characters"]
    if not uploads or len(uploads) > MAX_FILES:
        problems.append(f"files: 1-{MAX_FILES} files")
    if any(not (u.filename or "").strip() for u in uploads):
        problems.append("files: every file needs a file name")
    if problems:
        raise BadRequest("send multipart/form-data with a name and files", problems)
    files = {(u.filename or "").rsplit("/", 1)[-1]: u.read() for u in uploads}
    record = Workspace(engine()).deploy_files(files, name, user().username)
    info = deployment_json(catalogue().deployment(record.id))
    if not record.created:
        return reply({**info, "created": False, "changed": []})
    return reply({**info, "created": True, "changed": record.changed}, 201,
                 Location=url_for(".get_deployment", deployment_id=record.id))


@operation(bp, "GET", "/deployments/<id:deployment_id>", summary="Get a deployment",
           permission=Permission.VIEW_DEPLOYMENTS,
           replies={200: Reply("The deployment.", ref("Deployment"))})
def get_deployment(deployment_id: int) -> Response:
    """One deployment: its name, author, processes and files."""
    return reply(deployment_json(catalogue().deployment(deployment_id)))


@operation(bp, "GET", "/deployments/<id:deployment_id>/files/<filename>",
           summary="Download a deployed file", permission=Permission.VIEW_DEPLOYMENTS,
           replies={200: Reply("The file as deployed.", {"type": "string"},
                               media="application/octet-stream")})
def deployment_file(deployment_id: int, filename: str) -> Response:
    """The diagram, decision table or form exactly as it was deployed."""
    found = catalogue().file(deployment_id, filename)
    response = Response(found.content, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@operation(bp, "GET", "/process-definitions", summary="List process definitions",
           permission=Permission.VIEW_DEPLOYMENTS,
           params=(Param("process_id", "query", {"type": "string", "minLength": 1,
                                                 "maxLength": 200}), CURSOR, LIMIT),
           replies={200: Reply("A page of process versions.", ref("ProcessDefinitionPage"))})
def list_definitions(query: dict[str, Any]) -> Response:
    """Every deployed version of every process (or of one), oldest first."""
    limit = query.get("limit", 50)
    found = catalogue().definitions(process_id=query.get("process_id"),
                                    after_id=decode_cursor(query.get("cursor")), limit=limit + 1)
    return page([definition_json(d) for d in found[:limit]],
                found[limit - 1].id if len(found) > limit else None)
