"""An instance's open tasks are read off one index, however long the table's history.

Completing a task changes its status, so every completion leaves a dead ``open`` entry in the
status index until VACUUM. With one index per column, PostgreSQL could AND a bitmap scan of
every ``open`` entry in the table with one of the instance's entries: the read (a case page,
an API caller finding the next task) then cost more with every completion anywhere, as the
benchmarks showed on a database that autovacuum had not reached (migration 0008).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, insert, update
from sqlalchemy.engine import Connection

from engine import Engine
from engine.queries import _tasks_query
from engine.tables import human_tasks

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"
INDEX = "ix_human_tasks_instance_status"


def _loop_instances(engine: Engine, count: int) -> list[int]:
    engine.deploy({"loop.bpmn": (BENCH / "loop.bpmn").read_bytes()}, name="index", user="ba")
    return [engine.start("bench_loop", business_key=f"IDX-{i}", user="cw1",
                         data={"counter": 0, "limit": 10_000}).id for i in range(count)]


def _instance_query() -> Select[Any]:
    """The query ``Engine.tasks(instance_id=…)`` runs (open tasks of one instance)."""
    return _tasks_query(False, True, False, False, True, False)


def _plan(conn: Connection, prefix: str, instance_id: int) -> list[Any]:
    """What ``prefix`` (an EXPLAIN) says of the query, one item per row."""
    compiled = _instance_query().compile(dialect=conn.dialect)
    params = compiled.construct_params({"status": "open", "instance_id": instance_id,
                                        "limit": 200})
    if conn.dialect.name == "sqlite":
        names = compiled.positiontup or []
        rows = conn.exec_driver_sql(f"{prefix} {compiled}", tuple(params[n] for n in names))
        return [r[-1] for r in rows]
    return [r[0] for r in conn.exec_driver_sql(f"{prefix} {compiled}", params)]


def _buffers(plan: dict[str, Any]) -> int:
    return int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0))


def _churn(engine: Engine, instance_id: int, count: int) -> None:
    """``count`` tasks of ``instance_id`` opened, then completed, in two statements: the
    history a busy service leaves between two VACUUMs (none runs in the test)."""
    created = datetime(2026, 1, 5, tzinfo=UTC)
    rows = [{"id": f"churn-{i}", "instance_id": instance_id, "process_id": "bench_loop",
             "business_key": "IDX-churn", "spec_id": "work", "name": "Work", "lane": None,
             "form": None, "status": "open", "created_at": created} for i in range(count)]
    with engine.db.begin() as conn:
        conn.execute(insert(human_tasks), rows)
    with engine.db.begin() as conn:
        conn.execute(update(human_tasks).where(human_tasks.c.business_key == "IDX-churn")
                     .values(status="completed", completed_at=created, completed_by="cw1"))


def test_reading_an_instances_tasks_costs_the_same_after_many_completions(
        engine: Engine) -> None:
    """20,000 completed tasks leave 20,000 dead ``open`` index entries until VACUUM; reading
    another instance's open tasks still touches a handful of pages."""
    busy, quiet = _loop_instances(engine, 2)
    _churn(engine, busy, 20_000)
    for _ in range(20):  # and some real completions
        [task] = engine.tasks(instance_id=busy)
        engine.complete(task.id, {"note": "again"}, user="cw1")
    assert [t.instance_id for t in engine.tasks(instance_id=quiet)] == [quiet]
    with engine.db.connect() as conn:
        if engine.db.dialect.name == "sqlite":
            # SQLite leaves no dead entries behind; it must still use the index on both columns.
            plan = "\n".join(_plan(conn, "EXPLAIN QUERY PLAN", quiet))
            assert INDEX in plan, plan
            return
        [[explained]] = _plan(conn, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)", quiet)
    shown = json.dumps(explained)
    assert "BitmapAnd" not in shown, shown
    assert _buffers(explained["Plan"]) <= 8, shown
