"""Storage: bytes per completed journey, every table, on PostgreSQL (and the SQLite file).

Runs ``--journeys`` journeys to completion and measures what they left behind, two ways:

* ``rows``   the bytes of the journeys' own rows (``sum(pg_column_size(t.*))``, TOASTed values
             counted compressed as stored), in every table that has an ``instance_id`` (and
             ``process_instances`` itself): what a journey costs before indexes;
* ``disk``   the growth of every table in the schema with its indexes and TOAST
             (``pg_total_relation_size`` before and after, both after ``VACUUM FULL``), divided
             by the number of journeys: what the disk pays once dead row versions are
             reclaimed. The growth before that vacuum (``disk_total_before_vacuum``) is
             printed too.

Two journeys:

* ``complaint``  the real complaints package (``workflows.packages``) driven by the journey
                 tests' driver (``tests/journey/driver.py``) from first contact through every
                 tier to the PHSO outcome: about 30 person steps, 5 messages, 7 PDF letters;
* ``loop``       the benchmark loop (``bench/diagrams/loop.bpmn``) for ``--steps`` user tasks,
                 and one loop instance after 200 steps (SpiffArena stored about 1 MB for one).

Run: ``python bench/storage.py [--journeys 200] [--steps 12]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import inspect, text

from bench.common import (
    add_common_args,
    database,
    kinds,
    make_engine,
    print_table,
    write_result,
)
from engine import Engine, SimulatedClock
from engine.db import is_postgres

Journey = Callable[[Engine, str], int]


def loop_journey(steps: int) -> Journey:
    def run(engine: Engine, key: str) -> int:
        """One loop journey of ``steps`` user tasks, to its end; the instance id."""
        instance = engine.start("bench_loop", business_key=key, user="bench",
                                data={"counter": 0, "limit": steps,
                                      "complainant": "A. Person", "channel": "letter"})
        for n in range(steps):
            [task] = engine.tasks(instance_id=instance.id)
            engine.complete(task.id, {"note": f"step {n}: called the complainant, agreed next "
                                      "steps", "outcome": "in progress"}, user="cw1")
        assert engine.instance(instance.id, with_data=False).status == "completed"
        return instance.id

    return run


def complaint_journey(clock: SimulatedClock) -> Journey:
    """The full complaints journey of tests/journey/test_full_journeys.py (R08)."""
    from tests.journey import driver

    def run(engine: Engine, key: str) -> int:
        # A month apart, so that no three close on one subject within 30 days (R29 would ask
        # for a systemic-issue confirmation the driver does not give).
        clock.advance(timedelta(days=31))
        case = driver.start(engine, clock, key)
        driver.log_contact(case)
        driver.dissatisfaction_unresolved(case, told_by_phone=False)
        driver.resolution(case, outcome="not_upheld", dissatisfied=True)
        driver.review(case, outcome="not_upheld")
        case.send("ice_referral", {"received_date": "2026-05-20"})
        driver.ice(case)
        case.send("phso_summary", {"referred_by_mp": True})
        case.complete("ph_draft", {"draft_response_summary": "Our account of the case."})
        case.send("phso_outcome", {"outcome": "part_upheld"})
        case.complete("ph_actions", {"case_actions_completed": True,
                                     "systemic_recommendations": []})
        assert case.status == "completed", case.status
        return case.instance_id

    return run


def complaints_engine(url: str, clock: SimulatedClock) -> Engine | None:
    """Redress's own engine with the complaints package deployed; None if not available."""
    try:
        from workflows.bootstrap import build_engine
        from workflows.packages import COMPLAINTS_PACKAGE, package_files
    except ImportError:
        return None
    engine = build_engine(url, clock=clock)
    engine.init_db()
    engine.deploy(package_files(COMPLAINTS_PACKAGE), name="complaints", user="bench")
    engine.deploy({"loop.bpmn": (Path(__file__).parent / "diagrams" / "loop.bpmn").read_bytes()},
                  name="bench", user="bench")
    return engine


def _tables(engine: Engine) -> list[str]:
    return sorted(t for t in inspect(engine.db).get_table_names() if t != "alembic_version")


def _disk(engine: Engine) -> dict[str, int]:
    with engine.db.connect() as conn:
        if is_postgres(engine.db):
            return {t: int(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar()
                           or 0) for t in _tables(engine)}
        pages = conn.execute(text("PRAGMA page_count")).scalar() or 0
        size = conn.execute(text("PRAGMA page_size")).scalar() or 0
        return {"sqlite file (all tables)": int(pages) * int(size)}


