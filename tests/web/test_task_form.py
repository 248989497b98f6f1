"""The task page: its generated form, claim, release, complete, and the ways completing fails."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from engine import Engine, TaskRecord
from tests.web.conftest import Login, form_csrf
from web.forms import build_form, form_values, initial_data

COMPLAINT_FORMS = sorted((Path(__file__).resolve().parents[2] / "bpmn" / "complaints" / "forms")
                         .glob("*.schema.json"))
LOG_CONTACT = {"source": "client", "contact_type": "dissatisfaction", "subject": "payment_delay",
               "complaint_details": "Payments to the receiving parent arrived late twice.",
               "issues": "Late payments", "case_open": "true"}  # as the browser posts it
RENDER = ('{% import "_form.html" as forms %}{{ forms.error_summary(form.summary) }}'
          '{% for f in form.fields %}{{ forms.field(f) }}{% endfor %}')


class _Inputs(HTMLParser):
    """Every control's id and name, every label's ``for``, and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append((str(found.get("id")), str(found.get("name"))))


def _start(engine: Engine, key: str = "CMS-7001") -> TaskRecord:
    engine.start("complaint_journey", business_key=key, user="postroom",
                 data={"received_date": "2026-03-27", "division": "england-and-wales",
                       "client": {"name": "Ms Alex Smith", "postcode": "EX1 1AA",
                                  "address": ["1 Example Row", "Exampleton"]}})
    [task] = engine.tasks(business_key=key)
    assert task.spec_id == "in_log"
    return task


def _post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": form_csrf(client, "/inbox")})


def _claim_and_complete(client: FlaskClient, task_id: str, data: dict[str, Any]) -> Any:
    """Claim, then complete: a task is completed by the person holding it."""
    _post(client, f"/tasks/{task_id}/claim", {})
    return _post(client, f"/tasks/{task_id}/complete", data)


@pytest.mark.parametrize("path", COMPLAINT_FORMS, ids=lambda p: p.name)
def test_every_complaints_form_renders_with_a_label_for_each_control(app: Flask,
                                                                     path: Path) -> None:
    schema = json.loads(path.read_text())
    form = build_form(schema, form_values(schema, initial_data(schema, {})), spare_rows=2,
                      errors=["(form): 'nothing' is a required property"])
    with app.test_request_context():
        html = render_template_string(RENDER, form=form)
    page = _Inputs()
    page.feed(html)
    assert page.controls, f"{path.name} drew no inputs"
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    unlabelled = [c for c in page.controls if c[0] not in page.label_for]
    assert not unlabelled
    drawn = {name for _, name in page.controls}
    top = {k for k in schema["properties"]}
    assert top <= {re.sub(r"-(day|month|year)$", "", n.split(".")[0]) for n in drawn}


