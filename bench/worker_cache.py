"""Worker caches: what a completion costs when a case's requests land on different workers.

Each web worker keeps its own warm cache of live workflows (``engine.cache``), checked by
revision. ``bench/throughput.py``'s engine processes each own their instances, so every step
finds its workflow warm. Behind gunicorn's sync workers (or a proxy that spreads requests),
consecutive requests for one case land on whichever worker is free: with N workers about
(N-1)/N of them find the cached workflow one revision old, and the step reads the state and
rebuilds the workflow from it (what ``bench/engine.py`` calls *cold*).

This measures that in one process, without gunicorn or sockets: two Flask apps built on the
same database (two workers' engines, two caches) serve ``POST /api/v1/tasks/<id>/complete``
for the same instances through their WSGI callables, either always the same app (every step
warm) or alternating (every step finds the other app's revision). Rounds are interleaved;
the table gives the median wall and CPU time per request of each way.

Run: ``python bench/worker_cache.py [--requests 1000] [--rounds 3] [--no-sqlite]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_common_args,
    database,
    kinds,
    percentile,
    print_table,
    write_result,
)
from bench.http_api import open_tasks, prepare  # noqa: E402

WAYS = ("same worker", "alternating workers")


class Caller:
    """Completes one instance's open task again and again through a WSGI app."""

    def __init__(self, token: str, task_id: str) -> None:
        self.token, self.task_id = token, task_id
        self.body = json.dumps({"data": {"note": "bench"}}).encode()

    def __call__(self, app: Any) -> None:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/tasks/{self.task_id}/complete",
            "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(self.body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(self.body)),
            "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "REMOTE_ADDR": "127.0.0.1",
        }
        status: list[str] = []
        reply = b"".join(app(environ, lambda s, _h, _e=None: status.append(s)))
        if not status or not status[0].startswith("200"):
            raise RuntimeError(f"{status}: {reply[:300]!r}")
        self.task_id = str(json.loads(reply)["open_tasks"][0]["id"])


def _timed(calls: int, step: Callable[[int], None]) -> dict[str, float]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(calls):
        step(i)
    return {"wall_ms": 1000 * (time.perf_counter() - wall0) / calls,
            "cpu_ms": 1000 * (time.process_time() - cpu0) / calls}


def measure(url: str, requests: int, rounds: int) -> dict[str, Any]:
    """Per way, the median over ``rounds`` (as ``bench/engine.py`` takes it: the lower middle
    of an even count) of the mean wall and CPU ms per request."""
    token, ids = prepare(url, 1)
    os.environ.setdefault("REDRESS_SECRET_KEY", "bench-only-secret")
    from web.app import create_app
    from workflows.bootstrap import build_engine

    apps = [create_app(build_engine(url)).wsgi_app for _ in range(2)]
    caller = Caller(token, open_tasks(url, ids)[0])
    for i in range(20):  # warm both: definitions parsed, statements prepared, pools filled
        caller(apps[i % 2])
    ways: dict[str, Callable[[int], None]] = {
        "same worker": lambda _i: caller(apps[0]),
        "alternating workers": lambda i: caller(apps[i % 2]),
    }
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    for number in range(rounds):
        for way in WAYS if number % 2 == 0 else reversed(WAYS):  # turn the order
            runs[way].append(_timed(requests, ways[way]))
    found: dict[str, Any] = {
        way: {key: percentile([r[key] for r in runs[way]], 50) for key in ("wall_ms", "cpu_ms")}
        | {"runs": runs[way]} for way in WAYS}
    warm, cold = found["same worker"], found["alternating workers"]
    found["extra_cpu_ms_per_request"] = cold["cpu_ms"] - warm["cpu_ms"]
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "worker_cache")
    parser.add_argument("--requests", type=int, default=1000, help="requests per way and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.rounds = 20, 2
    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg, keep=args.keep) as url:
            results[kind] = measure(url, args.requests, args.rounds)
    print_table(f"POST /api/v1/tasks/<id>/complete through two apps' WSGI callables "
                f"({args.requests} requests, median of {args.rounds} rounds)",
                ["database", "requests go to", "wall ms", "CPU ms", "extra CPU ms"],
                [[kind, way, r[way]["wall_ms"], r[way]["cpu_ms"],
                  r[way]["cpu_ms"] - r["same worker"]["cpu_ms"]]
                 for kind, r in results.items() for way in WAYS])
    write_result(args.out, {"requests": args.requests, "rounds": args.rounds,
                            "results": results}, None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
