"""The case page: summary with the parties, what it waits for, tasks, payments, letters,
files, notes and a readable timeline; adding a note; uploading a letter or evidence."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request
from flask import url_for as url
from jinja2 import TemplateNotFound
from werkzeug.wrappers import Response

from engine import NotFoundError
from web.access import requires
from web.case_history import labels_of, timeline
from web.caseworker.blueprint import bp
from web.caseworker.guard import check_case, check_history
from web.caseworker.present import case_facts, payment_facts
from web.context import engine, user
from workflows.case_forms import case_forms
from workflows.incoming import waiting_events
from workflows.notes import add_note, notes
from workflows.roles import Permission
from workflows.services import describe
from workflows.uploads import KINDS, UploadError, file_content, files, store

_DIAGRAM = "_diagram.html"


def render_case(instance_id: int, status: int = 200, **extra: object) -> tuple[str, int]:
    """The case page (also drawn again, with errors, by the forms posted from it)."""
    eng = engine()
    record = check_case(eng.instance(instance_id))
    view = describe(eng, record)
    names = {t.id: t.name for t in eng.tasks(instance_id=instance_id, status=None, limit=2000)}
    caller = user()
    events = [e for e in waiting_events(eng, record.business_key) if e.allowed(caller.roles)]
    has_diagram = _has_diagram()
    return render_template(
        "caseworker/case.html", view=view, data=record.data, facts=case_facts(record.data),
        payment=payment_facts(record.data), letters=eng.documents(instance_id),
        files=files(eng, instance_id), notes=notes(eng, instance_id), events=events,
        history=timeline(check_history(record, eng.audit(instance_id)), names,
                         labels_of(case_forms(eng, instance_id)))[::-1],
        kinds=KINDS, staff_complaint=bool(record.data.get("staff_complaint")),
        has_diagram=has_diagram, my_roles=set(caller.roles), **extra), status


def _has_diagram() -> bool:
    """Whether the operations area's diagram partial is there to include."""
    try:
        current_app.jinja_env.get_template(_DIAGRAM)
    except TemplateNotFound:
        return False
    return True


@bp.get("/cases/<id:instance_id>")
@requires(Permission.VIEW_INSTANCES)
def case(instance_id: int) -> tuple[str, int]:
    """Show a case: summary, parties, what it waits for, tasks, money, letters, notes, history."""
    return render_case(instance_id)


@bp.post("/cases/<id:instance_id>/notes")
@requires(Permission.VIEW_TASKS)
def note(instance_id: int) -> Response | tuple[str, int]:
    """Add a dated note to the case."""
    check_case(engine().instance(instance_id, with_data=False))
    text = request.form.get("note", "")
    try:
        add_note(engine(), instance_id, user().username, text)
    except ValueError as exc:
        return render_case(instance_id, 422, note_error=str(exc), note_text=text)
    flash("Note added to the case.")
    return redirect(url(".case", instance_id=instance_id) + "#notes")


@bp.post("/cases/<id:instance_id>/files")
@requires(Permission.WORK_TASKS)
def upload(instance_id: int) -> Response | tuple[str, int]:
    """Keep an inbound letter or evidence with the case (type and size checked)."""
    record = check_case(engine().instance(instance_id))
    sent = request.files.get("file")
    kind = request.form.get("kind", "")
    try:
        if sent is None or not sent.filename:
            raise UploadError("Select a file")
        stored = store(engine(), instance_id, kind=kind, name=sent.filename,
                       content=sent.read(), uploaded_by=user().username,
                       staff_complaint=bool(record.data.get("staff_complaint")),
                       redacted=request.form.get("redacted") == "yes")
    except UploadError as exc:
        return render_case(instance_id, 422, upload_error=str(exc), upload_kind=kind)
    flash(f"{stored.name} added to the case as {stored.kind_name.lower()}.")
    return redirect(url(".case", instance_id=instance_id) + "#files")


@bp.get("/cases/<id:instance_id>/files/<id:file_id>")
@requires(Permission.VIEW_INSTANCES)
def case_file(instance_id: int, file_id: int) -> Response:
    """Download a file of the case: always an attachment, never drawn by the browser."""
    check_case(engine().instance(instance_id, with_data=False))
    try:
        meta, content = file_content(engine(), instance_id, file_id)
    except NotFoundError as exc:
        raise NotFoundError("There is no such file on this case") from exc
    response = Response(content, mimetype=meta.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{meta.name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/cases/<id:instance_id>/letters/<id:letter_id>")
@requires(Permission.VIEW_LETTERS)
def letter(instance_id: int, letter_id: int) -> Response:
    """A letter of the case as its PDF: inline for the preview, ``?download=1`` to save it."""
    check_case(engine().instance(instance_id, with_data=False))
    found = next((d for d in engine().documents(instance_id) if d.id == letter_id), None)
    if found is None:
        raise NotFoundError("There is no such letter on this case")
    response = Response(engine().document_content(letter_id), mimetype=found.content_type)
    how = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f'{how}; filename="{found.name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