def _row_bytes(engine: Engine, ids: list[int]) -> dict[str, int]:
    if not is_postgres(engine.db):
        return {}
    found: dict[str, int] = {}
    inspector = inspect(engine.db)
    with engine.db.connect() as conn:
        for table in _tables(engine):
            columns = {c["name"] for c in inspector.get_columns(table)}
            key = "id" if table == "process_instances" else "instance_id"
            if key not in columns:
                continue
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
            # Only this schema's tables: a database-wide VACUUM FULL would wait on (and can
            # deadlock with) whatever else uses the same database.
            tables = conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
            for table in list(tables):
                conn.execute(text(f'VACUUM FULL "{table}"'))
    else:
        raw = engine.db.raw_connection()  # autocommit: the engine's BEGIN would block VACUUM
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()


def measure(engine: Engine, journey: Journey, label: str, journeys: int) -> dict[str, Any]:
    journey(engine, f"WARM-{label}")
    _compact(engine)
    before = _disk(engine)
    ids = [journey(engine, f"{label}-{i:05d}") for i in range(journeys)]
    grown = _disk(engine)
    _compact(engine)
    after = _disk(engine)
    disk = {t: round((after[t] - before.get(t, 0)) / journeys) for t in after}
    rows = {t: round(b / journeys) for t, b in _row_bytes(engine, ids).items()}
    return {"journey": label, "journeys": journeys,
            "rows_bytes_per_journey": rows, "rows_total": sum(rows.values()),
            "disk_bytes_per_journey": disk, "disk_total": sum(disk.values()),
            "disk_total_before_vacuum": round(
                (sum(grown.values()) - sum(before.values())) / journeys),
            "state_bytes_completed": _state_bytes(engine, ids[-1])}


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    clock = SimulatedClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))  # as the journey tests
    engine = complaints_engine(url, clock) if not args.loop_only else None
    found: dict[str, Any] = {}
    if engine is not None:
        found["complaint"] = measure(engine, complaint_journey(clock), "complaint",
                                     args.complaints)
    else:
        engine = make_engine(url)
    found["loop"] = measure(engine, loop_journey(args.steps), "loop", args.journeys)
    found["loop"]["journey"] = f"bench_loop, {args.steps} user tasks"
    long_id = loop_journey(args.long_steps)(engine, "LONG")
    long_rows = _row_bytes(engine, [long_id])
    found["long_instance"] = {"steps": args.long_steps, "rows_bytes": long_rows,
                              "rows_total": sum(long_rows.values()),
                              "state_bytes": _state_bytes(engine, long_id)}
    engine.close()
    return found


def _print(kind: str, r: dict[str, Any]) -> None:
    names = sorted(t for t in set(r["disk_bytes_per_journey"]) | set(r["rows_bytes_per_journey"])
                   if r["disk_bytes_per_journey"].get(t) or r["rows_bytes_per_journey"].get(t))
    print_table(f"{kind}: bytes per completed {r['journey']} journey ({r['journeys']} runs)",
                ["table", "rows B", "disk B (with indexes)"],
                [[t, r["rows_bytes_per_journey"].get(t, ""),
                  r["disk_bytes_per_journey"].get(t, "")] for t in names]
                + [["total", r["rows_total"], r["disk_total"]]])
    print(f"disk growth before VACUUM FULL: {r['disk_total_before_vacuum']:,} B per journey")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "storage")
    parser.add_argument("--complaints", type=int, default=100, help="complaint journeys")
    parser.add_argument("--journeys", type=int, default=500, help="loop journeys")
    parser.add_argument("--steps", type=int, default=12, help="user tasks per loop journey")
    parser.add_argument("--long-steps", type=int, default=200)
    parser.add_argument("--loop-only", action="store_true",
                        help="skip the complaints package (loop diagram only)")
    args = parser.parse_args(argv)
    if args.quick:
        # Enough journeys that their rows outgrow the free space left in the tables' last
        # pages: with 2 complaints the compacted growth was sometimes 0 bytes.
        args.complaints, args.journeys, args.steps, args.long_steps = 6, 40, 3, 20

    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg) as url:
            results[kind] = r = run(url, args)
        for name in ("complaint", "loop"):
            if name in r:
                _print(kind, r[name])
        li = r["long_instance"]
        print(f"one loop instance after {li['steps']} steps: {li['rows_total']:,} B of rows "
              f"(state {li['state_bytes']:,} B)")
    write_result(args.out, {"results": results}, None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
