"""A step's claim read carries its transaction's BEGIN (one round trip, not two), and the
driver is always left as SQLAlchemy expects: out of autocommit, no transaction open.

``engine.pipeline.first_row`` puts the psycopg connection in autocommit for the transaction so
it can send the BEGIN itself; ``engine.pipeline.own_begin``, around each of
``engine.db.Connections.write``'s transactions, puts it back when the transaction ends. Were
it left in autocommit, the next transaction on that pooled connection would commit statement
by statement: these tests fail if that ever happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, insert, select

from engine import Engine, TaskNotOpenError
from engine.tables import audit_log
from tests.engine.test_statement_counts import _loop
from tests.roundtrips import counting

IDLE = TransactionStatus.IDLE


def _postgres_only(engine: Engine) -> None:
    if engine.db.dialect.name != "postgresql":
        pytest.skip("the BEGIN is psycopg's to send: PostgreSQL only")


@contextmanager
def _checkins(engine: Engine) -> Iterator[list[tuple[bool, int]]]:
    """(autocommit, transaction status) of each connection as it goes back to the pool."""
    seen: list[tuple[bool, int]] = []

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            seen.append((dbapi_connection.autocommit, dbapi_connection.info.transaction_status))

    event.listen(engine.db.pool, "checkin", on_checkin)
    try:
        yield seen
    finally:
        event.remove(engine.db.pool, "checkin", on_checkin)


def test_a_completion_sends_its_begin_with_the_claim_in_one_round_trip(engine: Engine) -> None:
    _postgres_only(engine)
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    with counting(engine.db) as trips, _checkins(engine) as seen:
        engine.complete(task.id, {"note": "counted"}, user="cw1")
    assert trips.driver_syncs == 2  # the claim with its BEGIN; the writes with the COMMIT
    assert seen and all(state == (False, IDLE) for state in seen), seen


def test_a_completion_refused_after_its_claim_leaves_the_driver_as_it_found_it(
    engine: Engine,
) -> None:
    """The claim read began the transaction; the refusal rolls it back and the driver is out
    of autocommit again, so the next transaction on the connection is atomic."""
    _postgres_only(engine)
    instance_id = _loop(engine)
    [task] = engine.tasks(instance_id=instance_id)
    engine.complete(task.id, {"note": "first"}, user="cw1")
    with _checkins(engine) as seen, pytest.raises(TaskNotOpenError):
        engine.complete(task.id, {"note": "again"}, user="cw1")
    assert seen and all(state == (False, IDLE) for state in seen), seen
    _a_failed_write_leaves_nothing(engine, instance_id)


def _a_failed_write_leaves_nothing(engine: Engine, instance_id: int) -> None:
    """On every connection the pool holds: a write that raises after an INSERT keeps nothing
    (in autocommit the INSERT would have committed at once)."""
    held = engine.db.pool.checkedin()
    for _ in range(max(held, 1)):
        with pytest.raises(RuntimeError), engine.conns.write() as conn:
            conn.execute(insert(audit_log).values(
                instance_id=instance_id, at=engine.clock.now(), actor="test",
                action="must_not_stay", task_id=None, detail={}))
            raise RuntimeError("rolled back")
    with engine.conns.read() as conn:
        kept = conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "must_not_stay")).all()
    assert kept == []
