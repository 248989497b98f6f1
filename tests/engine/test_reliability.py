"""Engine principles under stress: crashes, races, failing handlers, timers, early messages."""

from __future__ import annotations

import multiprocessing
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from engine import ConflictError, Engine, HandlerRegistry, SimulatedClock
from tests.engine.conftest import EngineFactory, FlakyNotify, diagram_files, fresh

SIMPLE = ("simple.bpmn", "review.schema.json")
FORK = multiprocessing.get_context("fork")


def _child_complete_then_crash(url: str, task_id: str, now: datetime) -> None:
    registry = HandlerRegistry()
    registry.register("test.notify", FlakyNotify())
    engine = Engine.create(url, clock=SimulatedClock(now), registry=registry)

    def crash(_step: object) -> None:
        os._exit(17)  # the process dies after applying and writing, before COMMIT

    engine.runtime.before_commit = crash
    engine.complete(task_id, {"approved": False}, user="cw1")
    os._exit(0)  # pragma: no cover - never reached


def test_crash_between_apply_and_commit_leaves_last_committed_state(
    engine: Engine, database_url: str, clock: SimulatedClock
) -> None:
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    instance = engine.start("simple", business_key="CRASH-1", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)

    child = FORK.Process(
        target=_child_complete_then_crash, args=(database_url, review.id, clock.now())
    )
    child.start()
    child.join(60)
    assert child.exitcode == 17

    after = fresh(engine).instance(instance.id)
    assert after.revision == instance.revision
    assert engine.task(review.id).status == "open"
    assert [a.action for a in engine.audit(instance.id)].count("task_completed") == 0
    assert engine.jobs(instance.id) == []

    engine.complete(review.id, {"approved": False}, user="cw1")  # the step can run again
    assert [t.spec_id for t in engine.tasks(instance_id=instance.id)] == ["followup"]


def test_twenty_concurrent_workers_complete_one_task_exactly_once(
    engine: Engine, make_engine: EngineFactory
) -> None:
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    instance = engine.start("simple", business_key="RACE-1", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)
    workers = [make_engine() for _ in range(20)]
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(worker: Engine) -> None:
        barrier.wait()
        try:
            worker.complete(review.id, {"approved": False}, user="cw1")
            result = "ok"
        except ConflictError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert sorted(outcomes) == ["conflict"] * 19 + ["ok"]
    open_tasks = engine.tasks(instance_id=instance.id)
    assert [t.spec_id for t in open_tasks] == ["followup"]  # downstream task created once
    assert len(engine.jobs(instance.id)) == 1
    assert [a.action for a in engine.audit(instance.id)].count("task_completed") == 1


