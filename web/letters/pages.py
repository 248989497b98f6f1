"""Letter catalogue pages: templates of a deployment, who sends them, why, and a sample preview.

Read-only, for whoever may see deployments; previews use synthetic sample cases only.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from engine import NotFoundError
from web.access import requires
from web.context import catalogue, engine
from workflows.letter_catalogue import SAMPLES, letter_entries, preview
from workflows.roles import Permission

bp = Blueprint("letter_catalogue", __name__, template_folder="templates")


def _deployment_or_404(deployment_id: int) -> object:
    try:
        return catalogue().deployment(deployment_id)
    except NotFoundError:
        abort(404)


@bp.get("/letters")
@requires(Permission.VIEW_DEPLOYMENTS)
def latest() -> str:
    """The catalogue of each package's latest deployment."""
    found = [d for name in catalogue().package_names()
             if (d := catalogue().latest_deployment(name)) is not None]
    return render_template("letters/packages.html", deployments=found)


@bp.get("/deployments/<int:deployment_id>/letters")
@requires(Permission.VIEW_DEPLOYMENTS)
def index(deployment_id: int) -> str:
    """Every template of one deployment, which elements send it and which rules it serves."""
    deployment = _deployment_or_404(deployment_id)
    return render_template("letters/index.html", deployment=deployment,
                           entries=letter_entries(catalogue(), deployment_id))


@bp.get("/deployments/<int:deployment_id>/letters/<code>")
@requires(Permission.VIEW_DEPLOYMENTS)
def show(deployment_id: int, code: str) -> BaseResponse | str:
    """One template: its entry, its source, and the letter written for a sample case."""
    deployment = _deployment_or_404(deployment_id)
    entries = {e.info.code: e for e in letter_entries(catalogue(), deployment_id)}
    entry = entries.get(code)
    if entry is None:
        abort(404)
    sample = request.args.get("sample", "client")
    if sample not in SAMPLES:
        return redirect(url_for(".show", deployment_id=deployment_id, code=code))
    letter, error = None, ""
    if entry.info.kind == "letter":
        try:
            letter = preview(catalogue(), deployment_id, code, sample, engine().clock.now().date())
        except ValueError as exc:
            error = str(exc)
    return render_template("letters/show.html", deployment=deployment, entry=entry,
                           samples=SAMPLES, sample=sample, letter=letter, error=error)


@bp.get("/deployments/<int:deployment_id>/letters/<code>/preview.pdf")
@requires(Permission.VIEW_DEPLOYMENTS)
def preview_pdf(deployment_id: int, code: str) -> Response:
    """The sample letter as its PDF (as the post room would print it)."""
    _deployment_or_404(deployment_id)
    sample = request.args.get("sample", "client")
    if sample not in SAMPLES:
        abort(404)
    try:
        letter = preview(catalogue(), deployment_id, code, sample, engine().clock.now().date())
    except ValueError:
        abort(404)
    return Response(letter.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{code}-{sample}.pdf"',
        "X-Content-Type-Options": "nosniff"})
