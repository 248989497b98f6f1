"""Scale: a completion, the inbox, instance search and the figures at 100,000 open instances.

Loads ``--instances`` open instances of the loop diagram (default 100,000) plus ``--closed``
completed ones, with ``--audit`` audit rows (default 1,000,000), by cloning real instances
(see ``bench.common.clone_instances``): every clone is a genuine instance the engine can step.
Open tasks are spread over ten lanes (half in ``caseworker``), a fifth are claimed, and creation
times span 90 days. Then it times, p50 and p99:

* ``complete``      ``Engine.complete`` on a random instance (its workflow is not cached);
* ``inbox``         ``Engine.tasks(roles=…)``: one lane, two lanes, and one person's claimed work;
* ``search``        ``Engine.instances(business_key=…)`` and a status-filtered list page;
* ``figures``       ``workflows.figures.compute`` (the operations dashboard) when importable,
                    and ``figures-sql``, the same volumes as one aggregate query.

The query plans (PostgreSQL ``EXPLAIN ANALYZE``, SQLite ``EXPLAIN QUERY PLAN``) are saved in
the JSON so a missing index shows. Run: ``python bench/scale.py [--instances N] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bench.common import (
    CloneSpec,
    add_common_args,
    clone_instances,
    database,
    kinds,
    make_engine,
    print_table,
    summarize,
    timed,
    write_result,
)
from engine import Engine
from engine.db import is_postgres
from engine.tables import human_tasks, process_instances

LANES = (["caseworker"] * 10 + ["team_leader", "bau_g7", "resolution_case_manager",
         "resolution_case_manager", "review_case_manager", "review_case_manager", "ice_liaison",
         "phso_team", "special_payment_team", "legal_team"])
TIERS = ("dissatisfaction", "resolution", "resolution", "review", "ice", "phso")
OUTCOMES = ("upheld", "part_upheld", "not_upheld", "not_upheld", "justified")
NOW = datetime.now(UTC)


class ComplaintLike(CloneSpec):
    """Clones that look like a complaint caseload: lanes, tiers, deadlines, some claimed."""

    def __init__(self, closed: bool = False) -> None:
        self.closed = closed

    def business_key(self, i: int) -> str:
        return f"{'CLS' if self.closed else 'CMS'}-{i:07d}"

    def instance(self, i: int) -> dict[str, Any]:
        rnd = random.Random(i * 2 + self.closed)
        received = NOW - timedelta(days=rnd.uniform(0, 90))
        summary = {"tier": rnd.choice(TIERS), "stage": "investigation",
                   "received_date": received.date().isoformat(),
                   "response_due": (received + timedelta(days=21)).date().isoformat(),
                   "division": "england_wales", "subject": f"subject-{rnd.randrange(40)}"}
        row: dict[str, Any] = {"started_at": received, "updated_at": received,
                               "summary": summary}
        if self.closed:
            ended = received + timedelta(days=rnd.uniform(3, 40))
            summary["outcome"] = rnd.choice(OUTCOMES)
            row.update(status="completed", ended_at=ended, updated_at=ended)
        return row

    def task(self, i: int) -> dict[str, Any]:
        rnd = random.Random(i * 2 + 7)
        created = NOW - timedelta(days=rnd.uniform(0, 90))
        return {"lane": LANES[i % len(LANES)], "created_at": created,
                "assignee": f"user{i // 5 % 50}" if i % 5 == 0 else None,
                "due_at": created + timedelta(days=21)}


def load(engine: Engine, instances: int, closed: int, audit: int) -> dict[str, float]:
    """Start two real instances and clone them; return the seconds each part took."""
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    template = engine.start("bench_loop", business_key="TEMPLATE", user="bench",
                            data={"counter": 0, "limit": 1_000_000})
    for _ in range(2):
        [task] = engine.tasks(instance_id=template.id)
        engine.complete(task.id, {"note": "template"}, user="bench")
    done = engine.start("bench_loop", business_key="TEMPLATE-CLOSED", user="bench",
                        data={"counter": 0, "limit": 1})
    [task] = engine.tasks(instance_id=done.id)
    engine.complete(task.id, {"note": "template"}, user="bench")
    per = max(1, -(-audit // max(1, instances + closed)))  # at least ``audit`` rows in all
    clone_instances(engine, template.id, instances, ComplaintLike(), audit_per_instance=per)
    if closed:
        clone_instances(engine, done.id, closed, ComplaintLike(closed=True),
                        audit_per_instance=per)
    took["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if is_postgres(engine.db):
        with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.db.begin() as conn:
            conn.execute(text("ANALYZE"))
    took["analyze_s"] = time.perf_counter() - t0
    return took


def counts(engine: Engine) -> dict[str, int]:
    with engine.db.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                for t in ("process_instances", "human_tasks", "audit_log")}


def measure_completions(engine: Engine, samples: int, rnd: random.Random) -> list[float]:
    with engine.db.connect() as conn:
        ids = [r.id for r in conn.execute(
            select(process_instances.c.id).where(process_instances.c.status == "active"))]
    times: list[float] = []
    for instance_id in rnd.sample(ids, min(samples, len(ids))):
        [task] = engine.tasks(instance_id=instance_id)
        t0 = time.perf_counter()
        engine.complete(task.id, {"note": "scale"}, user=task.assignee or "bench",
                        roles={task.lane or "caseworker"})
        times.append(time.perf_counter() - t0)
    return times


def figures_sql(engine: Engine) -> list[Any]:
    """Volumes by status and tier, open tasks by lane: what a SQL-side dashboard would run."""
    tier = process_instances.c.summary["tier"].as_string()
    with engine.db.connect() as conn:
        by_tier = conn.execute(select(process_instances.c.status, tier, func.count())
                               .group_by(process_instances.c.status, tier)).all()
        by_lane = conn.execute(select(human_tasks.c.lane, func.count())
                               .where(human_tasks.c.status == "open")
                               .group_by(human_tasks.c.lane)).all()
    return [*by_tier, *by_lane]


def operations(engine: Engine, rnd: random.Random, instances: int) -> dict[str, Any]:
    """name → zero-argument callable timing one call of the operation."""
    ops: dict[str, Any] = {
        "inbox: one lane (caseworker)": lambda: engine.tasks(roles={"caseworker"}),
        "inbox: two lanes (review, ice)": lambda: engine.tasks(
            roles={"review_case_manager", "ice_liaison"}),
        "inbox: my claimed work": lambda: engine.tasks(assignee=f"user{rnd.randrange(50)}"),
        "search: business key": lambda: engine.instances(
            business_key=f"CMS-{rnd.randrange(1, instances + 1):07d}"),
        "search: active list page": lambda: engine.instances(
            status="active", process_id="bench_loop",
            after_id=rnd.randrange(1, max(2, instances - 200))),
        "figures-sql (aggregate)": lambda: figures_sql(engine),
    }
    try:
        from workflows import figures
    except ImportError:
        return ops
    ops["figures dashboard (workflows.figures)"] = lambda: figures.compute(engine)
    return ops


_EXPLAIN = {
    "inbox one lane": ("SELECT * FROM human_tasks WHERE status = 'open' AND lane IN "
                       "('caseworker') ORDER BY created_at, id LIMIT 200"),
    "inbox two lanes": ("SELECT * FROM human_tasks WHERE status = 'open' AND lane IN "
                        "('review_case_manager', 'ice_liaison') ORDER BY created_at, id "
                        "LIMIT 200"),
    "claimed work": ("SELECT * FROM human_tasks WHERE status = 'open' AND assignee = 'user7' "
                     "ORDER BY created_at, id LIMIT 200"),
    "business key": "SELECT id FROM process_instances WHERE business_key = 'CMS-0000042'",
    "tasks of instance": ("SELECT * FROM human_tasks WHERE status = 'open' AND instance_id = 42 "
                          "ORDER BY created_at, id LIMIT 200"),
}


def plans(engine: Engine) -> dict[str, str]:
    prefix = ("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if is_postgres(engine.db)
              else "EXPLAIN QUERY PLAN ")
    found: dict[str, str] = {}
    with engine.db.connect() as conn:
        for name, sql in _EXPLAIN.items():
            rows = conn.execute(text(prefix + sql)).all()
            found[name] = "\n".join(" | ".join(str(c) for c in r) for r in rows)
    return found


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url)
    took = load(engine, args.instances, args.closed, args.audit)
    rows = counts(engine)
    rnd = random.Random(6)
    completions = measure_completions(engine, args.samples, rnd)
    results: dict[str, Any] = {"rows": rows, **took, "complete": summarize(completions)}
    for name, op in operations(engine, rnd, args.instances).items():
        repeat = args.figures_repeat if name.startswith("figures dashboard") else args.repeat
        op()  # warm the plan and the definition caches
        results[name] = summarize(timed(op, repeat)[0])
    results["plans"] = plans(engine)
    engine.close()
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "scale")
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500, help="completions timed")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per query")
    parser.add_argument("--figures-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.quick:
        args.instances, args.closed, args.audit = 1000, 100, 10_000
        args.samples, args.repeat, args.figures_repeat = 20, 10, 1

    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg, keep=args.keep) as url:
            results[kind] = run(url, args)
        r = results[kind]
        print_table(
            f"{kind}: {r['rows']['process_instances']:,} instances "
            f"({args.instances:,} open), {r['rows']['audit_log']:,} audit rows "
            f"(loaded in {r['load_s']:.1f} s)",
            ["operation", "n", "p50 ms", "p99 ms", "mean ms"],
            [[name, s["n"], s["p50_ms"], s["p99_ms"], s["mean_ms"]]
             for name, s in r.items() if isinstance(s, dict) and "p50_ms" in s])
    write_result(args.out, {"instances": args.instances, "closed": args.closed,
                            "audit": args.audit, "results": results},
                 None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