def test_handler_failing_twice_then_succeeding_sends_exactly_one_message(
    engine: Engine, notify: FlakyNotify, clock: SimulatedClock
) -> None:
    notify.failures_left = 2
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    instance = engine.start("simple", business_key="RETRY-1", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)
    engine.complete(review.id, {"approved": True}, user="cw1")  # attempt 1 fails inline
    [job] = engine.jobs(instance.id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert engine.outbox(instance.id) == []  # the failed attempt's message was rolled back

    clock.advance(timedelta(seconds=10))
    assert engine.run_due_jobs() == 0  # attempt 2 fails
    assert engine.run_due_jobs() == 0  # backoff: not due again yet
    clock.advance(timedelta(seconds=20))
    assert engine.run_due_jobs() == 1  # attempt 3 succeeds

    [job] = engine.jobs(instance.id)
    assert (job.status, job.attempts, notify.calls) == ("done", 3, 3)
    [message] = engine.outbox(instance.id)
    assert message.payload == {"greeting": "hello A"}
    assert engine.instance(instance.id).status == "completed"
    assert engine.incidents() == []


def test_handler_always_failing_opens_incident_that_can_be_retried(
    engine: Engine, notify: FlakyNotify, clock: SimulatedClock
) -> None:
    notify.failures_left = 99
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    instance = engine.start("simple", business_key="INC-1", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)
    engine.complete(review.id, {"approved": True}, user="cw1")
    for delay in (10, 20):
        clock.advance(timedelta(seconds=delay))
        engine.run_due_jobs()

    [incident] = engine.incidents()
    assert incident.kind == "handler" and "notice service is down" in incident.message
    assert engine.jobs(instance.id)[0].status == "failed"
    assert engine.instance(instance.id).status == "active"

    notify.failures_left = 0  # the fix
    engine.retry_incident(incident.id, user="ops")
    assert engine.incidents() == []
    assert engine.instance(instance.id).status == "completed"
    assert len(engine.outbox(instance.id)) == 1


def _scheduler_process(url: str, now: datetime, rounds: int) -> None:
    registry = HandlerRegistry()
    registry.register("test.notify", FlakyNotify())
    engine = Engine.create(url, clock=SimulatedClock(now), registry=registry)
    for _ in range(rounds):
        engine.fire_due_timers()
    os._exit(0)


def test_timer_due_while_no_scheduler_ran_fires_once_with_two_schedulers(
    engine: Engine, database_url: str, clock: SimulatedClock
) -> None:
    engine.deploy(diagram_files("timed.bpmn"), name="timed", user="analyst")
    instance = engine.start(
        "timed",
        business_key="T-1",
        user="cw1",
        data={"received": "2026-03-27", "division": "england-and-wales"},
    )
    [timer] = engine.timers(instance.id)
    # R21: 15 working days from Friday 27 March 2026 in England is Tuesday 21 April 2026.
    assert timer.due_at == datetime(2026, 4, 21, 22, 59, 59, tzinfo=UTC)

    later = clock.advance(timedelta(days=40))  # nobody ran a scheduler meanwhile
    procs = [
        FORK.Process(target=_scheduler_process, args=(database_url, later, 5)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]

    fresh(engine)
    [timer] = engine.timers(instance.id)
    assert timer.status == "fired"
    assert [a.action for a in engine.audit(instance.id)].count("timer_fired") == 1
    assert [t.spec_id for t in engine.tasks(instance_id=instance.id)] == ["escalated"]


class _Killed(BaseException):
    """Stands for SIGKILL between storing a message and delivering it."""


def test_message_stored_but_cut_off_before_delivery_is_delivered_by_the_retry(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 soak: the retry with the same key delivered nothing ("buffered") while the
    case waited for that very message; it now delivers the stored one, once."""
    engine.deploy(diagram_files("waits.bpmn"), name="waits", user="analyst")
    instance = engine.start("waits", business_key="ICE-2", data={}, user="cw1")
    [prepare] = engine.tasks(instance_id=instance.id)
    engine.complete(prepare.id, {}, user="cw1")  # now waiting for the ICE outcome

    deliver = engine.correlator._try_deliver

    def killed(*args: object) -> None:
        raise _Killed

    monkeypatch.setattr(engine.correlator, "_try_deliver", killed)
    with pytest.raises(_Killed):
        engine.correlate("ice_outcome", "ICE-2", {"upheld": False}, idempotency_key="ice-78")
    monkeypatch.setattr(engine.correlator, "_try_deliver", deliver)

    retry = engine.correlate("ice_outcome", "ICE-2", {"upheld": False}, idempotency_key="ice-78")
    assert (retry.status, retry.instance_id) == ("delivered", instance.id)
    again = engine.correlate("ice_outcome", "ICE-2", {"upheld": False}, idempotency_key="ice-78")
    assert (again.message_id, again.status) == (retry.message_id, "delivered")
    [record] = engine.tasks(instance_id=instance.id)
    assert record.spec_id == "record"
    delivered = [a for a in engine.audit(instance.id) if a.action == "message_delivered"]
    assert len(delivered) == 1


def test_message_sent_before_the_instance_waits_is_delivered_when_it_does(
    engine: Engine,
) -> None:
    engine.deploy(diagram_files("waits.bpmn"), name="waits", user="analyst")
    instance = engine.start("waits", business_key="ICE-1", data={}, user="cw1")
    early = engine.correlate("ice_outcome", "ICE-1", {"upheld": True}, idempotency_key="ice-77")
    assert early.status == "buffered"
    assert (
        engine.correlate(
            "ice_outcome", "ICE-1", {"upheld": True}, idempotency_key="ice-77"
        ).message_id
        == early.message_id
    )

    [prepare] = engine.tasks(instance_id=instance.id)
    engine.complete(prepare.id, {}, user="cw1")

    [record] = engine.tasks(instance_id=instance.id)
    assert record.spec_id == "record"
    assert engine.instance(instance.id).data["ice"] == {"upheld": True}


def test_message_for_a_waiting_instance_is_delivered_at_once(engine: Engine) -> None:
    engine.deploy(diagram_files("waits.bpmn"), name="waits", user="analyst")
    instance = engine.start("waits", business_key="ICE-2", data={}, user="cw1")
    [prepare] = engine.tasks(instance_id=instance.id)
    engine.complete(prepare.id, {}, user="cw1")
    result = engine.correlate("ice_outcome", "ICE-2", {"upheld": False})
    assert (result.status, result.instance_id) == ("delivered", instance.id)
    assert engine.instance(instance.id).data["ice"] == {"upheld": False}


@pytest.mark.parametrize(
    "received, division, due",
    [
        ("2026-03-27", "england-and-wales", datetime(2026, 4, 21, 22, 59, 59, tzinfo=UTC)),
        ("2026-03-27", "scotland", datetime(2026, 4, 20, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_r21_deadline_timer_uses_the_division_calendar(
    engine: Engine, received: str, division: str, due: datetime
) -> None:
    engine.deploy(diagram_files("timed.bpmn"), name="timed", user="analyst")
    instance = engine.start(
        "timed", business_key="T-2", user="cw1", data={"received": received, "division": division}
    )
    [timer] = engine.timers(instance.id)
    assert timer.due_at == due
