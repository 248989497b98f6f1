"""Operations console at scale: the figures page over 100,000 completed complaints, and the
instance search and heat map over 100,000 open ones.

Loads ``--closed`` completed complaints (each with one to three closed tiers in its
``tier_history``, outcomes, divisions) and ``--open`` open instances of the loop diagram (tier,
division, deadline, client name; one open task each, a fifth claimed) by cloning real instances
(``bench.common.clone_instances``), then times, server-side:

* ``figures page``   ``GET /operations/figures`` (every figure, charts rendered) and
  ``figures compute`` (the SQL alone);
* ``search …``       ``GET /operations`` with no filter, by client name, tier, overdue, and
  incident status (each a page of 50 and the counts);
* ``heat map``       ``engine.heatmap.heat`` for the open instances' process, and
  ``GET /operations/heatmap.json``.

Goals (issue 13): figures page < 1 s; search and heat map p95 < 300 ms, on PostgreSQL.
Run: ``python bench/operations.py [--open N] [--closed N] [--quick]``.
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

from sqlalchemy import text

from bench.common import (
    CloneSpec,
    add_common_args,
    clone_instances,
    database,
    diagram_files,
    kinds,
    print_table,
    summarize,
    timed,
    write_result,
)
from engine import Engine, SimulatedClock
from engine.db import is_postgres
from engine.heatmap import heat
from web.app import create_app
from workflows.bootstrap import build_engine
from workflows.complaint_figures import compute
from workflows.users import Users

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
TIERS = ("dissatisfaction", "resolution", "resolution", "review", "ice")
OUTCOMES = ("upheld", "part_upheld", "not_upheld", "not_upheld", "justified", None)
DIVISIONS = ("england-and-wales",) * 6 + ("scotland", "northern-ireland")
FIRST = ("Alex", "Sam", "Robin", "Jordan", "Casey", "Morgan", "Taylor", "Jamie")
LAST = ("Example", "Sample", "Testwell", "Placeholder", "Demo", "Fictional")
LANES = ("caseworker", "team_leader", "resolution_case_manager", "review_case_manager")


class Closed(CloneSpec):
    """Completed complaints of the CMS package, each tier closed in ``tier_history``."""

    def business_key(self, i: int) -> str:
        return f"CLS-{i:07d}"

    def instance(self, i: int) -> dict[str, Any]:
        rnd = random.Random(i)
        received = NOW - timedelta(days=rnd.uniform(5, 360))
        history = []
        for tier in ("dissatisfaction", "resolution", "review")[:rnd.randrange(1, 4)]:
            closed = received + timedelta(days=rnd.uniform(1, 30))
            history.append({"tier": tier, "received_date": received.date().isoformat(),
                            "response_due": (received + timedelta(days=21)).date().isoformat(),
                            "closed_date": closed.date().isoformat(),
                            "outcome": None if tier == "dissatisfaction" else rnd.choice(
                                OUTCOMES)})
            received = closed + timedelta(days=rnd.uniform(0, 20))
        ended = received
        return {"process_id": "complaint_journey", "status": "completed", "ended_at": ended,
                "updated_at": ended, "started_at": ended - timedelta(days=40),
                "summary": {"tier": "closed", "division": rnd.choice(DIVISIONS),
                            "tier_history": history, "subject": f"s-{rnd.randrange(30)}"}}


class Open(CloneSpec):
    """Open instances with what the search filters on."""

    def instance(self, i: int) -> dict[str, Any]:
        rnd = random.Random(i * 7)
        received = NOW - timedelta(days=rnd.uniform(0, 90))
        return {"started_at": received, "updated_at": received, "summary": {
            "tier": rnd.choice(TIERS), "stage": "investigation",
            "division": rnd.choice(DIVISIONS), "received_date": received.date().isoformat(),
            "response_due": (received + timedelta(days=21)).date().isoformat(),
            "owner_role": rnd.choice(LANES),
            "client.name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {i}"}}

    def task(self, i: int) -> dict[str, Any]:
        rnd = random.Random(i * 11)
        return {"lane": LANES[i % len(LANES)],
                "created_at": NOW - timedelta(days=rnd.uniform(0, 90)),
                "assignee": f"user{i % 40}" if i % 5 == 0 else None}


def load(engine: Engine, open_count: int, closed: int) -> float:
    t0 = time.perf_counter()
    template = engine.start("bench_loop", business_key="TEMPLATE", user="bench",
                            data={"counter": 0, "limit": 1_000_000})
    done = engine.start("bench_loop", business_key="TEMPLATE-CLOSED", user="bench",
                        data={"counter": 0, "limit": 1})
    [task] = engine.tasks(instance_id=done.id)
    engine.complete(task.id, {"note": "template"}, user="bench")
    clone_instances(engine, done.id, closed, Closed())
    clone_instances(engine, template.id, open_count, Open(), first_number=closed + 1)
    if is_postgres(engine.db):
        with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.db.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - t0


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = build_engine(url, clock=SimulatedClock(NOW))
    engine.init_db()
    engine.deploy(diagram_files("loop.bpmn"), name="bench", user="bench")
    took = load(engine, args.open, args.closed)
    users = Users(engine)
    ops = users.create("bench-ops", display_name="Bench", roles=("operations",))
    headers = {"Authorization": f"Bearer {users.issue_token(ops.id, 'bench').secret}"}
    client = create_app(engine, test_mode=False, config={"SECRET_KEY": "bench",
                                                         "TESTING": True}).test_client()

    def get(path: str) -> Any:
        def call() -> None:
            reply = client.get(path, headers=headers)
            assert reply.status_code == 200, (path, reply.status_code)
        return call

    ops_: dict[str, tuple[Any, int]] = {
        "figures compute": (lambda: compute(engine, "CMS"), args.figures_repeat),
        "figures page": (get("/operations/figures?department=CMS"), args.figures_repeat),
        "search: first page": (get("/operations"), args.repeat),
        "search: client name": (get("/operations?client_name=robin+example+12"), args.repeat),
        "search: tier": (get("/operations?tier=review"), args.repeat),
        "search: overdue": (get("/operations?overdue=1"), args.repeat),
        "search: incident": (get("/operations?status=incident"), args.repeat),
        "heat map (SQL)": (lambda: heat(engine, "bench_loop"), args.repeat),
        "heat map (JSON)": (get("/operations/heatmap.json?process_id=bench_loop"),
                            args.repeat),
    }
    results: dict[str, Any] = {"load_s": took}
    for name, (op, repeat) in ops_.items():
        op()  # warm caches and plans
        results[name] = summarize(timed(op, repeat)[0])
    engine.close()
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "operations")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--figures-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.quick:
        args.open, args.closed, args.repeat, args.figures_repeat = 500, 500, 3, 1
    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg, keep=args.keep) as url:
            results[kind] = run(url, args)
        r = results[kind]
        print_table(f"{kind}: {args.closed:,} completed + {args.open:,} open "
                    f"(loaded in {r['load_s']:.0f} s)",
                    ["operation", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"],
                    [[name, s["n"], s["p50_ms"], s["p90_ms"], s["p99_ms"], s["max_ms"]]
                     for name, s in r.items() if isinstance(s, dict) and "p50_ms" in s])
    write_result(args.out, {"open": args.open, "closed": args.closed, "results": results},
                 None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
