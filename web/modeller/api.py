"""JSON for the modeller's scripts: handlers, roles, processes, drafts, checks, deploy, try-its.

Under ``/api/modeller`` so errors come back as JSON problems with one actionable line. Writes
need the session's CSRF token in ``X-CSRF-Token``, like every unsafe request.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from flask import Blueprint, Response, render_template, request

from engine.definitions import classify
from engine.handler_catalogue import describe_handlers
from engine.validation import check_expression
from web.access import requires
from web.api.http import reply
from web.context import engine, user
from web.forms import build_form
from web.modeller.views import package_or_404, workspace
from web.problems import BadRequest
from workflows.policy import load_rules
from workflows.roles import LANE_ROLES, ROLES, Permission

bp = Blueprint("api", __name__, url_prefix="/api/modeller")


@bp.get("/handlers")
@requires(Permission.VIEW_DEPLOYMENTS)
def handlers() -> Response:
    """Every service-task handler: operator id, one-line description and parameters."""
    return reply([asdict(h) for h in describe_handlers(engine().registry)])


@bp.get("/roles")
@requires(Permission.VIEW_DEPLOYMENTS)
def roles() -> Response:
    """The roles a lane may name (each lane is a queue of that role)."""
    return reply([{"id": r.id, "name": r.name} for r in ROLES if r.id in LANE_ROLES])


@bp.get("/processes")
@requires(Permission.VIEW_DEPLOYMENTS)
def processes() -> Response:
    """Deployed processes a call activity may call, with their latest version."""
    cat = workspace().catalogue
    found = []
    for pid in cat.process_ids():
        versions = cat.versions(pid)
        found.append({"id": pid, "version": versions[-1].version if versions else None})
    return reply(found)


@bp.get("/functions")
@requires(Permission.VIEW_DEPLOYMENTS)
def functions() -> Response:
    """Functions timers and conditions may call (working days, months, dates)."""
    env = engine().runtime.script_engine.environment
    return reply(sorted(name for name in env.functions if not name.startswith("_")))


@bp.post("/expressions/check")
@requires(Permission.VIEW_DEPLOYMENTS)
def check_expressions() -> Response:
    """Which of the given expressions would not parse or call an unknown function."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("expressions"), dict) \
            or len(body["expressions"]) > 2000:
        raise BadRequest('send {"expressions": {"element id": "expression", ...}}')
    known = list(engine().runtime.script_engine.environment.functions)
    problems = {}
    for element_id, text in body["expressions"].items():
        problem = check_expression(str(text)[:5000], known)
        if problem:
            problems[str(element_id)] = problem
    return reply({"problems": problems})


@bp.get("/<package>/files")
@requires(Permission.VIEW_DEPLOYMENTS)
def files(package: str) -> Response:
    """The package's working copy: each file, its kind and whether it is a draft."""
    ws = package_or_404(package)
    drafts = {d.filename: d for d in ws.drafts(package)}
    return reply([{"name": name, "kind": classify(name),
                   "draft": {"saved_by": drafts[name].saved_by,
                             "saved_at": drafts[name].saved_at.isoformat()}
                   if name in drafts else None}
                  for name in sorted(ws.working_files(package))])


@bp.get("/<package>/files/<filename>")
@requires(Permission.VIEW_DEPLOYMENTS)
def file(package: str, filename: str) -> Response:
    """One file of the working copy (the draft if there is one), as stored."""
    found = package_or_404(package).working_files(package).get(filename)
    if found is None:
        raise BadRequest(f"{package} has no file {filename!r}")
    kind = classify(filename)
    mimetype = {"form": "application/json", "bpmn": "application/xml",
                "dmn": "application/xml"}.get(kind, "text/plain; charset=utf-8")
    return Response(found, mimetype=mimetype)


@bp.put("/<package>/files/<filename>")
@requires(Permission.DEPLOY)
def save(package: str, filename: str) -> Response:
    """Save a draft of one file (the modeller's autosave, or an uploaded file)."""
    ws = package_or_404(package)
    draft = ws.save_draft(package, filename, request.get_data(cache=False), user().username)
    return reply({"filename": draft.filename, "saved_by": draft.saved_by,
                  "saved_at": draft.saved_at.isoformat(), "size": draft.size})


@bp.delete("/<package>/files/<filename>")
@requires(Permission.DEPLOY)
def discard(package: str, filename: str) -> Response:
    """Throw a draft away; the file goes back to its deployed content."""
    package_or_404(package).discard(package, filename)
    return reply({"discarded": filename})


@bp.post("/<package>/check")
@requires(Permission.VIEW_DEPLOYMENTS)
def check(package: str) -> Response:
    """What a deploy of the working copy would refuse with (nothing is stored)."""
    return reply({"problems": package_or_404(package).check(package)})


@bp.post("/<package>/deploy")
@requires(Permission.DEPLOY)
def deploy(package: str) -> Response:
    """Deploy the working copy: new versions only of the processes whose content changed."""
    record = package_or_404(package).deploy(package, user().username)
    return reply({"deployment_id": record.id, "created": record.created,
                  "processes": record.processes, "changed": record.changed})


@bp.post("/<package>/decisions/<decision_id>/try")
@requires(Permission.VIEW_DEPLOYMENTS)
def try_decision(package: str, decision_id: str) -> Response:
    """Evaluate a decision table on inputs with the server's DMN engine: hit rule and outputs."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("inputs", {}), dict):
        raise BadRequest('send {"inputs": {...}, "dmn": "<optional unsaved DMN XML>"}')
    dmn = body.get("dmn")
    files = {f"{decision_id}.dmn": dmn.encode()} if isinstance(dmn, str) and dmn else None
    result = package_or_404(package).try_decision(package, decision_id, body.get("inputs", {}),
                                                  files)
    return reply(asdict(result))


@bp.get("/<package>/diff/<process_id>")
@requires(Permission.VIEW_DEPLOYMENTS)
def diff(package: str, process_id: str) -> Response:
    """Two versions of a process, and of every process it calls, with what changed."""
    ws = package_or_404(package)
    old = request.args.get("old", type=int)
    new = request.args.get("new", type=int)
    if old is None or new is None:
        raise BadRequest("give ?old=<version>&new=<version>")
    return reply(ws.version_diff(process_id, old, new))


@bp.post("/form-preview")
@requires(Permission.VIEW_DEPLOYMENTS)
def form_preview() -> Response:
    """A form schema drawn exactly as the caseworker's task page draws it (an HTML fragment)."""
    body = request.get_data(cache=False)
    try:
        schema = json.loads(body)
        if not isinstance(schema, dict):
            raise ValueError("a form schema must be a JSON object")
    except ValueError as exc:
        raise BadRequest(f"not a JSON Schema: {str(exc).splitlines()[0]}") from exc
    form = build_form(schema, {}, spare_rows=1)
    return Response(render_template("modeller/form_preview.html", form=form), mimetype="text/html")


@bp.get("/rules")
@requires(Permission.VIEW_DEPLOYMENTS)
def rules() -> Response:
    """Policy rules by id with their text and source paragraph ({} without DOMAIN.md)."""
    return reply({rid: {"text": r.text, "section": r.section}
                  for rid, r in load_rules().items()})
