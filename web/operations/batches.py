"""Batch operations: choose cases (ticked, or every case matching a filter), an action and a
reason; a migration is previewed first. The scheduler does the work; this page shows progress
and can stop a batch."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import RedressError
from engine.batches import ACTIONS, batch, create_batch, list_batches, stop_batch
from engine.inspection import versions_of
from engine.instance_search import InstanceFilter, iter_instances
from web.access import requires
from web.context import engine, user
from web.operations import bp
from web.operations.filters import filter_from
from workflows.migration_preview import MigrationPreview, preview
from workflows.roles import Permission

PREVIEW_SAMPLE = 20
Page = Response | str | tuple[str, int]


def _scope() -> tuple[list[int], InstanceFilter | None, str, str]:
    """The chosen cases: ticked ids, or the filter (as its query string) when asked for."""
    ids_text = ",".join(request.form.getlist("ids")) or request.form.get("ids_text", "")
    ids = [int(i) for i in ids_text.split(",") if i.strip().isdigit()]
    query = request.form.get("filter", "")
    if request.form.get("scope") == "filter":
        return [], filter_from(dict(parse_qsl(query))), "", query
    return ids, None, ",".join(map(str, ids)), ""


def _sample(ids: list[int], where: InstanceFilter | None) -> list[int]:
    if where is None:
        return ids[:PREVIEW_SAMPLE]
    found = []
    for record in iter_instances(engine(), where, chunk=PREVIEW_SAMPLE):
        found.append(record.id)
        if len(found) == PREVIEW_SAMPLE:
            break
    return found


def _versions(sample: list[int]) -> list[int]:
    processes = {engine().instance(i, with_data=False).process_id for i in sample[:5]}
    return sorted({v for p in processes for v in versions_of(engine(), p)})


def _form(errors: dict[str, str] | None = None, status: int = 200, **extra: object) -> Page:
    ids, where, ids_text, query = _scope()
    sample = _sample(ids, where)
    return render_template("operations/batch_new.html", actions=ACTIONS, ids_text=ids_text,
                           query=query, scope="filter" if where is not None else "selected",
                           count=len(ids) if where is None else None, sample=sample,
                           versions=_versions(sample), errors=errors or {}, **extra), status


@bp.post("/operations/batches/new")
@requires(Permission.MANAGE_INSTANCES)
def batch_new() -> Page:
    """Choose the action and reason for the chosen cases."""
    ids, where, _, _ = _scope()
    if not ids and where is None:
        flash("Tick at least one case, or choose every matching case")
        return redirect(url_for("operations.instances"))
    return _form()


@bp.post("/operations/batches")
@requires(Permission.MANAGE_INSTANCES)
def batch_create() -> Page:
    """Start a batch (after a preview, for a migration)."""
    ids, where, _, _ = _scope()
    action = request.form.get("action", "")
    reason = request.form.get("reason", "").strip()
    version_text = request.form.get("to_version", "")
    version = int(version_text) if version_text.isdigit() else None
    errors = {}
    if action not in ACTIONS:
        errors["action"] = "Choose what to do"
    if not reason:
        errors["reason"] = "Enter a reason"
    if action == "migrate" and version is None:
        errors["to_version"] = "Choose the version to move to"
    if errors:
        return _form(errors, 422)
    if action == "migrate" and request.form.get("confirmed") != "yes":
        plans: list[MigrationPreview | str] = []
        for i in _sample(ids, where):
            try:
                plans.append(preview(engine(), i, version or 0))
            except RedressError as exc:
                plans.append(f"Case {i}: {exc}")
        return _form(plans=plans, action=action, reason=reason, to_version=version)
    try:
        made = create_batch(engine(), action, user=user().username, reason=reason, ids=ids,
                            where=where, to_version=version)
    except RedressError as exc:
        return _form({"action": str(exc)}, 422)
    flash(f"Batch {made.id} started: {made.total} cases to {action}")
    return redirect(url_for("operations.batch_detail", batch_id=made.id))


@bp.get("/operations/batches")
@requires(Permission.MANAGE_INSTANCES)
def batches() -> str:
    """Every batch with its progress."""
    return render_template("operations/batches.html", batches=list_batches(engine()))


@bp.get("/operations/batches/<id:batch_id>")
@requires(Permission.MANAGE_INSTANCES)
def batch_detail(batch_id: int) -> str:
    """One batch: done, failed and pending, and why items failed."""
    return render_template("operations/batch.html", b=batch(engine(), batch_id))


@bp.post("/operations/batches/<id:batch_id>/stop")
@requires(Permission.MANAGE_INSTANCES)
def batch_stop(batch_id: int) -> Response:
    """Stop a batch; pending cases are left as they are."""
    stop_batch(engine(), batch_id, user=user().username)
    flash(f"Batch {batch_id} stopped")
    return redirect(url_for("operations.batch_detail", batch_id=batch_id))
