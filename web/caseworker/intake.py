"""Log a new complaint and see what triage decided; find a case by reference or client."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from web.access import requires
from web.caseworker.blueprint import bp
from web.caseworker.guard import check_case
from web.context import engine, user
from web.forms import Form, build_form, form_values, initial_data, parse_form, render_fields
from web.problems import Forbidden
from workflows.intake import (
    INTAKE_ROLES,
    PARTIES_SCHEMA,
    REFUSALS,
    ROUTES,
    IntakeRefused,
    contact_schema,
    log_complaint,
    schema_errors,
    triage_result,
)
from workflows.roles import Permission
from workflows.search import search

_OWN = ("source", "received_date")  # asked once, in the page's own questions


def _contact_part(schema: dict[str, Any]) -> dict[str, Any]:
    """The deployed contact form without the questions the page asks itself."""
    props = {k: v for k, v in schema.get("properties", {}).items() if k not in _OWN}
    return {**schema, "properties": props,
            "required": [r for r in schema.get("required", []) if r not in _OWN]}


def _check_roles() -> None:
    if INTAKE_ROLES.isdisjoint(user().roles):
        raise Forbidden("Caseworkers, team leaders and case managers log new complaints")


def _page(parties: Form, contact: Form, status: int = 200, refused: IntakeRefused | None = None
          ) -> tuple[str, int]:
    summary = parties.summary + contact.summary
    return render_template("caseworker/new_complaint.html", parties=render_fields(parties),
                           contact=render_fields(contact), summary=summary,
                           refused=refused), status


def _received_problem(value: Any) -> str | None:
    if isinstance(value, str) and value and date.fromisoformat(value) > engine().clock.now(
            ).date():
        return "‘Received on’ must be today or in the past"
    return None


@bp.route("/complaints/new", methods=["GET", "POST"])
@requires(Permission.START_INSTANCE)
def new_complaint() -> Response | tuple[str, int]:
    """The contact record and the parties; on submit, start the case and show triage."""
    _check_roles()
    contact_schema_part = _contact_part(contact_schema(engine()))
    if request.method == "GET":
        defaults = form_values(contact_schema_part, initial_data(contact_schema_part, {}))
        return _page(build_form(PARTIES_SCHEMA, {}), build_form(contact_schema_part, defaults))
    posted = request.form.to_dict(flat=False)
    posted.pop("csrf_token", None)
    parties = parse_form(PARTIES_SCHEMA, posted)
    contact = parse_form(contact_schema_part, posted)
    problems = dict(parties.problems)
    if "received_date" not in problems and (late := _received_problem(
            parties.data.get("received_date"))):
        problems["received_date"] = late
    party_errors = schema_errors(PARTIES_SCHEMA, parties.data)
    contact_errors = [] if contact.problems else schema_errors(contact_schema_part, contact.data)
    if problems or party_errors or contact.problems or contact_errors:
        return _page(build_form(PARTIES_SCHEMA, posted, problems=problems, errors=party_errors),
                     build_form(contact_schema_part, posted, problems=contact.problems,
                                errors=contact_errors, rows=contact.rows), 422)
    data = parties.data
    try:
        result = log_complaint(
            engine(), reference=str(data["reference"]).upper(), division=data["division"],
            received=date.fromisoformat(data["received_date"]), source=data["source"],
            parties={k: data.get(k) for k in ("client", "representative", "mp")},
            contact=contact.data, user=user().username)
    except IntakeRefused as refused:
        form = build_form(PARTIES_SCHEMA, posted, problems={"reference": str(refused)})
        return _page(form, build_form(contact_schema_part, posted), 409, refused)
    return redirect(url_for(".logged", instance_id=result.record.id))


@bp.get("/complaints/<id:instance_id>/logged")
@requires(Permission.VIEW_INSTANCES)
def logged(instance_id: int) -> str:
    """What triage decided for a complaint just logged: route, tier, owner, deadline."""
    result = triage_result(engine(), check_case(engine().instance(instance_id, with_data=False)))
    return render_template("caseworker/intake_result.html", result=result, routes=ROUTES,
                           refusals=REFUSALS)


@bp.get("/cases")
@requires(Permission.VIEW_INSTANCES)
def find() -> str:
    """Find a case by complaint reference, client reference or client name."""
    text = request.args.get("q", "").strip()[:200]
    hits = search(engine(), text) if text else []
    problem = Markup("") if not text or len(text) >= 2 else "Enter at least 2 characters"
    return render_template("caseworker/find.html", q=text, hits=hits, problem=problem)
