"""Storage: bytes per completed journey, every table, on PostgreSQL (and the SQLite file).

Runs ``--journeys`` journeys to completion and measures what they left behind, two ways:

* ``rows``   the bytes of the journeys' own rows (``sum(pg_column_size(t.*))``, TOASTed state
             counted compressed as stored), per table: what a journey costs before indexes;
* ``disk``   the growth of every table with its indexes and TOAST (``pg_total_relation_size``
             before and after, both after ``VACUUM FULL``), divided by the number of journeys:
             what the disk pays once dead row versions are reclaimed. The growth before that
             vacuum (``disk_total_before_vacuum``) is printed too.

The journey is the complaints journey when ``workflows.packages`` can drive one; until then it
is the benchmark loop (``bench/diagrams/loop.bpmn``) run for ``--steps`` user tasks, each step a
user task, a script task and a gateway, about the number of person steps a complaint takes.
Also measured: one instance after 200 steps (SpiffArena stored about 1 MB for one).

Run: ``python bench/storage.py [--journeys 500] [--steps 12]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.common import (
    add_common_args,
    database,
    kinds,
    make_engine,
    print_table,
    write_result,
)
from engine import Engine
from engine.db import is_postgres

TABLES = ("process_instances", "human_tasks", "audit_log", "timers", "jobs",
          "message_subscriptions", "messages", "outbox", "incidents", "documents")
# Rows of an instance are those whose instance_id (or id, for process_instances) is in the set.
_KEY = {"process_instances": "id"}


def journey(engine: Engine, key: str, steps: int) -> int:
    """Run one loop journey of ``steps`` user tasks to its end; return the instance id."""
    instance = engine.start("bench_loop", business_key=key, user="bench",
                            data={"counter": 0, "limit": steps,
                                  "complainant": "A. Person", "channel": "letter"})
    for n in range(steps):
        [task] = engine.tasks(instance_id=instance.id)
        engine.complete(task.id, {"note": f"step {n}: called the complainant, agreed next steps",
                                  "outcome": "in progress"}, user="cw1")
    record = engine.instance(instance.id, with_data=False)
    assert record.status == "completed", record.status
    return instance.id


def _disk(engine: Engine) -> dict[str, int]:
    with engine.db.connect() as conn:
        if is_postgres(engine.db):
            return {t: int(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar()
                           or 0) for t in TABLES}
        pages = conn.execute(text("PRAGMA page_count")).scalar() or 0
        size = conn.execute(text("PRAGMA page_size")).scalar() or 0
        return {"sqlite file (all tables)": int(pages) * int(size)}


def _row_bytes(engine: Engine, ids: list[int]) -> dict[str, int]:
    if not is_postgres(engine.db):
        return {}
    found: dict[str, int] = {}
    with engine.db.connect() as conn:
        for table in TABLES:
            key = _KEY.get(table, "instance_id")
            found[table] = int(conn.execute(
                text(f"SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t "
                     f"WHERE {key} = ANY(:ids)"), {"ids": ids}).scalar() or 0)
    return found


def _state_bytes(engine: Engine, instance_id: int) -> int:
    with engine.db.connect() as conn:
        return int(conn.execute(text("SELECT length(state) FROM process_instances WHERE id = :i"),
                                {"i": instance_id}).scalar() or 0)


def _compact(engine: Engine) -> None:
    """Rewrite every table without dead row versions, as a long-running database settles."""
    if is_postgres(engine.db):
        with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM FULL"))
    else:
        raw = engine.db.raw_connection()  # autocommit: the engine's BEGIN would block VACUUM
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()


def run(url: str, journeys: int, steps: int, long_steps: int) -> dict[str, Any]:
    engine = make_engine(url)
    journey(engine, "WARM", 2)
    _compact(engine)
    before = _disk(engine)
    ids = [journey(engine, f"J-{i}", steps) for i in range(journeys)]
    grown = _disk(engine)
    _compact(engine)
    after = _disk(engine)
    disk = {t: round((after[t] - before[t]) / journeys) for t in after}
    grown_total = round(sum(grown.values()) - sum(before.values())) // journeys
    rows = {t: round(b / journeys) for t, b in _row_bytes(engine, ids).items()}
    long_id = journey(engine, "LONG", long_steps)
    long_rows = _row_bytes(engine, [long_id])
    result = {
        "journey": f"bench_loop, {steps} user tasks", "journeys": journeys,
        "rows_bytes_per_journey": rows, "rows_total": sum(rows.values()),
        "disk_bytes_per_journey": disk, "disk_total": sum(disk.values()),
        "disk_total_before_vacuum": grown_total,
        "state_bytes_completed": _state_bytes(engine, ids[-1]),
        "long_instance": {"steps": long_steps, "rows_bytes": long_rows,
                          "rows_total": sum(long_rows.values()),
                          "state_bytes": _state_bytes(engine, long_id)},
    }
    engine.close()
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "storage")
    parser.add_argument("--journeys", type=int, default=500)
    parser.add_argument("--steps", type=int, default=12, help="user tasks per journey")
    parser.add_argument("--long-steps", type=int, default=200)
    args = parser.parse_args(argv)
    if args.quick:
        args.journeys, args.steps, args.long_steps = 10, 3, 20

    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg) as url:
            results[kind] = r = run(url, args.journeys, args.steps, args.long_steps)
        names = sorted(set(r["disk_bytes_per_journey"]) | set(r["rows_bytes_per_journey"]))
        print_table(f"{kind}: bytes per completed journey ({r['journey']}, {r['journeys']} runs)",
                    ["table", "rows B", "disk B (with indexes)"],
                    [[t, r["rows_bytes_per_journey"].get(t, ""),
                      r["disk_bytes_per_journey"].get(t, "")] for t in names]
                    + [["total", r["rows_total"], r["disk_total"]]])
        li = r["long_instance"]
        print(f"disk growth before VACUUM FULL: {r['disk_total_before_vacuum']:,} B per journey")
        print(f"one instance after {li['steps']} steps: {li['rows_total']:,} B of rows "
              f"(state {li['state_bytes']:,} B)")
    write_result(args.out, {"results": results}, None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
