"""HTTP throughput: task completions/s through the JSON API under gunicorn, on PostgreSQL.

Starts ``gunicorn -w N 'web.app:create_app()'`` on a fresh PostgreSQL schema with the loop
diagram deployed, a caseworker with an API token, and some open instances per connection. One
client process (:class:`Load`) keeps four connections per gunicorn worker busy, so no worker
waits for work (a kept connection stays with the worker that accepted it; with two per worker,
a worker sometimes got none). Each ``POST /api/v1/tasks/<id>/complete`` takes the next task id
from the reply (which carries the instance's open tasks, as a caseworker's screen would show
them). The client runs on the same two cores and its CPU is reported, so the figure is a lower
bound for the server.

In the same run and database, ``bench/throughput.py``'s completion phase runs with as many
engine processes as gunicorn workers (``Engine.tasks`` + ``Engine.complete``, no HTTP), so
``http ÷ engine`` says what Flask, the JSON API and the sign-in check cost on this host today.

Four ways of serving:

- ``sync``, the README's: gunicorn's sync worker as ``web.serving`` subclasses it. Every
  request opens and closes a TCP connection, and a worker whose request has fully arrived
  takes the next connection at once.
- ``gunicorn-sync``: gunicorn's own sync worker, which lingers after every reply until the
  client has closed its side.
- ``keepalive``: ``--worker-class gthread --threads 1 --keep-alive 75``. One request at a time
  per worker, the connection kept between requests.
- ``capped``: the same with ``--worker-connections 4``. A worker holding four connections
  accepts no more, and closes a reply's connection once three wait idle.

Kept connections cost a worker less CPU per request. But a kept connection stays with the
worker that accepted it, and uncapped, in some runs one worker took most of them while another
idled (docs/decisions/0025); the cap spreads them.

Engine and HTTP runs are interleaved ``--repeat`` times per worker count and the table gives
the run with the median ratio: this host's speed drifts by ±15% from minute to minute, and a
single pair of runs can land on either side of a goal.

Run: ``python bench/http_api.py [--workers 1,2,4] [--seconds 10] [--modes sync,capped]
[--repeat 5]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
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
    database,
    diagram_files,
    free_port,
    print_table,
    summarize,
    write_result,
)
from bench.throughput import run_phase  # noqa: E402

PROCESS = "bench_loop"
#: Enough that every worker holds a kept connection whichever worker accepts each one.
CONNECTIONS_PER_WORKER = 4


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
    "sync": ["--worker-class", "web.serving.SyncWorker"],
    "gunicorn-sync": [],
    "keepalive": ["--worker-class", "gthread", "--threads", "1", "--keep-alive", "75"],
    "capped": ["--worker-class", "gthread", "--threads", "1", "--keep-alive", "75",
               "--worker-connections", str(CONNECTIONS_PER_WORKER)],
}


@contextlib.contextmanager
def gunicorn(url: str, workers: int, mode: str = "sync") -> Iterator[tuple[int, int]]:
    port = free_port()
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


class _Slot:
    """One client connection: its tasks, how many it has completed, the reply so far."""

    __slots__ = ("buf", "done", "ids", "sent", "sock")

    def __init__(self, ids: list[str]) -> None:
        self.ids, self.done, self.buf, self.sent = list(ids), 0, bytearray(), 0.0
        self.sock: socket.socket | None = None


class Load:
    """Many client connections driven from one process, as a load generator such as wrk is.

    Each connection sends ``POST /api/v1/tasks/<id>/complete`` and, when the whole reply is in,
    the next one for the task id the reply names. The request bytes are built once; a reply is
    read up to its Content-Length. With ``keep`` a connection is reused (unless the server
    says ``Connection: close``); without, each request has a connection of its own, as a
    client without keep-alive does. One process with a selector costs far less CPU per request
    than a process per client with ``http.client``: on two cores that CPU is the server's.
    """

    def __init__(self, port: int, token: str, groups: list[list[str]], keep: bool) -> None:
        self.port, self.keep = port, keep
        body = json.dumps({"data": {"note": "http"}}).encode()
        self.tail = (" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                     + "\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body))
                     + ("" if keep else "\r\nConnection: close") + "\r\n\r\n").encode() + body
        self.slots = [_Slot(g) for g in groups]
        self.selector = selectors.DefaultSelector()

    def run(self, until: float | None = None, rounds: int = 0) -> list[float]:
        """Latencies of the replies until the ``until`` deadline, or ``rounds`` per connection."""
        latencies: list[float] = []
        targets = {id(s): s.done + rounds for s in self.slots}
        for slot in self.slots:
            self._send(slot)
        active = len(self.slots)
        while active:
            for key, _ in self.selector.select(60):
                s: _Slot = key.data
                if not self._receive(s):
                    continue
                latencies.append(time.perf_counter() - s.sent)
                more = (time.perf_counter() < until if until is not None
                        else s.done < targets[id(s)])
                if more:
                    self._send(s)
                else:
                    self._close(s)
                    active -= 1
        return latencies

    def _send(self, s: _Slot) -> None:
        if s.sock is None:
            s.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            s.sock.setblocking(False)
            self.selector.register(s.sock, selectors.EVENT_READ, s)
        s.buf.clear()
        s.sent = time.perf_counter()
        task_id = s.ids[s.done % len(s.ids)]
        s.sock.sendall(b"POST /api/v1/tasks/" + task_id.encode() + b"/complete" + self.tail)

    def _receive(self, s: _Slot) -> bool:
        """Read what has come; True once the whole reply is in (and the next id taken)."""
        assert s.sock is not None
        chunk = s.sock.recv(65536)
        s.buf += chunk
        end = s.buf.find(b"\r\n\r\n")
        head = bytes(s.buf[:end]).lower() if end >= 0 else b""
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            line_end = head.find(b"\r\n", at + 2)
            length = int(head[at + 17:line_end if line_end > 0 else None])
            if len(s.buf) - end - 4 >= length:
                if s.buf[9:12] != b"200":
                    raise RuntimeError(f"HTTP {bytes(s.buf[:400])!r}")
                reply = json.loads(s.buf[end + 4:end + 4 + length])
                s.ids[s.done % len(s.ids)] = str(reply["open_tasks"][0]["id"])
                s.done += 1
                if not self.keep or b"\r\nconnection: close" in head:
                    self._close(s)
                return True
        elif end >= 0:
            raise RuntimeError(f"a reply without Content-Length: {head[:300]!r}")
        if not chunk:
            raise RuntimeError("the server closed the connection in the middle of a reply")
        return False

    def _close(self, s: _Slot) -> None:
        if s.sock is not None:
            self.selector.unregister(s.sock)
            s.sock.close()
            s.sock = None


def run(url: str, token: str, instance_ids: list[int], workers: int, seconds: float,
        mode: str = "sync") -> dict[str, Any]:
    task_ids = open_tasks(url, instance_ids)
    clients = CONNECTIONS_PER_WORKER * workers
    per = len(task_ids) // clients
    with gunicorn(url, workers, mode) as (port, master):
        load = Load(port, token, [task_ids[c * per:(c + 1) * per] for c in range(clients)],
                    keep="--keep-alive" in MODES[mode])
        load.run(rounds=per)  # warm every worker's caches, prepared statements and pool
        server0, client0 = _children_cpu(master), time.process_time()
        started = time.perf_counter()
        latencies = load.run(until=started + seconds)
        elapsed = time.perf_counter() - started
        client_cpu, server_cpu = time.process_time() - client0, _children_cpu(master) - server0
    ops = len(latencies)
    return {"workers": workers, "mode": mode, "clients": clients, "ops": ops,
            "server_python_cpu_ms_per_request": 1000 * server_cpu / ops,
            "client_cpu_ms_per_request": 1000 * client_cpu / ops,
            "per_s": ops / elapsed,
            "client_cpu_share": client_cpu / (elapsed * (os.cpu_count() or 1)),
            "latency": summarize(latencies)}


def _say(r: dict[str, Any]) -> None:
    print(f"{r['workers']} gunicorn worker(s), {r['mode']}: {r['per_s']:,.0f} completions/s, "
          f"p50 {r['latency']['p50_ms']:.1f} ms, p99 {r['latency']['p99_ms']:.1f} ms, "
          f"server {r['server_python_cpu_ms_per_request']:.2f} ms CPU/request, client "
          f"{r['client_cpu_ms_per_request']:.2f} ms; the engine with {r['workers']} "
          f"process(es): {r['engine_per_s']:,.0f}/s (http ÷ engine {r['http_over_engine']:.2f})",
          flush=True)


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose http ÷ engine is the median (the lower middle of an even count)."""
    ordered = sorted(runs, key=lambda r: r["http_over_engine"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["runs"] = [{k: r[k] for k in ("per_s", "engine_per_s", "http_over_engine")}
                      for r in runs]
    return chosen


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "http_api")
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--modes", default="sync,capped", help="serving modes: "
                        + ", ".join(MODES))
    parser.add_argument("--repeat", type=int, default=1,
                        help="engine and HTTP runs, interleaved, per worker count: the table "
                             "gives the run with the median http ÷ engine")
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
        token, instance_ids = prepare(url, 2 * CONNECTIONS_PER_WORKER * max(counts))
        for workers in counts:
            runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
            engine_runs: list[float] = []
            for _ in range(args.repeat):  # interleaved, so a slow spell of the host hits both
                engine_runs.append(run_phase(url, "complete", workers, args.seconds, 4,
                                             2000)["per_s"])
                for mode in modes:
                    r = run(url, token, instance_ids, workers, args.seconds, mode)
                    r["engine_per_s"] = engine_runs[-1]
                    r["http_over_engine"] = r["per_s"] / engine_runs[-1]
                    runs[mode].append(r)
                    _say(r)
            for mode in modes:
                results[f"postgresql/{mode}/{workers}"] = _median_run(runs[mode])
    print_table("HTTP: POST /api/v1/tasks/<id>/complete (PostgreSQL)"
                + (f", median of {args.repeat} runs" if args.repeat > 1 else ""),
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
