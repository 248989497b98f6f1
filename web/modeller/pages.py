"""Analysts' pages: deployments with per-process versions, the modeller, diffs, rule coverage.

Every page but the diagrams works without JavaScript: deploying is a plain form upload.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import DeploymentError, NotFoundError
from engine.definitions import classify
from web.access import requires
from web.context import user
from web.modeller.views import coverage, package_or_404, workspace
from workflows.roles import Permission, allowed

bp = Blueprint("modeller", __name__, template_folder="templates")

MAX_FILES = 200


@bp.get("/deployments")
@requires(Permission.VIEW_DEPLOYMENTS)
def deployments() -> str:
    """Each process with its versions, who deployed them, and how many instances run each."""
    ws = workspace()
    processes = [(pid, ws.catalogue.versions(pid)) for pid in ws.catalogue.process_ids()]
    return render_template("modeller/deployments.html", processes=processes,
                           deployments=ws.catalogue.deployments(limit=50),
                           packages=ws.catalogue.package_names(),
                           can_deploy=allowed(user().roles, Permission.DEPLOY))


@bp.post("/deployments")
@requires(Permission.DEPLOY)
def upload() -> Response | tuple[str, int]:
    """Deploy uploaded files as a package (the form a browser without JavaScript uses)."""
    name = request.form.get("name", "").strip()
    uploads = [u for u in request.files.getlist("files") if (u.filename or "").strip()]
    error = ""
    if not 0 < len(name) <= 200:
        error = "Enter the package name, for example complaints"
    elif not uploads or len(uploads) > MAX_FILES:
        error = f"Choose between 1 and {MAX_FILES} .bpmn, .dmn or .json files"
    files = {(u.filename or "").rsplit("/", 1)[-1]: u.read() for u in uploads}
    for u in request.files.getlist("files"):
        u.close()  # large uploads are spooled to temporary files
    if not error:
        try:
            record = workspace().deploy_files(files, name, user().username)
        except DeploymentError as exc:
            error = str(exc)
        else:
            flash(_deployed_message(name, record.changed, record.created))
            return redirect(url_for(".deployments"))
    ws = workspace()
    return render_template("modeller/deployments.html", error=error, name=name,
                           processes=[(p, ws.catalogue.versions(p))
                                      for p in ws.catalogue.process_ids()],
                           deployments=ws.catalogue.deployments(limit=50),
                           packages=ws.catalogue.package_names(), can_deploy=True), 422


def _deployed_message(name: str, changed: list[str], created: bool) -> str:
    if not created or not changed:
        return f"{name}: nothing changed, no new version"
    return f"{name} deployed: new version of {', '.join(changed)}"


@bp.get("/modeller")
@requires(Permission.VIEW_DEPLOYMENTS)
def index() -> str:
    """The packages an analyst can edit, each file with its draft if there is one."""
    ws = workspace()
    packages = []
    for name in ws.catalogue.package_names():
        drafts = {d.filename: d for d in ws.drafts(name)}
        files = sorted(ws.working_files(name))
        packages.append((name, [(f, classify(f), drafts.get(f)) for f in files]))
    return render_template("modeller/index.html", packages=packages,
                           can_deploy=allowed(user().roles, Permission.DEPLOY))


@bp.post("/modeller/<package>/deploy")
@requires(Permission.DEPLOY)
def deploy(package: str) -> Response:
    """Deploy a package's working copy (its drafts over its latest deployment)."""
    package_or_404(package)
    record = workspace().deploy(package, user().username)
    flash(_deployed_message(package, record.changed, record.created))
    return redirect(url_for(".deployments"))


@bp.get("/modeller/<package>/edit/<filename>")
@requires(Permission.VIEW_DEPLOYMENTS)
def edit(package: str, filename: str) -> str:
    """The modeller on one file: BPMN diagram, DMN table or form schema."""
    ws = package_or_404(package)
    files = ws.working_files(package)
    if filename not in files:
        raise NotFoundError(f"{package} has no file {filename!r}")
    kind = classify(filename)
    forms = sorted(f for f in files if classify(f) == "form")
    return render_template("modeller/edit.html", package=package, filename=filename, kind=kind,
                           forms=forms, can_deploy=allowed(user().roles, Permission.DEPLOY),
                           draft=next((d for d in ws.drafts(package) if d.filename == filename),
                                      None))


@bp.get("/modeller/<package>/diff/<process_id>")
@requires(Permission.VIEW_DEPLOYMENTS)
def diff(package: str, process_id: str) -> str:
    """Two versions of a process side by side; the called processes' changes listed too."""
    package_or_404(package)
    versions = workspace().catalogue.versions(process_id)
    numbers = [v.version for v in versions]
    new = request.args.get("new", type=int) or (numbers[-1] if numbers else 1)
    old = request.args.get("old", type=int) or max(1, new - 1)
    return render_template("modeller/diff.html", package=package, process_id=process_id,
                           versions=versions, old=old, new=new)


@bp.get("/modeller/rules")
@requires(Permission.VIEW_DEPLOYMENTS)
def rules() -> str:
    """Rule coverage: rules no deployed element implements, and citations of unknown rules."""
    return render_template("modeller/rules.html", **coverage(workspace()))