def test_task_page_shows_the_case_the_queue_and_the_form(client: FlaskClient, login_as: Login,
                                                         api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in inbox and f'href="/cases/{task.instance_id}"' in inbox
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Log contact and triage facts</h1>' in page
    assert "CMS-7001" in page and "Caseworker queue" in page and "Dissatisfaction" in page
    assert "Log Complaint" in page and "Ms Alex Smith" in page  # the stage and the client
    assert "Claim this task" in page and 'id="task-form"' not in page  # claim before work
    _post(client, f"/tasks/{task.id}/claim", {})
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert re.search(r'<label class="govuk-label govuk-label--s" for="f-complaint_details">\s*'
                     r'Complaint details', page)
    assert re.search(r'name="received_date-day" type="text" value="27"', page)  # UK fields
    assert re.search(r'name="received_date-year" type="text" value="2026"', page)
    assert re.search(r'id="f-case_open" name="case_open" type="checkbox" value="true"\s*checked',
                     page)  # the default


def test_completing_goes_back_to_the_inbox_with_the_next_task(client: FlaskClient,
                                                              login_as: Login,
                                                              api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    response = _claim_and_complete(client, task.id, LOG_CONTACT)
    assert (response.status_code, response.headers["Location"]) == (302, "/inbox")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Completed: Log contact and triage facts for CMS-7001" in inbox
    assert "Call the client" in inbox
    data = api_engine.instance(task.instance_id).data
    assert data["issues"] == ["Late payments"] and data["staff_complaint"] is False
    assert data["case_open"] is True and data.get("case_closed_date") is None


def test_invalid_answers_come_back_422_with_values_kept_and_errors_by_their_fields(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    response = _claim_and_complete(
        client, task.id, {"complaint_details": "Kept <b>as typed</b>",
                          "appealable_decision": "true", "contact_type": "dissatisfaction",
                          "previous_dissatisfaction_date-day": "31",
                          "previous_dissatisfaction_date-month": "2",
                          "previous_dissatisfaction_date-year": "2026"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: Log contact and triage facts" in page
    assert "There is a problem" in page and 'data-module="govuk-error-summary"' in page
    assert '<a href="#f-previous_dissatisfaction_date-day">‘Previous dissatisfaction on this ' \
           'issue on’ must be a real date' in page  # 31 February, said in words
    assert 'name="previous_dissatisfaction_date-day" type="text" value="31"' in page  # kept
    assert 'value="Kept &lt;b&gt;as typed&lt;/b&gt;"' not in page  # nothing drawn unescaped
    assert ">Kept &lt;b&gt;as typed&lt;/b&gt;</textarea>" in page
    assert api_engine.task(task.id).status == "open"
    fixed = _post(client, f"/tasks/{task.id}/complete",
                  {"complaint_details": "Kept", "appealable_decision": "true",
                   "contact_type": "dissatisfaction"})
    page = fixed.get_data(as_text=True)
    assert fixed.status_code == 422
    assert '<a href="#f-source">Select raised by</a>' in page
    assert '<a href="#f-subject">Enter subject category</a>' in page
    assert ('<a href="#f-decision_date-day">Enter a date for ‘Date of the original decision’</a>'
            in page)
    error = re.search(r'<p id="f-subject-error" class="govuk-error-message">(.*?)</p>', page,
                      re.S)
    assert error and "Enter subject category" in error.group(1)
    assert re.search(r'aria-describedby="[^"]*f-subject-error', page)
    assert re.search(r'name="appealable_decision" type="checkbox" value="true"\s*checked', page)
    assert api_engine.task(task.id).status == "open"


def test_a_row_error_points_at_the_row_the_user_filled_in(client: FlaskClient,
                                                          login_as: Login,
                                                          api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    _claim_and_complete(client, task.id, LOG_CONTACT)
    [call] = api_engine.tasks(instance_id=task.instance_id)
    _claim_and_complete(client, call.id, {"phone_contact_made": "false"})
    [investigate] = api_engine.tasks(instance_id=task.instance_id)
    assert investigate.spec_id == "ds_investigate"
    _post(client, f"/tasks/{investigate.id}/claim", {})
    page = client.get(f"/tasks/{investigate.id}").get_data(as_text=True)
    assert 'name="reasons.2.reason"' in page  # blank rows to fill in
    response = _post(client, f"/tasks/{investigate.id}/complete",
                     {"reasons.0.reason": "", "reasons.0.type": "",
                      "reasons.1.reason": "Paid late", "reasons.1.type": "",
                      "root_cause": "system_error"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#f-reasons-1-type">Reasons, entry 2: Select type</a>' in page
    assert 'id="f-reasons-1-type-error"' in page and 'value="Paid late"' in page


def test_someone_in_another_queue_may_not_see_or_work_the_task(client: FlaskClient,
                                                               login_as: Login,
                                                               api_engine: Engine) -> None:
    login_as("review_case_manager")
    task = _start(api_engine)
    assert client.get(f"/tasks/{task.id}").status_code == 403
    assert _post(client, f"/tasks/{task.id}/complete", LOG_CONTACT).status_code == 403
    assert _post(client, f"/tasks/{task.id}/claim", {}).status_code == 403
    assert api_engine.task(task.id).status == "open"


def test_a_task_someone_else_completed_first_is_a_clear_409(client: FlaskClient,
                                                            login_as: Login,
                                                            api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    _post(client, f"/tasks/{task.id}/claim", {})
    csrf = form_csrf(client, f"/tasks/{task.id}")
    typed = {k: v for k, v in LOG_CONTACT.items() if k not in ("issues", "case_open")}
    api_engine.release(task.id, user="team_leader", roles={"team_leader"})
    api_engine.complete(task.id, typed, user="other-caseworker", roles={"caseworker"})
    response = client.post(f"/tasks/{task.id}/complete", data={**LOG_CONTACT, "csrf_token": csrf})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else completed this task" in page and "other-caseworker" in page
    assert 'id="task-form"' not in page


def test_claim_and_release_and_a_claim_by_someone_else(client: FlaskClient, login_as: Login,
                                                       api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    claimed = _post(client, f"/tasks/{task.id}/claim", {})
    assert claimed.status_code == 302 and api_engine.task(task.id).assignee == "caseworker"
    page = client.get(claimed.headers["Location"]).get_data(as_text=True)
    assert "You claimed Log contact and triage facts" in page and "Release to the queue" in page
    assert _post(client, f"/tasks/{task.id}/release", {}).status_code == 302
    assert api_engine.task(task.id).assignee is None
    api_engine.claim(task.id, user="colleague", roles={"caseworker"})
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "colleague is working on this task" in page and 'id="task-form"' not in page
    taken = _post(client, f"/tasks/{task.id}/claim", {})
    assert taken.status_code == 409 and "Someone else claimed" in taken.get_data(as_text=True)
    refused = _post(client, f"/tasks/{task.id}/complete", LOG_CONTACT)
    assert refused.status_code == 409 and "colleague holds this task" in refused.get_data(
        as_text=True)
    assert api_engine.task(task.id).status == "open"


def test_completing_an_unclaimed_task_asks_to_claim_it_first_and_keeps_the_answers(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    response = _post(client, f"/tasks/{task.id}/complete", LOG_CONTACT)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Claim this task before you complete it" in page
    assert f">{LOG_CONTACT['complaint_details']}</textarea>" in page
    assert api_engine.task(task.id).status == "open"


def test_a_draft_is_kept_per_person_and_dropped_when_the_task_is_completed(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    _post(client, f"/tasks/{task.id}/claim", {})
    saved = _post(client, f"/tasks/{task.id}/complete",
                  {"complaint_details": "Half written", "action": "draft"})
    assert saved.status_code == 302 and api_engine.task(task.id).status == "open"
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Draft saved" in page and ">Half written</textarea>" in page
    assert "Your draft from" in page
    assert _claim_and_complete(client, task.id, LOG_CONTACT).status_code == 302
    from workflows.notes import draft
    assert draft(api_engine, task.id, "caseworker") is None


def test_posting_without_the_form_token_is_refused(client: FlaskClient, login_as: Login,
                                                   api_engine: Engine) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    assert client.post(f"/tasks/{task.id}/complete", data=LOG_CONTACT).status_code == 403
    assert client.post(f"/tasks/{task.id}/claim").status_code == 403
    assert api_engine.task(task.id).status == "open"


def test_unknown_task_is_404(client: FlaskClient, login_as: Login) -> None:
    login_as("caseworker")
    assert client.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_suspended_case_keeps_the_answers_and_says_why_nothing_was_saved(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    task = _start(api_engine)
    api_engine.suspend(task.instance_id, user="ops")
    response = _claim_and_complete(client, task.id, LOG_CONTACT)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The case is suspended or closed" in page
    assert f">{LOG_CONTACT['complaint_details']}</textarea>" in page
    assert api_engine.task(task.id).status == "open"
