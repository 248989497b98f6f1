"""One API completion: one connection, one transaction, and an answer not read back."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory
from tests.roundtrips import counting

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"


def _complete(client: FlaskClient, headers: dict[str, str], task_id: str) -> dict[str, object]:
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "x"}},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_an_api_completion_signs_in_steps_and_answers_on_one_connection(
    api_engine: Engine, client: FlaskClient, token_for: TokenFactory
) -> None:
    api_engine.deploy({"loop.bpmn": (BENCH / "loop.bpmn").read_bytes()}, name="loop",
                      user="analyst")
    instance = api_engine.start("bench_loop", business_key="HTTP-1", user="cw1",
                                data={"counter": 0, "limit": 100})
    headers = token_for("caseworker")
    [task] = api_engine.tasks(instance_id=instance.id)
    body = _complete(client, headers, task.id)  # warm: token touched, statements compiled
    task_id = body["open_tasks"][0]["id"]  # type: ignore[index]

    with counting(api_engine.db) as trips:
        body = _complete(client, headers, str(task_id))

    postgres = api_engine.db.dialect.name == "postgresql"
    assert trips.checkouts == 1, trips
    # PostgreSQL answers a token checked before from the worker's copy (workflows.token_cache:
    # dropped when a trigger's notice says a token, user or role changed); SQLite reads it.
    sign_in = [] if postgres else ["SELECT api_tokens"]  # the caller: token, user and roles
    assert trips.verbs() == [
        *sign_in,
        "SELECT human_tasks",  # the step, as Engine.complete; the lane rule runs on its row
        "UPDATE human_tasks",
        "INSERT human_tasks",
        "UPDATE process_instances",
        "INSERT audit_log",
    ], trips.verbs()  # no read-back of the open tasks and timers for the answer
    # On SQLite the sign-in read is a DEFERRED transaction of its own (no network: BEGIN and
    # COMMIT are function calls in the process).
    reads = 0 if postgres else 1
    assert (trips.begins, trips.ends, trips.pings) == (1 + reads, 1 + reads, 0)
    # PostgreSQL: the step in two round trips (BEGIN with its read; the writes with the
    # COMMIT, pipelined: engine.pipeline).
    assert trips.round_trips == (2 if postgres else 10), trips
    [following] = api_engine.tasks(instance_id=instance.id)
    assert [t["id"] for t in body["open_tasks"]] == [following.id]  # type: ignore[union-attr]
    assert body["open_tasks"][0]["created_at"] is not None  # type: ignore[index]
    assert body["waiting_timers"] == []
    assert body["revision"] == 2


def test_the_app_does_not_log_each_workflow_task_state_change(app: object) -> None:
    """SpiffWorkflow's per-task INFO lines cost more than the step; warnings still show."""
    import logging

    from web.logs import configure_json_logging

    configure_json_logging()
    assert not logging.getLogger("spiff.task").isEnabledFor(logging.INFO)
    assert logging.getLogger("spiff.task").isEnabledFor(logging.WARNING)
