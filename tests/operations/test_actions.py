"""Actions on one case: each needs a reason, is role-gated and audited; data repairs are
checked against the forms; an incident is fixed and retried."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine import Engine, InvalidStateError, ValidationError
from engine.variables import set_variables
from tests.engine.conftest import buffer_unchecked_message, diagram_files, runaway_case
from tests.operations.conftest import LOG_COMPLAINT, start, start_with_incident
from tests.web.conftest import Login, form_csrf
from workflows.variable_edits import edit_variable


def _post(client: FlaskClient, path: str, page: str, **form: str) -> object:
    return client.post(path, data={"csrf_token": form_csrf(client, page), **form})


def test_detail_page_shows_diagram_data_waits_and_history(
    complaints: Engine, client: FlaskClient, login_as: Login
) -> None:
    case = start(complaints, client={"name": "Robin Sample"})
    login_as("operations")
    page = client.get(f"/operations/instances/{case.id}").get_data(as_text=True)
    assert "data-redress-diagram" in page
    assert f"/operations/instances/{case.id}/diagram.json" in page
    assert "Robin Sample" in page  # case data, read only
    assert "Log contact and triage facts" in page or "in_log" in page  # waiting task
    assert "Case opened" in page  # history


def test_suspend_needs_a_reason_then_is_audited_and_blocks_caseworkers(
    complaints: Engine, client: FlaskClient, login_as: Login
) -> None:
    case = start(complaints)
    page = f"/operations/instances/{case.id}"
    login_as("operations")
    refused = _post(client, f"{page}/suspend", page, reason="  ")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Enter a reason" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert complaints.instance(case.id).status == "active"
    done = _post(client, f"{page}/suspend", page, reason="Duplicate of CMS-0009?")
    assert done.status_code == 302  # type: ignore[attr-defined]
    assert complaints.instance(case.id).status == "suspended"
    [entry] = [a for a in complaints.audit(case.id) if a.action == "instance_suspended"]
    assert entry.actor == "operations" and entry.detail["reason"] == "Duplicate of CMS-0009?"
    [task] = complaints.tasks(instance_id=case.id)
    with pytest.raises(InvalidStateError, match="suspended"):
        complaints.complete(task.id, LOG_COMPLAINT, user="cw", roles={"caseworker"})
    assert _post(client, f"{page}/resume", page, reason="Not a duplicate").status_code == 302  # type: ignore[attr-defined]
    assert complaints.instance(case.id).status == "active"


def test_caseworkers_cannot_suspend(complaints: Engine, client: FlaskClient,
                                    login_as: Login) -> None:
    case = start(complaints)
    login_as("caseworker")
    reply = _post(client, f"/operations/instances/{case.id}/suspend", "/inbox", reason="x")
    assert reply.status_code == 403  # type: ignore[attr-defined]


def test_fix_the_division_behind_an_incident_then_retry(
    complaints: Engine, client: FlaskClient, login_as: Login
) -> None:
    case = start_with_incident(complaints)
    [incident] = complaints.incidents(instance_id=case.id)
    page = f"/operations/instances/{case.id}"
    login_as("operations")
    shown = client.get(page).get_data(as_text=True)
    assert "unknown UK division" in shown and "Retry" in shown
    bad = _post(client, f"{page}/variables", page, key="division", value="mars",
                reason="typo at intake")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "is not one of" in bad.get_data(as_text=True)  # type: ignore[attr-defined]
    fixed = _post(client, f"{page}/variables", page, key="division", value="scotland",
                  reason="client lives in Glasgow")
    assert fixed.status_code == 302  # type: ignore[attr-defined]
    assert complaints.instance(case.id).data["division"] == "scotland"
    [edit] = [a for a in complaints.audit(case.id) if a.action == "variables_edited"]
    assert edit.detail["changes"]["division"] == {"before": "atlantis", "after": "scotland"}
    assert edit.detail["reason"] == "client lives in Glasgow"
    retried = _post(client, f"{page}/incidents/{incident.id}/retry", page,
                    reason="division fixed")
    assert retried.status_code == 302  # type: ignore[attr-defined]
    assert complaints.incidents(instance_id=case.id) == []
    assert complaints.instance(case.id).summary.get("response_due")  # the deadline worked out


def test_a_refused_message_incident_says_nothing_runs_again_and_is_marked_dealt_with(
    api_engine: Engine, client: FlaskClient, login_as: Login
) -> None:
    """A message buffered unchecked by an older release is refused on delivery (decision
    0030): retrying would run nothing, so the page says what to do and records it as done."""
    api_engine.deploy(diagram_files("race.bpmn"), name="race", user="analyst")
    buffer_unchecked_message(api_engine, "OLD-9", "client_reply", {"typename": "x"})
    case = api_engine.start("race", business_key="OLD-9", data={}, user="cw1")
    [incident] = api_engine.incidents(instance_id=case.id)
    page = f"/operations/instances/{case.id}"
    login_as("operations")
    shown = client.get(page).get_data(as_text=True)
    assert "Nothing runs again" in shown and "Mark as dealt with" in shown
    assert ">Retry<" not in shown
    done = _post(client, f"{page}/incidents/{incident.id}/retry", page,
                 reason="sender asked to resend")
    assert done.status_code == 302  # type: ignore[attr-defined]
    assert api_engine.incidents(instance_id=case.id) == []
    after = client.get(page).get_data(as_text=True)
    assert "Dealt with" in after and "Mark as dealt with" not in after


def test_a_step_limit_incident_says_resume_the_case_and_is_marked_dealt_with(
    api_engine: Engine, client: FlaskClient, login_as: Login
) -> None:
    """A step over its limit was rolled back and its case suspended: retrying would run
    nothing, so the card says to resume the case and records the incident as dealt with."""
    case, _ = runaway_case(api_engine, "SPIN-1")
    [incident] = api_engine.incidents(instance_id=case.id)
    page = f"/operations/instances/{case.id}"
    login_as("operations")
    shown = client.get(page).get_data(as_text=True)
    assert "Nothing runs again" in shown and "resume the case" in shown
    assert "Mark as dealt with" in shown and ">Retry<" not in shown
    resumed = _post(client, f"{page}/resume", page, reason="loop's data corrected")
    assert resumed.status_code == 302  # type: ignore[attr-defined]
    done = _post(client, f"{page}/incidents/{incident.id}/retry", page,
                 reason="data corrected and case resumed")
    assert done.status_code == 302  # type: ignore[attr-defined]
    assert api_engine.incidents(instance_id=case.id) == []
    assert api_engine.instance(case.id).status == "active"
    after = client.get(page).get_data(as_text=True)
    assert "Dealt with" in after and "Mark as dealt with" not in after


def test_edits_are_checked_against_forms_and_start_data(complaints: Engine) -> None:
    case = start(complaints)
    with pytest.raises(ValidationError, match="no form"):
        edit_variable(complaints, case.id, "made_up_field", "1", user="ops", reason="x")
    with pytest.raises(ValidationError, match="not valid"):
        edit_variable(complaints, case.id, "received_date", "yesterday", user="ops", reason="x")
    with pytest.raises(ValidationError, match="why"):
        edit_variable(complaints, case.id, "subject", "late letter", user="ops", reason=" ")
    edit_variable(complaints, case.id, "vulnerable", "true", user="ops", reason="call notes")
    assert complaints.instance(case.id).data["vulnerable"] is True


def test_an_edit_holding_the_state_s_reserved_key_is_refused_and_the_case_loads_on(
    complaints: Engine,
) -> None:
    """Set straight through ``set_variables`` (the form rules a field's edit passes allow any
    object where a form does): a ``typename`` dict would make every later load fail."""
    case = start(complaints)
    before = complaints.instance(case.id).revision
    with pytest.raises(ValidationError, match="'typename'"):
        set_variables(complaints, case.id, {"contact": {"typename": "Task"}}, user="ops",
                      reason="hostile")
    complaints.runtime.cache.clear()
    assert complaints.instance(case.id).revision == before
    set_variables(complaints, case.id, {"contact": {"kind": "phone"}}, user="ops", reason="ok")
    assert complaints.instance(case.id).data["contact"] == {"kind": "phone"}


def test_cancel_is_audited_with_its_reason(complaints: Engine, client: FlaskClient,
                                           login_as: Login) -> None:
    case = start(complaints)
    page = f"/operations/instances/{case.id}"
    login_as("operations")
    assert _post(client, f"{page}/cancel", page, reason="duplicate").status_code == 302  # type: ignore[attr-defined]
    assert complaints.instance(case.id).status == "cancelled"
    assert "Cancel case" not in client.get(page).get_data(as_text=True)


def test_incident_in_words_and_private_values_hidden(complaints: Engine, client: FlaskClient,
                                                     login_as: Login) -> None:
    case = start_with_incident(complaints)
    login_as("operations")
    page = client.get(f"/operations/instances/{case.id}").get_data(as_text=True)
    assert "What failed: unknown UK division &#39;atlantis&#39;" in page
    assert "Private: not shown" in page  # complaint_details
    assert "&#34;late&#34;" not in page and '"late"' not in page
