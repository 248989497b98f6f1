"""Caseworker pages under load: the inbox over 10,000 open tasks, the case page of a case
with a 200-event history, answered by the real Flask app (server-side time, p95 goal 100 ms).

The open tasks are clones of one real complaint waiting at "Log contact and triage facts"
(``bench.common.clone_instances``), all in the caseworker queue; the history case is a clone
with 200 audit rows copied from a real case's. Each page is asked for ``--repeat`` times by a
signed-in caseworker through Flask's test client (no network), so the time is the server's:
routing, access check, queries and template. Run: ``python bench/caseworker_pages.py``.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    add_common_args,
    clone_instances,
    database,
    kinds,
    percentile,
    print_table,
    summarize,
    timed,
    write_result,
)
from engine import SimulatedClock
from web.app import create_app
from workflows.bootstrap import build_engine
from workflows.demo import demo_password, seed_demo

GOAL_MS = 100.0


def _signed_in(app: Any) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    done = client.post("/login", data={"username": "caseworker", "csrf_token": csrf.group(1),
                                       "password": demo_password("caseworker")})
    assert done.status_code == 302, done.status_code
    return client


def measure(kind: str, url: str, tasks: int, history: int, repeat: int) -> list[dict[str, Any]]:
    engine = build_engine(url, clock=SimulatedClock(datetime(2026, 3, 27, 9, tzinfo=UTC)))
    try:
        engine.init_db()
        seed_demo(engine)
        template = engine.start("complaint_journey", business_key="BENCH-TEMPLATE",
                                user="bench", data={"division": "england-and-wales",
                                                    "client": {"name": "Bench Client"}})
        clone_instances(engine, template.id, tasks - 1)
        [busy] = clone_instances(engine, template.id, 1, audit_per_instance=history,
                                 first_number=tasks + 1)
        app = create_app(engine, test_mode=True, config={"TESTING": True,
                                                         "SECRET_KEY": "bench"})
        client = _signed_in(app)
        rows = []
        for name, path in (("inbox, first page", "/inbox?view=queues&clear=1"),
                           ("inbox, my tasks", "/inbox?view=mine"),
                           ("inbox, page 200", "/inbox?view=queues&page=200"),
                           ("inbox, by division", "/inbox?view=queues&division=scotland"),
                           (f"case page, {history} events", f"/cases/{busy}")):
            client.get(path)  # warm: templates compiled, caches filled
            seconds, response = timed(lambda p=path: client.get(p), repeat)
            assert response.status_code == 200, (path, response.status_code)
            p95 = percentile([s * 1000 for s in seconds], 95)
            rows.append({"database": kind, "page": name, "open_tasks": tasks,
                         **summarize(seconds), "p95_ms": p95, "goal_met": p95 < GOAL_MS})
        return rows
    finally:
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "caseworker_pages")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    tasks, repeat = (300, 5) if args.quick else (args.tasks, args.repeat)
    rows: list[dict[str, Any]] = []
    for kind in kinds(args):
        with database(kind, args.pg, keep=args.keep) as url:
            rows += measure(kind, url, tasks, args.history, repeat)
    print_table(f"Caseworker pages, server-side ms ({tasks:,} open tasks; goal p95 < "
                f"{GOAL_MS:.0f} ms)", ["database", "page", "p50", "p95", "max", "goal met"],
                [[r["database"], r["page"], r["p50_ms"], r["p95_ms"], r["max_ms"],
                  r["goal_met"]] for r in rows])
    write_result(args.out, {"benchmark": "caseworker_pages", "goal_p95_ms": GOAL_MS,
                            "results": rows}, None if args.no_pg else args.pg)


if __name__ == "__main__":
    main()
