"""HTTP throughput: task completions/s through the JSON API under gunicorn, on PostgreSQL.

Starts ``gunicorn -w N 'web.app:create_app()'`` on a fresh
PostgreSQL schema with the loop diagram deployed, a caseworker with an API token, and some open
instances per client. Client processes (two per gunicorn worker, so no worker waits for work)
``POST /api/v1/tasks/<id>/complete`` in a loop, taking the next task id from the reply (which
carries the instance's open tasks, as a caseworker's screen would show them). The clients run on
the same two cores and their CPU is reported, so the figure is a lower bound for the server.

In the same run and database, ``bench/throughput.py``'s completion phase runs with as many
engine processes as gunicorn workers (``Engine.tasks`` + ``Engine.complete``, no HTTP), so
``http ÷ engine`` says what Flask, the JSON API and the sign-in check cost on this host today.

Two ways of serving, each measured: ``sync`` (gunicorn's default sync workers; every request
opens and closes a TCP connection, as a client without keep-alive does) and ``keepalive``
(``--worker-class gthread --threads 1``: one request at a time per worker, as with sync, but
the connection stays open between requests, as a proxy or an integration's HTTP client keeps
it). On a quiet 2-core host the sync workers were the faster (gthread's poller and thread
hand-off cost more than the connection they save), so the README runs those, and ``--modes``
defaults to ``sync``.

Run: ``python bench/http_api.py [--workers 1,2,4] [--seconds 10] [--modes sync,keepalive]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_common_args,
    collect,
    database,
    diagram_files,
    print_table,
    summarize,
    write_result,
)
from bench.throughput import run_phase  # noqa: E402

PROCESS = "bench_loop"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, instances: int) -> tuple[str, list[int]]:
    """Schema, diagram, a caseworker's token and ``instances`` instances; return token, ids."""
    from workflows.bootstrap import build_engine
    from workflows.users import Users

    engine = build_engine(url)
    engine.init_db()
    engine.deploy(diagram_files("loop.bpmn"), name="bench", user="bench")
    users = Users(engine)
    worker = users.ensure("bench_cw", display_name="Bench caseworker", roles=["caseworker"])
    token = users.issue_token(worker.id, "bench").secret
    ids = [engine.start(PROCESS, business_key=f"HTTP-{i}", user="bench",
                        data={"counter": 0, "limit": 1_000_000}).id for i in range(instances)]
    engine.close()
    return token, ids


def open_tasks(url: str, instance_ids: list[int]) -> list[str]:
    from engine import Engine

    engine = Engine.create(url)
    found = [engine.tasks(instance_id=i)[0].id for i in instance_ids]
    engine.close()
    return found


