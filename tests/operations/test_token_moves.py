"""Moving a token (decision 0023): the work at one element is taken away and another element of
the same running process is made ready with the case data as it stands, in one ordinary step
that re-projects task rows, timers and subscriptions and audits the reason. What cannot be done
is refused in words."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine import Engine, InvalidStateError, ValidationError
from engine.cache import WorkflowCache
from engine.inspection import subscriptions
from tests.operations.conftest import LOG_COMPLAINT, start, start_with_incident
from tests.web.conftest import Login, form_csrf
from workflows.variable_edits import edit_variable


def _logged(engine: Engine, key: str = "CMS-0201") -> int:
    """A complaint logged and in the resolution tier (tier 1), waiting at its first letter."""
    case = start(engine, key)
    [task] = engine.tasks(instance_id=case.id)
    engine.complete(task.id, LOG_COMPLAINT, user="cw", roles={"caseworker"})
    return case.id


def _cold(engine: Engine) -> None:
    """Forget warm workflows, so the next step loads the stored state (a save/restore)."""
    engine.runtime.cache = WorkflowCache(10)


def test_move_within_a_called_process_makes_the_target_ready_with_the_case_data(
        complaints: Engine) -> None:
    case_id = _logged(complaints)
    tokens, places = complaints.move_options(case_id)
    assert ("complaint_resolution", "rs_ack") in {(t.process_id, t.element_id) for t in tokens}
    assert "rs_investigate" in {p.element_id for p in places}
    edit_variable(complaints, case_id, "subject", "payment delay", user="ops", reason="typo")
    moved = complaints.move_token(case_id, process_id="complaint_resolution",
                                  from_element="rs_ack", to_element="rs_investigate",
                                  user="ops", reason="letter sent by hand")
    [task] = complaints.tasks(instance_id=case_id)
    assert (task.spec_id, task.lane) == ("rs_investigate", "resolution_case_manager")
    assert moved.data["client"] == {"name": "Alex Example"}
    assert moved.data["subject"] == "payment delay"  # the data as it stood, not as it was
    assert [j.status for j in complaints.jobs(case_id) if j.spec_id == "rs_ack"] == ["cancelled"]
    [entry] = [a for a in complaints.audit(case_id) if a.action == "token_moved"]
    assert entry.actor == "ops" and entry.detail["reason"] == "letter sent by hand"
    assert (entry.detail["from_element"], entry.detail["to_element"]) == ("rs_ack",
                                                                          "rs_investigate")
    _cold(complaints)
    complaints.claim(task.id, user="rcm", roles={"resolution_case_manager"})
    assert complaints.task(task.id).assignee == "rcm"  # the stored state works on


def test_move_back_a_tier_restarts_the_called_process_and_reprojects_waits(
        complaints: Engine) -> None:
    case_id = _logged(complaints, "CMS-0202")
    complaints.move_token(case_id, process_id="complaint_journey",
                          from_element="j_resolution", to_element="j_await_review",
                          user="ops", reason="resolution was sent on paper")
    assert complaints.tasks(instance_id=case_id) == []
    waiting = {s.message_name for s in subscriptions(complaints, case_id)}
    assert "review_requested" in waiting
    assert [t.spec_id for t in complaints.timers(case_id) if t.status == "waiting"] == [
        "j_review_timeout"]
    _cold(complaints)
    back = complaints.move_token(case_id, process_id="complaint_journey",
                                 from_element="j_await_review", to_element="j_dissat",
                                 user="ops", reason="should have been tier 0")
    assert back.summary.get("tier") == "dissatisfaction"
    assert [t.spec_id for t in complaints.tasks(instance_id=case_id)] == ["ds_call"]
    assert waiting - {s.message_name for s in subscriptions(complaints, case_id)}
    assert [t.status for t in complaints.timers(case_id)
            if t.spec_id == "j_review_timeout"] == ["cancelled"]


def test_moving_past_a_failed_script_resolves_its_incident(complaints: Engine) -> None:
    case = start_with_incident(complaints, "CMS-0203")
    [incident] = complaints.incidents(instance_id=case.id)
    complaints.move_token(case.id, process_id="complaint_journey", from_element="j_resolution",
                          to_element="j_dissat", user="ops", reason="tier 0 first")
    assert complaints.incidents(instance_id=case.id) == []
    [entry] = [a for a in complaints.audit(case.id) if a.action == "token_moved"]
    assert entry.detail["incidents_resolved"] == [incident.id]


@pytest.mark.parametrize(("process_id", "source", "target", "error", "words"), [
    ("complaint_journey", "j_resolution", "j_route", ValidationError, "not a step a case can"),
    ("complaint_journey", "j_resolution", "j_jr", ValidationError, "not a step a case can"),
    ("complaint_journey", "j_resolution", "ds_call", ValidationError, "only within the proc"),
    ("complaint_review", "rv_x", "rv_y", ValidationError, "not running in this case"),
    ("complaint_journey", "j_open", "j_dissat", InvalidStateError, "no token waits at"),
])
def test_what_cannot_be_moved_is_refused_in_words(
        complaints: Engine, process_id: str, source: str, target: str,
        error: type[Exception], words: str) -> None:
    case_id = _logged(complaints, "CMS-0204")
    with pytest.raises(error, match=words):
        complaints.move_token(case_id, process_id=process_id, from_element=source,
                              to_element=target, user="ops", reason="x")
    assert not [a for a in complaints.audit(case_id) if a.action == "token_moved"]


def test_a_suspended_case_cannot_be_moved(complaints: Engine) -> None:
    case_id = _logged(complaints, "CMS-0205")
    complaints.suspend(case_id, user="ops", reason="check")
    with pytest.raises(InvalidStateError, match="suspended"):
        complaints.move_token(case_id, process_id="complaint_resolution",
                              from_element="rs_ack", to_element="rs_investigate",
                              user="ops", reason="x")


def test_move_page_needs_a_reason_and_the_operations_role(
        complaints: Engine, client: FlaskClient, login_as: Login) -> None:
    case_id = _logged(complaints, "CMS-0206")
    page = f"/operations/instances/{case_id}"
    form = {"token": "complaint_resolution/rs_ack", "target": "complaint_resolution/rs_investigate"}
    login_as("caseworker")
    denied = client.post(f"{page}/move", data={"csrf_token": form_csrf(client, "/inbox"),
                                               "reason": "x", **form})
    assert denied.status_code == 403
    login_as("operations")
    shown = client.get(page).get_data(as_text=True)
    assert "Move the case to another step" in shown and "Investigate the complaint" in shown
    refused = client.post(f"{page}/move", data={"csrf_token": form_csrf(client, page),
                                                "reason": " ", **form})
    assert refused.status_code == 422 and "Enter a reason" in refused.get_data(as_text=True)
    wrong = client.post(f"{page}/move", data={
        "csrf_token": form_csrf(client, page), "reason": "x",
        "token": "complaint_resolution/rs_ack", "target": "complaint_journey/j_dissat"})
    assert wrong.status_code == 422
    told = wrong.get_data(as_text=True)
    assert "Dissatisfaction (tier 0) is a step of complaint_journey" in told
    assert "only within the process" in told
    done = client.post(f"{page}/move", data={"csrf_token": form_csrf(client, page),
                                             "reason": "letter sent by hand", **form})
    assert done.status_code == 302
    assert [t.spec_id for t in complaints.tasks(instance_id=case_id)] == ["rs_investigate"]
