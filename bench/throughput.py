"""Throughput: task completions/s and journeys started/s with 1, 2, 4… worker processes.

Each worker is a separate process with its own ``Engine`` (as gunicorn workers would be) and
works on instances of its own, so workers never conflict on a row: what is measured is the
engine and the database, not lock waits. A completion is what a caseworker's request does:
find the instance's open task (``Engine.tasks``), then ``Engine.complete`` it. A start is
``Engine.start`` of the loop diagram (instance row, first task row, audit).

``--cold`` also runs every worker with the warm workflow cache off (``cache_size=0``), which is
what a deployment sees when requests for one instance land on different processes.

Each run also reports the CPU one operation costs, in the worker (Python) and in its PostgreSQL
server process (read from ``/proc``), and ``cpu_bound_per_s`` = cores ÷ that: the rate the
machine would reach flat out. Unlike operations/s it does not move when something else runs on
the machine at the same time.

Run: ``python bench/throughput.py [--workers 1,2,4,8] [--seconds 10]``. PostgreSQL is the
point; SQLite (one writer at a time) is measured too unless ``--no-sqlite``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    add_common_args,
    collect,
    database,
    kinds,
    make_engine,
    print_table,
    summarize,
    write_result,
)
from engine import ConflictError

PROCESS = "bench_loop"


def _worker(url: str, phase: str, worker: int, instance_ids: list[int], seconds: float,
            cache_size: int, barrier: Any, results: Any) -> None:
    engine = make_engine(url, init=False, cache_size=cache_size)
    latencies: list[float] = []
    conflicts = 0
    # Warm up: definitions parsed, pool filled, one of each call made.
    if phase == "complete":
        for instance_id in instance_ids:
            [task] = engine.tasks(instance_id=instance_id)
            engine.complete(task.id, {"note": "warm"}, user="bench")
    else:
        engine.start(PROCESS, business_key=f"WARM-{worker}", user="bench",
                     data={"counter": 0, "limit": 1_000_000})
    backend = _backend_pid(engine)
    barrier.wait()
    cpu0, pg0 = time.process_time(), _cpu_seconds(backend)
    started = time.perf_counter()
    deadline = started + seconds
    n = 0
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            if phase == "complete":
                instance_id = instance_ids[n % len(instance_ids)]
                [task] = engine.tasks(instance_id=instance_id)
                engine.complete(task.id, {"note": "done"}, user="bench")
            else:
                engine.start(PROCESS, business_key=f"W{worker}-{n}", user="bench",
                             data={"counter": 0, "limit": 1_000_000})
        except ConflictError:
            conflicts += 1
        latencies.append(time.perf_counter() - t0)
        n += 1
    elapsed = time.perf_counter() - started
    cpu, pg = time.process_time() - cpu0, _cpu_seconds(backend) - pg0
    engine.close()
    results.put({"worker": worker, "ops": n, "elapsed": elapsed, "conflicts": conflicts,
                 "latencies": latencies, "cpu": cpu, "pg_cpu": pg})


def _backend_pid(engine: Any) -> int | None:
    """The PostgreSQL server process of this worker's one pooled connection (same machine)."""
    if engine.db.dialect.name != "postgresql":
        return None
    with engine.db.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())


def _cpu_seconds(pid: int | None) -> float:
    """CPU time a process has used, from /proc (0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_phase(url: str, phase: str, workers: int, seconds: float, per_worker: int,
              cache_size: int) -> dict[str, Any]:
    setup = make_engine(url, init=False)
    groups: list[list[int]] = []
    if phase == "complete":
        for w in range(workers):
            groups.append([setup.start(PROCESS, business_key=f"T{workers}-{w}-{i}", user="bench",
                                       data={"counter": 0, "limit": 1_000_000}).id
                           for i in range(per_worker)])
    else:
        groups = [[] for _ in range(workers)]
    setup.close()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(workers)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, phase, w, groups[w], seconds, cache_size,
                                               barrier, queue)) for w in range(workers)]
    for p in procs:
        p.start()
    found = collect(procs, queue, seconds + 300)
    latencies = [t for r in found for t in r["latencies"]]
    ops = sum(r["ops"] for r in found)
    client_ms = 1000 * sum(r["cpu"] for r in found) / ops
    server_ms = 1000 * sum(r["pg_cpu"] for r in found) / ops
    return {"workers": workers, "ops": ops,
            "per_s": sum(r["ops"] / r["elapsed"] for r in found),
            "conflicts": sum(r["conflicts"] for r in found), "latency": summarize(latencies),
            # CPU per operation does not depend on what else the machine runs: with it,
            # cores ÷ (client + server) is what the machine could do flat out.
            "cpu_ms_per_op": {"python": client_ms, "postgres_backend": server_ms},
            "cpu_bound_per_s": (os.cpu_count() or 1) * 1000 / (client_ms + server_ms)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "throughput")
    parser.add_argument("--workers", default="1,2,4,8", help="comma-separated process counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per run")
    parser.add_argument("--instances", type=int, default=20, help="instances per worker")
    parser.add_argument("--cold", action="store_true",
                        help="also run with the warm workflow cache off")
    args = parser.parse_args(argv)
    if args.quick:
        args.workers, args.seconds, args.instances = "1,2", 1.0, 3
    counts = [int(w) for w in args.workers.split(",")]
    caches = [("warm", 2000), ("cold", 0)] if args.cold else [("warm", 2000)]

    results: dict[str, Any] = {}
    for kind in kinds(args):
        with database(kind, args.pg) as url:
            make_engine(url).close()
            for label, cache_size in caches:
                for phase in ("complete", "start"):
                    for workers in counts:
                        key = f"{kind}/{label}/{phase}/{workers}"
                        results[key] = run_phase(url, phase, workers, args.seconds,
                                                 args.instances, cache_size)
                        r = results[key]
                        cpu = r["cpu_ms_per_op"]
                        print(f"{key:<32} {r['per_s']:>9,.0f}/s  p50 "
                              f"{r['latency']['p50_ms']:.2f} ms  p99 {r['latency']['p99_ms']:.2f}"
                              f" ms  CPU/op {cpu['python']:.2f} + {cpu['postgres_backend']:.2f}"
                              f" ms (bound {r['cpu_bound_per_s']:,.0f}/s)  conflicts "
                              f"{r['conflicts']}", flush=True)
    print_table("Throughput (operations per second, all workers together)",
                ["database / cache / operation", *[f"{w} proc" for w in counts]],
                [[f"{k} {c} {p}", *[results[f"{k}/{c}/{p}/{w}"]["per_s"] for w in counts]]
                 for k in kinds(args) for c, _ in caches for p in ("complete", "start")])
    write_result(args.out, {"seconds": args.seconds, "workers": counts, "results": results},
                 None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
