"""What a completion, a start and a timer firing send to the database, pinned.

Each round trip costs a network exchange on PostgreSQL (and its Python), so a step's count is
part of its cost; these tests say how many there are and fail if one creeps back in.
"""

from __future__ import annotations

from pathlib import Path

from engine import Engine
from tests.roundtrips import Trips, counting

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"


def _deploy(engine: Engine, *names: str) -> None:
    engine.deploy({n: (BENCH / n).read_bytes() for n in names}, name="counts", user="analyst")


def _loop(engine: Engine) -> int:
    _deploy(engine, "loop.bpmn")
    instance = engine.start("bench_loop", business_key="COUNT-1", user="cw1",
                            data={"counter": 0, "limit": 100})
    for _ in range(2):  # warm: definition parsed, statements compiled, workflow cached
        [task] = engine.tasks(instance_id=instance.id)
        engine.complete(task.id, {"note": "warm"}, user="cw1")
    return instance.id


def _show(trips: Trips) -> str:
    return f"{trips.round_trips} round trips: {trips.verbs()} begins={trips.begins} " \
           f"ends={trips.ends} pings={trips.pings} checkouts={trips.checkouts}"


def test_a_completion_is_one_transaction_of_five_statements(engine: Engine) -> None:
    """Task read with its instance row locked, task closed, next task, state saved, audit."""
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    with counting(engine.db) as trips:
        engine.complete(task.id, {"note": "counted"}, user="cw1")
    assert trips.verbs() == [
        "SELECT human_tasks",  # … JOIN process_instances … FOR UPDATE OF process_instances
        "UPDATE human_tasks",
        "INSERT human_tasks",
        "UPDATE process_instances",
        "INSERT audit_log",  # task_completed and task_created: one multi-row INSERT
    ], _show(trips)
    assert (trips.begins, trips.ends, trips.pings, trips.checkouts) == (1, 1, 0, 1), _show(trips)
    assert trips.round_trips == 7


def test_a_start_is_one_transaction_of_five_statements(engine: Engine) -> None:
    _loop(engine)
    with counting(engine.db) as trips:
        engine.start("bench_loop", business_key="COUNT-2", user="cw1",
                      data={"counter": 0, "limit": 5})
    assert trips.verbs() == [
        "SELECT process_definitions",  # the latest version, in the step's transaction
        "INSERT process_instances",
        "INSERT human_tasks",
        "UPDATE process_instances",
        "INSERT audit_log",
    ], _show(trips)
    assert (trips.begins, trips.ends, trips.pings, trips.checkouts) == (1, 1, 0, 1), _show(trips)
    assert trips.round_trips == 7
