"""The diagram viewer's endpoint: an instance's own and called processes, with marks."""

from __future__ import annotations

from engine import Engine
from tests.operations.conftest import start


def test_diagram_lists_called_processes_and_marks_the_waiting_task(
    complaints: Engine, client: object, login_as: object
) -> None:
    case = start(complaints)
    login_as("operations")  # type: ignore[operator]
    reply = client.get(f"/operations/instances/{case.id}/diagram.json")  # type: ignore[attr-defined]
    assert reply.status_code == 200
    processes = {p["process_id"]: p for p in reply.get_json()["processes"]}
    assert "complaint_journey" in processes
    assert {"complaint_intake", "complaint_resolution"} <= set(processes)
    assert all(p["xml"].startswith("<?xml") for p in processes.values())
    [task] = complaints.tasks(instance_id=case.id)
    holder = [p for p in processes.values() if task.spec_id in p["active"]]
    assert holder, "the open task is marked active in the process that holds it"
    journey = processes["complaint_journey"]
    assert journey["active"], "the call activity holding the token is active in the journey"
    assert not journey["incident"]


def test_diagram_of_a_missing_instance_is_404(complaints: Engine, client: object,
                                             login_as: object) -> None:
    login_as("operations")  # type: ignore[operator]
    assert client.get("/operations/instances/999/diagram.json").status_code == 404  # type: ignore[attr-defined]


def test_diagram_needs_a_signed_in_user(complaints: Engine, client: object) -> None:
    case = start(complaints)
    reply = client.get(f"/operations/instances/{case.id}/diagram.json")  # type: ignore[attr-defined]
    assert reply.status_code in (302, 401)
