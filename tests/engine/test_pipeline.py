"""A step's writes sent together (engine.pipeline): checked, all-or-nothing, never leaked.

On PostgreSQL the writes and their COMMIT go in one pipeline and the row checks run inside
the database (``redress_expect_rows``); on SQLite each write runs at once and is checked in
Python. Either way a miss must roll back every write of the transaction and raise the write's
own error, and writes held for a transaction that failed must never reach a later one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, insert, select, update

from engine import Engine
from engine.exceptions import ConflictError, TaskNotOpenError
from engine.pipeline import Writes
from engine.runtime import hold
from engine.tables import audit_log, human_tasks

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"

_NOTE = insert(audit_log)
_CLOSE = (
    update(human_tasks)
    .where(human_tasks.c.id == bindparam("task_id"), human_tasks.c.status == "open")
    .values(status="completed")
)


def _audit_rows(engine: Engine, actor: str) -> int:
    with engine.conns.read() as conn:
        return int(conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.actor == actor)
        ).scalar_one())


def _note(actor: str) -> dict[str, object]:
    return {"instance_id": None, "at": None, "actor": actor, "action": "test", "task_id": None,
            "detail": {"n": 1}}


def _open_task(engine: Engine) -> str:
    engine.deploy({"loop.bpmn": (BENCH / "loop.bpmn").read_bytes()}, name="p", user="analyst")
    instance = engine.start("bench_loop", business_key="PIPE-1", user="cw1",
                            data={"counter": 0, "limit": 10})
    [task] = engine.tasks(instance_id=instance.id)
    return task.id


def test_a_checked_write_that_misses_rolls_back_every_write_and_names_itself(
    engine: Engine, start_time: object
) -> None:
    task_id = _open_task(engine)
    note = {**_note("pipe-a"), "at": start_time}
    with pytest.raises(TaskNotOpenError, match="second"), engine.conns.write() as conn:
        writes = Writes(conn)
        writes.write(_NOTE, note)
        writes.write(_CLOSE, {"task_id": task_id}, expect=1,
                     failure=lambda: ConflictError("first"))
        writes.write(_CLOSE, {"task_id": "no-such-task"}, expect=1,
                     failure=lambda: TaskNotOpenError("second"))
        hold(writes)  # sent with the COMMIT (PostgreSQL); SQLite already raised
    assert _audit_rows(engine, "pipe-a") == 0
    assert engine.task(task_id).status == "open"  # the first close rolled back too


def test_writes_held_for_a_transaction_that_failed_never_reach_a_later_one(
    engine: Engine, start_time: object
) -> None:
    with pytest.raises(RuntimeError), engine.conns.write() as conn:
        writes = Writes(conn)
        writes.write(_NOTE, {**_note("pipe-b"), "at": start_time})
        hold(writes)
        raise RuntimeError("the step failed after it was saved")
    for _ in range(3):  # the pooled connection is reused: nothing of the failed one is sent
        with engine.conns.write() as conn:
            conn.execute(select(1))
    assert _audit_rows(engine, "pipe-b") == 0


def test_a_completion_of_a_task_completed_meanwhile_is_refused_and_changes_nothing(
    engine: Engine,
) -> None:
    """The step's check runs with its COMMIT: the second completion must fail as a whole."""
    task_id = _open_task(engine)
    engine.complete(task_id, {"note": "first"}, user="cw1")
    with pytest.raises(TaskNotOpenError):
        engine.complete(task_id, {"note": "second"}, user="cw2")
    assert engine.task(task_id).completed_by == "cw1"
    assert engine.instance(engine.task(task_id).instance_id, with_data=False).revision == 1