def _children_cpu(parent: int) -> float:
    """CPU seconds used so far by the direct children of ``parent`` (the gunicorn workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


#: gunicorn options per serving mode (see the module docstring).
MODES = {
    "sync": [],
    "keepalive": ["--worker-class", "gthread", "--threads", "1", "--keep-alive", "30"],
}


@contextlib.contextmanager
def gunicorn(url: str, workers: int, mode: str = "sync") -> Iterator[tuple[int, int]]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="redress-http-") as tmp:
        env = {**os.environ, "DATABASE_URL": url, "REDRESS_INSTANCE_DIR": tmp,
               "REDRESS_SECRET_KEY": "bench-only-secret", "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             *MODES[mode], "--log-level", "warning", "web.app:create_app()"],
            cwd=ROOT, env=env)
        try:
            deadline = time.time() + 60
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
            yield port, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class _Client:
    """POSTs completions; with ``keep`` the TCP connection is reused between requests."""

    def __init__(self, port: int, token: str, keep: bool) -> None:
        self.port, self.token, self.keep = port, token, keep
        self.conn: http.client.HTTPConnection | None = None

    def complete(self, task_id: str) -> str:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request("POST", f"/api/v1/tasks/{task_id}/complete",
                              body=json.dumps({"data": {"note": "http"}}),
                              headers={"Authorization": f"Bearer {self.token}",
                                       "Content-Type": "application/json"})
            reply = self.conn.getresponse()
            body = reply.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            if not self.keep:
                raise
            return self.complete(task_id)  # the server closed an idle kept connection
        if not self.keep or reply.will_close:
            self.conn.close()
            self.conn = None
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}: {body[:300]!r}")
        return str(json.loads(body)["open_tasks"][0]["id"])


def _client(port: int, token: str, task_ids: list[str], seconds: float, barrier: Any,
            results: Any, keep: bool = False) -> None:
    client = _Client(port, token, keep)
    ids = list(task_ids)
    for k in range(len(ids)):  # warm every worker's caches and connections
        ids[k] = client.complete(ids[k])
    barrier.wait()
    cpu0, t0 = time.process_time(), time.perf_counter()
    latencies: list[float] = []
    n = 0
    while time.perf_counter() - t0 < seconds:
        s = time.perf_counter()
        ids[n % len(ids)] = client.complete(ids[n % len(ids)])
        latencies.append(time.perf_counter() - s)
        n += 1
    results.put({"ops": n, "elapsed": time.perf_counter() - t0,
                 "client_cpu": time.process_time() - cpu0, "latencies": latencies})


def run(url: str, token: str, instance_ids: list[int], workers: int, seconds: float,
        mode: str = "sync") -> dict[str, Any]:
    task_ids = open_tasks(url, instance_ids)
    clients = 2 * workers
    per = len(task_ids) // clients
    with gunicorn(url, workers, mode) as (port, master):
        ctx = mp.get_context("fork")
        barrier, queue = ctx.Barrier(clients), ctx.Queue()
        procs = [ctx.Process(target=_client, args=(port, token, task_ids[c * per:(c + 1) * per],
                                                   seconds, barrier, queue, mode != "sync"))
                 for c in range(clients)]
        for p in procs:
            p.start()
        time.sleep(0.5)
        cpu0 = _children_cpu(master)  # nearly: the clients' warm-up requests still run
        found = collect(procs, queue, seconds + 300)
        server_cpu = _children_cpu(master) - cpu0
    elapsed = max(r["elapsed"] for r in found)
    ops = sum(r["ops"] for r in found)
    return {"workers": workers, "mode": mode, "clients": clients, "ops": ops,
            "server_python_cpu_ms_per_request": 1000 * server_cpu / ops,
            "per_s": sum(r["ops"] / r["elapsed"] for r in found),
            "client_cpu_share": sum(r["client_cpu"] for r in found) / (elapsed * (os.cpu_count()
                                                                                 or 1)),
            "latency": summarize([t for r in found for t in r["latencies"]])}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "http_api")
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--modes", default="sync", help="serving modes: "
                        + ", ".join(MODES))
    args = parser.parse_args(argv)
    if args.quick:
        args.workers, args.seconds = "1", 1.0
    counts = [int(w) for w in args.workers.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    if args.no_pg:
        print("bench/http_api.py measures PostgreSQL only; nothing to do with --no-pg")
        return {}
    results: dict[str, Any] = {}
    with database("postgresql", args.pg) as url:
        token, instance_ids = prepare(url, 4 * max(counts) * 2)
        for workers in counts:
            direct = run_phase(url, "complete", workers, args.seconds, 4, 2000)
            for mode in modes:
                results[f"postgresql/{mode}/{workers}"] = r = run(
                    url, token, instance_ids, workers, args.seconds, mode)
                r["engine_per_s"] = direct["per_s"]
                r["http_over_engine"] = r["per_s"] / direct["per_s"]
                print(f"{workers} gunicorn worker(s), {mode}: {r['per_s']:,.0f} completions/s, "
                      f"p50 {r['latency']['p50_ms']:.1f} ms, p99 {r['latency']['p99_ms']:.1f} ms, "
                      f"server Python {r['server_python_cpu_ms_per_request']:.2f} ms CPU/request, "
                      f"clients used {r['client_cpu_share']:.0%} of the CPUs; the engine with "
                      f"{workers} process(es): {direct['per_s']:,.0f}/s "
                      f"(http ÷ engine {r['http_over_engine']:.2f})", flush=True)
    print_table("HTTP: POST /api/v1/tasks/<id>/complete (PostgreSQL)",
                ["gunicorn workers", "serving", "completions/s", "p50 ms", "p99 ms",
                 "client CPU", "engine /s", "http ÷ engine"],
                [[r["workers"], r["mode"], r["per_s"], r["latency"]["p50_ms"],
                  r["latency"]["p99_ms"], f"{r['client_cpu_share']:.0%}", r["engine_per_s"],
                  r["http_over_engine"]]
                 for r in results.values()])
    write_result(args.out, {"seconds": args.seconds, "results": results}, args.pg)
    return results


if __name__ == "__main__":
    main()
