"""Connections: one per request when bound, and a dead pooled one replaced, not failed on."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from engine import Engine, SimulatedClock
from engine.scheduler import EngineScheduler
from tests.pool import end_pooled_connections
from tests.roundtrips import counting

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"


def _loop(engine: Engine) -> int:
    engine.deploy({"loop.bpmn": (BENCH / "loop.bpmn").read_bytes()}, name="c", user="analyst")
    return engine.start("bench_loop", business_key="CONN-1", user="cw1",
                        data={"counter": 0, "limit": 100}).id


def test_a_pooled_connection_that_died_is_replaced_and_the_completion_goes_through(
    engine: Engine, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL")
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    assert end_pooled_connections(engine, database_url) == 3
    after = engine.complete(task.id, {"note": "after the restart"}, user="cw1")
    assert after.revision == 1
    assert [a.action for a in engine.audit(instance_id)].count("task_completed") == 1


def test_a_scheduler_round_survives_a_dead_pooled_connection(
    engine: Engine, database_url: str, clock: SimulatedClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL")
    engine.deploy({"timer.bpmn": (BENCH / "timer.bpmn").read_bytes()}, name="t", user="analyst")
    due = clock.now() + timedelta(minutes=1)
    engine.start("bench_timer", business_key="T-1", user="cw1", data={"due": due.isoformat()})
    clock.advance(timedelta(minutes=2))
    end_pooled_connections(engine, database_url)
    fired = EngineScheduler(engine).tick()
    assert (fired["timers"], fired["jobs"], fired["outbox"]) == (1, 0, 0)
    with engine.db.connect() as conn:  # and the pool is healthy again
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_a_bound_request_reads_and_steps_on_one_connection(engine: Engine) -> None:
    instance_id = _loop(engine)
    with counting(engine.db) as trips, engine.conns.bound():
        [task] = engine.tasks(instance_id=instance_id)
        record = engine.complete(task.id, {"note": "bound"}, user="cw1")
        [following] = engine.tasks(instance_id=instance_id)
    assert trips.checkouts == 1
    assert record.revision == 1 and following.id != task.id
    assert engine.task(task.id).status == "completed"


@contextmanager
def _mode_switches(engine: Engine) -> Iterator[list[dict[str, Any]]]:
    """The isolation-level (PostgreSQL) or read-mode (SQLite) switches made on connections."""
    switches: list[dict[str, Any]] = []

    def on_options(_conn: Any, options: dict[str, Any]) -> None:
        if "isolation_level" in options or "redress_read" in options:
            switches.append(dict(options))

    event.listen(engine.db, "set_connection_execution_options", on_options)
    try:
        yield switches
    finally:
        event.remove(engine.db, "set_connection_execution_options", on_options)


def test_a_bound_request_whose_only_use_is_its_step_switches_no_mode(engine: Engine) -> None:
    """A completion through the API (sign-in answered from its copy) only writes: its
    connection is checked out for a transaction and never switched to the reads' mode and back
    (each switch is SQLAlchemy's isolation-level change, on the way in and out of the pool)."""
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    with counting(engine.db) as trips, _mode_switches(engine) as switches, \
            engine.conns.bound():
        record = engine.complete(task.id, {"note": "only a step"}, user="cw1")
    assert record.revision == 1
    assert trips.checkouts == 1
    assert switches == []


def test_a_read_after_a_write_on_a_bound_connection_is_a_read_again(
    engine: Engine, database_url: str
) -> None:
    """After the step, the same connection reads in the reads' mode: on PostgreSQL in
    autocommit, one round trip with no BEGIN or COMMIT, and it sees what the step wrote."""
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    with engine.conns.bound():
        engine.complete(task.id, {"note": "write first"}, user="cw1")
        with counting(engine.db) as trips:
            [following] = engine.tasks(instance_id=instance_id)
        engine.complete(following.id, {"note": "and write again"}, user="cw1")
    assert following.id != task.id
    if database_url.startswith("postgresql"):
        assert (trips.begins, trips.ends, trips.round_trips) == (0, 0, 1), trips
    assert engine.instance(instance_id, with_data=False).revision == 2


def test_a_failed_step_on_a_bound_connection_leaves_it_usable(engine: Engine) -> None:
    instance_id = _loop(engine)
    with engine.conns.bound():
        [task] = engine.tasks(instance_id=instance_id)
        with pytest.raises(Exception, match="does not exist"):
            engine.complete("00000000-0000-0000-0000-000000000000", {}, user="cw1")
        engine.complete(task.id, {"note": "then this"}, user="cw1")
        assert engine.instance(instance_id, with_data=False).revision == 1


def test_a_pooled_connection_on_a_descriptor_above_1023_is_handed_out(
    engine: Engine, database_url: str
) -> None:
    """A busy worker may hold over a thousand descriptors: the checkout's look at the socket
    must not mistake a healthy connection there for a closed one (``select`` cannot watch it)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the checkout's socket check is PostgreSQL's")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:  # raise this process's own limit, as far as the hard one allows
        if hard != resource.RLIM_INFINITY and hard < 1200:
            pytest.skip("needs a descriptor limit above 1,200")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    engine.db.dispose()  # the next connection opens on a descriptor above the ones taken below
    taken = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with engine.db.connect() as conn:
            assert conn.connection.dbapi_connection.fileno() > 1023
            assert conn.execute(text("SELECT 1")).scalar() == 1
        with engine.db.connect() as conn:  # the same connection again, from the pool
            assert conn.execute(text("SELECT 2")).scalar() == 2
    finally:
        for fd in taken:
            os.close(fd)
        engine.db.dispose()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
