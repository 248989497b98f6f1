"""What a completion, a start and a timer firing send to the database, pinned.

Each round trip costs a network exchange on PostgreSQL (and its Python), so a step's count is
part of its cost; these tests say how many there are and fail if one creeps back in.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine import Engine, SimulatedClock
from engine.runtime import Step
from tests.engine.conftest import EngineFactory
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


def _postgres(engine: Engine) -> bool:
    return engine.db.dialect.name == "postgresql"


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
    # PostgreSQL: BEGIN with the read; the four writes with the COMMIT, in one pipeline.
    assert trips.round_trips == (2 if _postgres(engine) else 7), _show(trips)


def test_a_task_another_worker_opened_comes_with_its_state_in_the_same_read(
    engine: Engine, make_engine: EngineFactory
) -> None:
    """Two workers take turns on a case: each one's cached workflow is a revision behind when
    the other opened the task, so the claim's read brings the stored state along (no second
    SELECT of process_instances); a task the worker opened itself is read without it."""
    instance_id = _loop(engine)
    other = make_engine()
    [task] = other.tasks(instance_id=instance_id)
    other.complete(task.id, {"note": "warm"}, user="cw1")  # other: definition parsed
    for worker in (engine, other):
        [task] = worker.tasks(instance_id=instance_id)  # opened by the other worker
        with counting(worker.db) as trips:
            worker.complete(task.id, {"note": "turn"}, user="cw1")
        assert "SELECT process_instances" not in trips.verbs(), _show(trips)
        assert "pi_state" in trips.statements[0], trips.statements[0]  # the state came along
        assert trips.round_trips == (2 if _postgres(engine) else 7), _show(trips)
    [task] = other.tasks(instance_id=instance_id)
    other.complete(task.id, {"note": "again"}, user="cw1")  # other opens the next one itself
    [task] = other.tasks(instance_id=instance_id)
    with counting(other.db) as trips:
        other.complete(task.id, {"note": "warm"}, user="cw1")
    assert "pi_state" not in trips.statements[0], trips.statements[0]  # warm: read without it
    assert trips.round_trips == (2 if _postgres(engine) else 7), _show(trips)


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
    # PostgreSQL: BEGIN with the definition read, the new row (its id comes back), the three
    # writes with the COMMIT in one pipeline.
    assert trips.round_trips == (3 if _postgres(engine) else 7), _show(trips)


def test_firing_a_batch_of_due_timers_is_one_transaction_of_five_statements(
    engine: Engine, clock: SimulatedClock
) -> None:
    """One query claims, locks and reads the batch; then a statement per table, not per timer."""
    _deploy(engine, "timer.bpmn")
    due = clock.now() + timedelta(minutes=5)
    for i in range(3):
        engine.start("bench_timer", business_key=f"T-{i}", user="cw1",
                     data={"due": due.isoformat()})
    engine.runtime.cache.clear()  # as in a scheduler process: no instance is warm
    clock.advance(timedelta(minutes=10))
    with counting(engine.db) as trips:
        assert engine.timer_firer.fire_due() == 3
    assert trips.verbs() == [
        "SELECT timers",  # … JOIN process_instances … FOR UPDATE SKIP LOCKED, with the state
        "UPDATE timers",  # all three fired
        "INSERT human_tasks",  # the three follow-up tasks
        "INSERT audit_log",
        "UPDATE process_instances",  # the three saves
    ], _show(trips)
    assert (trips.begins, trips.ends, trips.pings, trips.checkouts) == (1, 1, 0, 1), _show(trips)
    # PostgreSQL: BEGIN, the claim, the timers' UPDATE, then the inserts and saves with the
    # COMMIT in one pipeline.
    assert trips.round_trips == (4 if _postgres(engine) else 7), _show(trips)
    assert len(engine.tasks()) == 3
    assert {t.status for t in engine.timers()} == {"fired"}


def test_a_timer_whose_step_fails_is_postponed_and_the_rest_of_its_batch_fires(
    engine: Engine, clock: SimulatedClock
) -> None:
    _deploy(engine, "timer.bpmn")
    due = clock.now() + timedelta(minutes=5)
    ids = [engine.start("bench_timer", business_key=f"T-{i}", user="cw1",
                        data={"due": due.isoformat()}).id for i in range(3)]
    clock.advance(timedelta(minutes=10))

    def fail_the_second(step: Step) -> None:
        if step.instance.id == ids[1]:
            raise RuntimeError("the database rejected this instance's rows")

    engine.runtime.before_commit = fail_the_second
    assert engine.timer_firer.fire_due() == 2
    by_instance = {t.instance_id: t for t in engine.timers()}
    assert [by_instance[i].status for i in ids] == ["fired", "waiting", "fired"]
    assert engine.timer_firer.fire_due() == 0  # postponed, not retried at once
    engine.runtime.before_commit = None
    clock.advance(timedelta(minutes=6))
    assert engine.timer_firer.fire_due() == 1
    assert engine.instance(ids[1], with_data=False).revision == 1
