"""Operations' actions on one instance: each needs a reason, is role-gated and audited.

A refused action re-renders the case page with an error summary, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import RedressError, ValidationError
from web.access import requires
from web.context import engine, user
from web.operations import bp
from web.operations.instance import detail_page
from workflows.migration_preview import preview
from workflows.roles import Permission
from workflows.variable_edits import edit_variable

Page = Response | tuple[str, int]


def _reason() -> str:
    return request.form.get("reason", "").strip()


def _act(instance_id: int, field: str, done: str, action: Callable[[str], object]) -> Page:
    """Run ``action(reason)``; a missing reason or a refusal shows on the case page."""
    reason = _reason()
    if not reason:
        return detail_page(instance_id, errors={field: "Enter a reason"}, status=422)
    try:
        action(reason)
    except RedressError as exc:
        detail = "; ".join(getattr(exc, "errors", []) or []) or str(exc)
        return detail_page(instance_id, errors={field: f"{exc}" if detail == str(exc)
                                                else f"{exc}: {detail}"}, status=422)
    flash(done)
    return redirect(url_for("operations.instance", instance_id=instance_id))


@bp.post("/operations/instances/<id:instance_id>/suspend")
@requires(Permission.MANAGE_INSTANCES)
def suspend(instance_id: int) -> Page:
    """Suspend a case: nobody can complete its tasks, no timer or job moves it."""
    return _act(instance_id, "suspend-reason", "Case suspended",
                lambda why: engine().suspend(instance_id, user=user().username, reason=why))


@bp.post("/operations/instances/<id:instance_id>/resume")
@requires(Permission.MANAGE_INSTANCES)
def resume(instance_id: int) -> Page:
    """Resume a suspended case."""
    return _act(instance_id, "resume-reason", "Case resumed",
                lambda why: engine().resume(instance_id, user=user().username, reason=why))


@bp.post("/operations/instances/<id:instance_id>/cancel")
@requires(Permission.MANAGE_INSTANCES)
def cancel(instance_id: int) -> Page:
    """Cancel a case for good (it is left out of every figure)."""
    return _act(instance_id, "cancel-reason", "Case cancelled",
                lambda why: engine().cancel(instance_id, user=user().username, reason=why))


@bp.post("/operations/instances/<id:instance_id>/incidents/<id:incident_id>/retry")
@requires(Permission.RETRY_INCIDENTS)
def retry(instance_id: int, incident_id: int) -> Page:
    """Retry what failed, once its cause is fixed."""
    found = engine().incident(incident_id)
    if found.instance_id != instance_id:
        raise ValidationError("that incident belongs to another case")
    done = "Incident retried" if found.reruns else "Incident marked as dealt with"
    return _act(instance_id, f"retry-reason-{incident_id}", done,
                lambda why: engine().retry_incident(incident_id, user=user().username,
                                                    reason=why))


@bp.post("/operations/instances/<id:instance_id>/variables")
@requires(Permission.MANAGE_INSTANCES)
def edit(instance_id: int) -> Page:
    """Change one case data value, checked against the forms, with a reason."""
    key = request.form.get("key", "")
    value = request.form.get("value", "")
    return _act(instance_id, "edit-reason", f"Case data {key.strip()[:100]} changed",
                lambda why: edit_variable(engine(), instance_id, key, value,
                                          user=user().username, reason=why))


@bp.get("/operations/instances/<id:instance_id>/migrate")
@requires(Permission.MANAGE_INSTANCES)
def migrate_preview(instance_id: int) -> Page:
    """Show what moving a case to another version would change, before doing it."""
    version = request.args.get("version", "")
    if not version.isdigit():
        return detail_page(instance_id, errors={"version": "Choose a version"}, status=422)
    try:
        plan = preview(engine(), instance_id, int(version))
    except RedressError as exc:
        return detail_page(instance_id, errors={"version": str(exc)}, status=422)
    return render_template("operations/migrate.html", plan=plan,
                           record=engine().instance(instance_id, with_data=False),
                           errors={}), 200


@bp.post("/operations/instances/<id:instance_id>/migrate")
@requires(Permission.MANAGE_INSTANCES)
def migrate(instance_id: int) -> Page:
    """Move a case to the version previewed."""
    version = request.form.get("version", "")
    if not version.isdigit():
        return detail_page(instance_id, errors={"version": "Choose a version"}, status=422)
    return _act(instance_id, "migrate-reason", f"Case moved to version {version}",
                lambda why: engine().migrate(instance_id, int(version), user=user().username,
                                             reason=why))


def _place(value: str) -> tuple[str, str]:
    process_id, _, element_id = value.partition("/")
    return process_id, element_id


@bp.post("/operations/instances/<id:instance_id>/move")
@requires(Permission.MANAGE_INSTANCES)
def move(instance_id: int) -> Page:
    """Move the case's token to another step of the same process, with a reason."""
    process_id, source = _place(request.form.get("token", ""))
    target_process, target = _place(request.form.get("target", ""))
    if not source or not target:
        return detail_page(instance_id, errors={"move-target": "Choose where to move the case"},
                           status=422)
    if target_process != process_id:
        tokens, places = engine().move_options(instance_id)
        names = {(p.process_id, p.element_id): p.name for p in [*tokens, *places]}
        return detail_page(instance_id, errors={"move-target": (
            f"{names.get((target_process, target), target)} is a step of {target_process}, "
            f"and {names.get((process_id, source), source)} is in {process_id}: a token moves "
            "only within the process it is in")}, status=422)
    return _act(instance_id, "move-reason", "Case moved",
                lambda why: engine().move_token(instance_id, process_id=process_id,
                                                from_element=source, to_element=target,
                                                user=user().username, reason=why))
