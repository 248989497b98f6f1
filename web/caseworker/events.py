"""Record what arrived from outside (a reply, a referral, a decision) from the case page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web.access import requires
from web.caseworker.blueprint import bp
from web.caseworker.guard import check_case
from web.context import engine, user
from web.forms import build_form, form_values, parse_form
from web.problems import Forbidden
from workflows.incoming import EVENTS, Event, record_event, waiting_events
from workflows.intake import schema_errors
from workflows.roles import Permission


def _event(instance_id: int, message: str) -> tuple[Event, str]:
    """The event, if the case waits for it and the caller may record it."""
    record = check_case(engine().instance(instance_id, with_data=False))
    found = EVENTS.get(message)
    if found is None or not found.allowed(user().roles):
        raise Forbidden("Your queues cannot record this for a case")
    if found not in waiting_events(engine(), record.business_key):
        raise Forbidden("This case is not waiting for that now")
    return found, record.business_key


@bp.route("/cases/<id:instance_id>/events/<message>", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def event(instance_id: int, message: str) -> Response | tuple[str, int]:
    """A short form for what arrived; on submit the case's waiting message is delivered."""
    found, key = _event(instance_id, message)
    posted = request.form.to_dict(flat=False) if request.method == "POST" else {}
    posted.pop("csrf_token", None)
    form = build_form(found.schema, posted or form_values(found.schema, {}))
    if request.method == "POST":
        submission = parse_form(found.schema, posted)
        errors = [] if submission.problems else schema_errors(found.schema, submission.data)
        if submission.problems or errors:
            form = build_form(found.schema, posted, problems=submission.problems, errors=errors)
        else:
            record_event(engine(), found, key, submission.data, user=user().username)
            flash(f"Recorded: {found.title.lower()} for {key}.")
            return redirect(url_for(".case", instance_id=instance_id))
    status = 422 if form.summary else 200
    return render_template("caseworker/event.html", event=found, form=form,
                           instance_id=instance_id, business_key=key), status
