"""Batch operations: chosen or filtered cases, worked by the scheduler, with progress, and a
migration previewed before it starts."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from engine.batches import batch, create_batch, list_batches, run_batches, stop_batch
from engine.instance_search import InstanceFilter
from tests.engine.conftest import buffer_unchecked_message, diagram_files, runaway_case
from tests.operations.conftest import start, start_with_incident
from tests.web.conftest import Login, form_csrf
from workflows.packages import COMPLAINTS_PACKAGE, package_files


def version_two(engine: Engine) -> None:
    """The complaints package again, with the journey renamed: version 2 of the journey."""
    files = package_files(COMPLAINTS_PACKAGE)
    files["journey.bpmn"] = files["journey.bpmn"].replace(
        b'name="Child maintenance complaint journey"',
        b'name="Child maintenance complaint journey (2)"')
    engine.deploy(files, name="complaints v2", user="analyst")


def test_batch_over_chosen_cases_runs_in_the_scheduler_not_the_request(
    complaints: Engine, client: FlaskClient, login_as: Login
) -> None:
    cases = [start(complaints, f"CMS-00{n}") for n in range(3)]
    login_as("operations")
    csrf = form_csrf(client, "/operations")
    chosen = [str(c.id) for c in cases[:2]]
    form = client.post("/operations/batches/new", data={"csrf_token": csrf, "ids": chosen,
                                                        "scope": "selected"})
    assert form.status_code == 200 and "2 ticked cases" in form.get_data(as_text=True)
    made = client.post("/operations/batches", data={
        "csrf_token": csrf, "ids_text": ",".join(chosen), "scope": "selected",
        "action": "suspend", "reason": "data centre move"})
    assert made.status_code == 302
    assert {complaints.instance(c.id).status for c in cases} == {"active"}  # not yet
    [b] = list_batches(complaints)
    assert (b.total, b.pending, b.done) == (2, 2, 0)
    assert run_batches(complaints) == 2
    assert [complaints.instance(c.id).status for c in cases] == ["suspended", "suspended",
                                                                 "active"]
    b = batch(complaints, b.id)
    assert (b.status, b.done, b.failed, b.pending) == ("finished", 2, 0, 0)
    page = client.get(f"/operations/batches/{b.id}").get_data(as_text=True)
    assert "2 of 2" in page


def test_batch_on_a_filter_records_failures_and_can_be_stopped(complaints: Engine) -> None:
    broken = start_with_incident(complaints, "CMS-0100")
    fine = start(complaints, "CMS-0101")
    retry = create_batch(complaints, "retry", user="ops", reason="division fixed?",
                         where=InstanceFilter(process_id="complaint_journey"))
    assert retry.total == 2
    run_batches(complaints)
    retry = batch(complaints, retry.id)
    assert (retry.done, retry.failed) == (1, 1)
    assert retry.errors == [(fine.id, "no open incident")]
    assert retry.keys == {fine.id: "CMS-0101"}  # progress names the case reference
    assert complaints.incidents(instance_id=broken.id)  # retried, failed again: a new incident
    stopped = create_batch(complaints, "cancel", user="ops", reason="x", ids=[fine.id])
    stop_batch(complaints, stopped.id, user="ops")
    assert run_batches(complaints) == 0
    assert complaints.instance(fine.id).status == "active"
    assert batch(complaints, stopped.id).pending == 1


def test_migration_batch_shows_a_preview_before_it_starts(
    complaints: Engine, client: FlaskClient, login_as: Login
) -> None:
    cases = [start(complaints, f"CMS-00{n}") for n in range(2)]
    version_two(complaints)
    login_as("operations")
    csrf = form_csrf(client, "/operations")
    form = {"csrf_token": csrf, "scope": "filter", "filter": "process_id=complaint_journey",
            "action": "migrate", "to_version": "2", "reason": "new wording"}
    preview = client.post("/operations/batches", data=form)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Preview: move to version 2" in text and "Start the move" in text
    assert complaints.instance(cases[0].id).version == 1
    started = client.post("/operations/batches", data={**form, "confirmed": "yes"})
    assert started.status_code == 302
    run_batches(complaints)
    assert [complaints.instance(c.id).version for c in cases] == [2, 2]
    [moved] = [a for a in complaints.audit(cases[0].id) if a.action == "instance_migrated"]
    assert moved.detail["reason"] == "new wording"


def test_batch_refuses_bad_input_with_a_message(complaints: Engine, client: FlaskClient,
                                                login_as: Login) -> None:
    case = start(complaints)
    login_as("operations")
    csrf = form_csrf(client, "/operations")
    reply = client.post("/operations/batches", data={
        "csrf_token": csrf, "ids_text": str(case.id), "scope": "selected", "action": "explode",
        "reason": ""})
    assert reply.status_code == 422
    text = reply.get_data(as_text=True)
    assert "Choose what to do" in text and "Enter a reason" in text
    assert list_batches(complaints) == []


def test_preview_names_what_the_modeller_diff_finds(complaints: Engine) -> None:
    from workflows.migration_preview import preview

    case = start(complaints)
    version_two(complaints)
    plan = preview(complaints, case.id, 2)
    assert plan.possible and plan.blocked_by == []
    assert any(c.startswith("complaint_journey: complaint_journey") for c in plan.changed)
    assert plan.added == [] and plan.removed == []


def test_batch_retry_leaves_incidents_that_run_nothing_again_for_the_case_page(
    complaints: Engine,
) -> None:
    """A refused message (decision 0030) or a step over its limit has nothing to run again: a
    bulk retry must not mark it dealt with unseen, while it retries the others."""
    complaints.deploy(diagram_files("race.bpmn"), name="race", user="analyst")
    buffer_unchecked_message(complaints, "OLD-9", "client_reply", {"typename": "x"})
    refused = complaints.start("race", business_key="OLD-9", data={}, user="cw1")
    spun, _ = runaway_case(complaints, "SPIN-1")
    broken = start_with_incident(complaints, "CMS-0100")
    [script] = complaints.incidents(instance_id=broken.id)
    retry = create_batch(complaints, "retry", user="ops", reason="handler fixed",
                         ids=[refused.id, spun.id, broken.id])
    run_batches(complaints)
    retry = batch(complaints, retry.id)
    assert (retry.done, retry.failed) == (1, 2)
    why = "nothing to run again: deal with its incidents on the case's page"
    assert sorted(retry.errors) == sorted([(refused.id, why), (spun.id, why)])
    assert complaints.incident(script.id).resolved_by == f"ops (batch {retry.id})"  # ran again
    assert [i.kind for i in complaints.incidents(instance_id=refused.id)] == ["message"]
    assert [i.kind for i in complaints.incidents(instance_id=spun.id)] == ["step_limit"]
    assert complaints.instance(spun.id).status == "suspended"
