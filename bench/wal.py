"""WAL and dead row versions per journey on PostgreSQL: what a step writes, not what it keeps.

Runs ``--complaints`` complaint journeys (the real package, as ``bench/storage.py``) and
``--journeys`` 12-step loop journeys, then reports per journey:

* ``wal_bytes``   WAL records that touch the run's own tables, indexes and TOAST (found with
                  ``pg_walinspect`` by relfilenode) plus the commit records of their
                  transactions; other sessions on the same server (other tests) do not count.
                  ``wal_bytes_no_fpi`` leaves out full-page images, which depend on when the
                  last checkpoint happened rather than on the step;
* ``dead_tuples`` ``n_dead_tup`` per table and TOAST table (autovacuum is off for the run's
                  tables, so none are reclaimed while it runs; HOT pruning still is);
* ``updates`` / ``hot_updates`` of ``process_instances``: a HOT update adds no index entries.

Run: ``python bench/wal.py [--complaints 20] [--journeys 50]``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import add_common_args, database, print_table, write_result
from bench.storage import complaint_journey, complaints_engine, loop_journey
from engine import Engine, SimulatedClock

# The run's tables, and their TOAST tables under the owner's name ("toast:process_instances").
_STATS = ("SELECT COALESCE('toast:' || o.relname, s.relname) AS relname, s.n_dead_tup,"
          " s.n_tup_upd, s.n_tup_hot_upd, s.n_tup_ins FROM pg_stat_all_tables s"
          " LEFT JOIN pg_class o ON o.reltoastrelid = s.relid"
          " AND o.relnamespace = to_regnamespace(current_schema())"
          " WHERE s.schemaname = current_schema() OR o.oid IS NOT NULL")
_FILENODES = text(
    "SELECT c.relfilenode FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname IN (current_schema(), 'pg_toast') AND c.relfilenode <> 0 AND ("
    " n.nspname = current_schema() OR c.oid IN ("
    "  SELECT reltoastrelid FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace"
    "  WHERE tn.nspname = current_schema()"
    "  UNION SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN ("
    "   SELECT reltoastrelid FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace"
    "   WHERE tn.nspname = current_schema())))")
_WAL = text(
    "WITH recs AS (SELECT * FROM pg_get_wal_records_info(CAST(:a AS pg_lsn), CAST(:b AS pg_lsn)))"
    ", ours AS (SELECT DISTINCT r.start_lsn, r.xid, r.record_length, r.fpi_length FROM recs r,"
    " LATERAL regexp_matches(r.block_ref, 'rel \\d+/\\d+/(\\d+)', 'g') m"
    " WHERE m[1]::oid = ANY(:nodes))"
    ", commits AS (SELECT r.start_lsn, r.xid, r.record_length, r.fpi_length FROM recs r"
    " WHERE r.resource_manager = 'Transaction' AND r.xid IN (SELECT xid FROM ours))"
    "SELECT count(*), COALESCE(sum(record_length), 0), COALESCE(sum(fpi_length), 0)"
    " FROM (SELECT * FROM ours UNION SELECT * FROM commits) x")


def _stats(url: str) -> dict[str, dict[str, int]]:
    db = create_engine(url)
    with db.connect() as conn:
        rows = conn.execute(text(_STATS)).all()
    db.dispose()
    return {r.relname: {"dead": r.n_dead_tup, "upd": r.n_tup_upd, "hot": r.n_tup_hot_upd,
                        "ins": r.n_tup_ins} for r in rows}


def _lsn(url: str) -> str:
    db = create_engine(url)
    with db.connect() as conn:
        lsn = str(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar())
    db.dispose()
    return lsn


def measure(url: str, label: str, run: Any, engine: Engine, count: int) -> dict[str, Any]:
    run(engine, f"WARM-{label}")
    engine.db.dispose()  # the pool's backends exit, so their table stats are flushed
    before, lsn0 = _stats(url), _lsn(url)
    for i in range(count):
        run(engine, f"{label}-{i:05d}")
    engine.db.dispose()
    lsn1 = _lsn(url)
    after = _stats(url)
    db = create_engine(url)
    with db.connect() as conn:
        nodes = [int(n) for n in conn.execute(_FILENODES).scalars()]
        records, wal, fpi = conn.execute(_WAL, {"a": lsn0, "b": lsn1, "nodes": nodes}).one()
    db.dispose()
    delta = {t: {k: after[t][k] - before.get(t, {}).get(k, 0) for k in after[t]} for t in after}
    pi = delta.get("process_instances", {})
    return {
        "journey": label, "journeys": count,
        "wal_records": round(records / count), "wal_bytes": round(wal / count),
        "wal_bytes_no_fpi": round((wal - fpi) / count),
        "dead_tuples": {t: round(d["dead"] / count) for t, d in delta.items() if d["dead"]},
        "dead_tuples_total": round(sum(d["dead"] for d in delta.values()) / count),
        "process_instances_updates": round(pi.get("upd", 0) / count, 1),
        "process_instances_hot_updates": round(pi.get("hot", 0) / count, 1),
    }


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_walinspect"))
    clock = SimulatedClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    engine = complaints_engine(url, clock)
    assert engine is not None, "the complaints package is needed"
    with admin.begin() as conn:  # nothing reclaimed behind the measurement's back
        for (table,) in conn.execute(text(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")):
            conn.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false,'
                              ' toast.autovacuum_enabled = false)'))
    admin.dispose()
    found = {
        "complaint": measure(url, "complaint", complaint_journey(clock), engine,
                             args.complaints),
        "loop": measure(url, "loop", loop_journey(args.steps), engine, args.journeys),
    }
    found["loop"]["journey"] = f"bench_loop, {args.steps} user tasks"
    engine.close()
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "wal")
    parser.add_argument("--complaints", type=int, default=20, help="complaint journeys")
    parser.add_argument("--journeys", type=int, default=50, help="loop journeys")
    parser.add_argument("--steps", type=int, default=12, help="user tasks per loop journey")
    args = parser.parse_args(argv)
    if args.quick:
        args.complaints, args.journeys, args.steps = 1, 3, 3
    if args.no_pg:
        print("bench/wal.py measures PostgreSQL only; nothing to do with --no-pg")
        return {}
    with database("postgresql", args.pg, keep=args.keep) as url:
        results = run(url, args)
    print_table("WAL and dead row versions per journey (PostgreSQL)",
                ["journey", "WAL B", "WAL B without FPI", "WAL records", "dead tuples",
                 "instance updates", "of which HOT"],
                [[r["journey"], r["wal_bytes"], r["wal_bytes_no_fpi"], r["wal_records"],
                  r["dead_tuples_total"], r["process_instances_updates"],
                  r["process_instances_hot_updates"]] for r in results.values()])
    for r in results.values():
        print(f"{r['journey']}: dead tuples by table {r['dead_tuples']}")
    write_result(args.out, {"results": results}, args.pg)
    return results


if __name__ == "__main__":
    main()
