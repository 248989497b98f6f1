"""Soak: journeys through real processes while web workers and schedulers are SIGKILLed.

On PostgreSQL: gunicorn web workers serve the API, two ``redress scheduler`` processes fire
timers, run jobs and deliver the outbox. Client threads drive each journey over HTTP (start →
complete "Review" → [job: referral e-mail; timer PT1S] → complete "Close"), retrying a request
that a kill cut off (with the same Idempotency-Key where the API takes one). Meanwhile a
killer sends SIGKILL to a random gunicorn worker (the master forks a new one) or a scheduler
(restarted here) every few seconds, and times how long until the system makes progress again.

At the end it waits for every started journey to finish and counts, from the database:

* completed journeys, and lost ones (started, never finished);
* duplicated steps: a task completed twice, a timer fired twice, a job run twice, two
  instances for one journey;
* letters: outbox rows (one per idempotency key is enforced by a unique index), sent or not,
  and messages in the post-room drop folder.

Goal: 0 lost, 0 duplicates. Run: ``python bench/soak.py [--journeys 1000] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import DEFAULT_PG, DIAGRAMS, database, write_result  # noqa: E402

PROCESS = "bench_soak"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str, drop: Path) -> str:
    """Migrate, deploy the soak diagram, and return an API token for the client."""
    os.environ["REDRESS_INSTANCE_DIR"] = str(drop)
    from workflows.bootstrap import build_engine
    from workflows.users import Users

    engine = build_engine(url)
    engine.init_db()
    engine.deploy({"soak.bpmn": (DIAGRAMS / "soak.bpmn").read_bytes()}, name="soak",
                  user="bench")
    users = Users(engine)
    account = users.create("soak", display_name="Soak client", roles=["caseworker",
                                                                        "integration"])
    secret = users.issue_token(account.id, "soak").secret
    engine.close()
    return secret


class Cluster:
    """gunicorn (N web workers) and two schedulers on one database; kill and restart them."""

    def __init__(self, url: str, drop: Path, web_workers: int) -> None:
        self.env = {**os.environ, "DATABASE_URL": url, "REDRESS_INSTANCE_DIR": str(drop),
                    "REDRESS_LOG_FORMAT": "text", "PYTHONPATH": str(ROOT)}
        self.port = _free_port()
        self.logs = open(drop / "cluster.log", "ab")  # noqa: SIM115 (closed in stop)
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(web_workers), "--threads", "4", "-b",
             f"127.0.0.1:{self.port}", "--graceful-timeout", "1", "web.app:create_app()"],
            env=self.env, cwd=ROOT, stdout=self.logs, stderr=self.logs)
        self.schedulers = [self._scheduler() for _ in range(2)]
        self.base = f"http://127.0.0.1:{self.port}"

    def _scheduler(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([str(BIN / "redress"), "scheduler", "--interval", "0.2"],
                                env=self.env, cwd=ROOT, stdout=self.logs, stderr=self.logs)

    def web_workers(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True,
                               text=True, check=False).stdout.split()
        return [int(pid) for pid in found]

    def kill_one(self, rng: random.Random) -> str:
        if rng.random() < 0.5:
            workers = self.web_workers()
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                return "web"
        index = rng.randrange(len(self.schedulers))
        self.schedulers[index].kill()
        self.schedulers[index].wait()
        self.schedulers[index] = self._scheduler()
        return "scheduler"

    def wait_ready(self, headers: dict[str, str], timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if requests.get(f"{self.base}/api/v1/me", headers=headers,
                                timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the web server did not come up; see cluster.log")

    def stop(self) -> None:
        for proc in [self.web, *self.schedulers]:
            proc.send_signal(signal.SIGTERM)
        for proc in [self.web, *self.schedulers]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.logs.close()


class Client:
    """One HTTP session that retries what a kill cut off."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.retries = 0
        self.in_flight_waits = 0

    def call(self, method: str, path: str, ok: Callable[[requests.Response], bool],
             **kwargs: Any) -> requests.Response:
        # A start cut off by a kill leaves its Idempotency-Key "in flight" until it goes stale
        # (workflows.idempotency.STALE_AFTER, 2 minutes): retries get 409 until then.
        give_up = time.monotonic() + 300
        last = "no answer"
        while time.monotonic() < give_up:
            try:
                response = self.session.request(method, f"{self.base}{path}", timeout=30,
                                                **kwargs)
            except requests.RequestException as exc:
                response, last = None, type(exc).__name__
            if response is not None:
                if ok(response):
                    return response
                last = f"{response.status_code} {response.text[:200]}"
                if response.status_code == 409:
                    self.in_flight_waits += 1
            self.retries += 1
            time.sleep(0.2)
        raise RuntimeError(f"{method} {path} kept failing: {last}")

    def journey(self, key: str, deadline: float) -> bool:
        self.call("POST", "/api/v1/instances", lambda r: r.status_code in (200, 201),
                  json={"process_id": PROCESS, "business_key": key, "data": {}},
                  headers={"Idempotency-Key": f"start-{key}"})
        for name in ("Review", "Close"):
            task = self._open_task(key, name, deadline)
            if task is None:
                return False
            # 409: a retry after the first attempt committed (task no longer open) — done.
            self.call("POST", f"/api/v1/tasks/{task}/complete",
                      lambda r: r.status_code in (200, 409), json={"data": {}})
        return True

    def _open_task(self, key: str, name: str, deadline: float) -> str | None:
        while time.monotonic() < deadline:
            found = self.call("GET", f"/api/v1/tasks?business_key={key}&limit=10",
                              lambda r: r.status_code == 200).json()["items"]
            for task in found:
                if task["name"] == name:
                    return str(task["id"])
            time.sleep(0.2)
        return None


def _progress(admin: Any) -> int:
    with admin.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar() or 0)


def _killer(cluster: Cluster, admin: Any, stop: threading.Event, every: float,
            settles: list[tuple[str, float]], rng: random.Random) -> None:
    while not stop.wait(rng.uniform(0.5, 1.5) * every):
        before = _progress(admin)
        kind = cluster.kill_one(rng)
        killed_at = time.monotonic()
        while not stop.is_set() and _progress(admin) <= before:
            time.sleep(0.05)
        if not stop.is_set():
            settles.append((kind, time.monotonic() - killed_at))


def _count(admin: Any, drop: Path) -> dict[str, Any]:
    queries = {
        "instances": "SELECT count(*) FROM process_instances",
        "completed": "SELECT count(*) FROM process_instances WHERE status = 'completed'",
        "unfinished": "SELECT count(*) FROM process_instances WHERE status <> 'completed'",
        "instances_per_key_gt_1": "SELECT count(*) FROM (SELECT business_key FROM "
                                  "process_instances GROUP BY business_key HAVING count(*) > 1) d",
        "tasks_completed_twice": "SELECT count(*) FROM (SELECT instance_id, task_id FROM "
                                 "audit_log WHERE action = 'task_completed' GROUP BY instance_id,"
                                 " task_id HAVING count(*) > 1) d",
        "timers_fired_twice": "SELECT count(*) FROM (SELECT instance_id, task_id FROM audit_log "
                              "WHERE action = 'timer_fired' GROUP BY instance_id, task_id "
                              "HAVING count(*) > 1) d",
        "jobs_run_twice": "SELECT count(*) FROM jobs WHERE attempts > 1 AND status = 'done'",
        "jobs_not_done": "SELECT count(*) FROM jobs WHERE status <> 'done'",
        "letters": "SELECT count(*) FROM outbox",
        "letters_sent": "SELECT count(*) FROM outbox WHERE status = 'sent'",
        "letters_per_instance_gt_1": "SELECT count(*) FROM (SELECT instance_id FROM outbox "
                                     "GROUP BY instance_id HAVING count(*) > 1) d",
        "incidents": "SELECT count(*) FROM incidents",
    }
    with admin.connect() as conn:
        counts = {name: int(conn.execute(text(sql)).scalar() or 0)
                  for name, sql in queries.items()}
    counts["letters_in_drop_folder"] = sum(1 for _ in (drop / "outbox").rglob("*.json"))
    return counts


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=3.0, help="mean seconds between kills")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--no-pg", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="20 journeys, for the smoke test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "soak.json"))
    args = parser.parse_args(argv)
    if args.no_pg:
        parser.error("the soak needs PostgreSQL (--pg URL)")
    if args.quick:
        args.journeys, args.clients, args.kill_every = 20, 4, 2.0
    rng = random.Random(args.seed)
    run = uuid.uuid4().hex[:6]

    with database("postgresql", args.pg) as url, tempfile.TemporaryDirectory() as tmp:
        drop = Path(tmp)
        token = _prepare(url, drop)
        admin = create_engine(url)
        cluster = Cluster(url, drop, args.web_workers)
        stop = threading.Event()
        settles: list[tuple[str, float]] = []
        try:
            cluster.wait_ready({"Authorization": f"Bearer {token}"})
            keys = [f"SOAK-{run}-{n:05d}" for n in range(args.journeys)]
            finished: list[bool] = []
            clients: list[Client] = []
            lock = threading.Lock()
            started = time.monotonic()
            deadline = started + 600 + args.journeys * 2.0

            def drive(mine: list[str]) -> None:
                client = Client(cluster.base, token)
                clients.append(client)
                for key in mine:
                    ok = client.journey(key, deadline)
                    with lock:
                        finished.append(ok)

            killer = threading.Thread(target=_killer, daemon=True,
                                      args=(cluster, admin, stop, args.kill_every, settles, rng))
            killer.start()
            threads = [threading.Thread(target=drive, args=(keys[i::args.clients],))
                       for i in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stop.set()
            killer.join()
            elapsed = time.monotonic() - started
            # Let the schedulers finish what the last completions left (jobs, outbox).
            settle_end = time.monotonic() + 60
            counts = _count(admin, drop)
            while time.monotonic() < settle_end and (
                counts["letters_sent"] < counts["letters"] or counts["jobs_not_done"]
            ):
                time.sleep(0.5)
                counts = _count(admin, drop)
        finally:
            stop.set()
            cluster.stop()
            admin.dispose()

    lost = args.journeys - counts["completed"]
    duplicates = (counts["instances_per_key_gt_1"] + counts["tasks_completed_twice"]
                  + counts["timers_fired_twice"] + counts["jobs_run_twice"]
                  + counts["letters_per_instance_gt_1"])
    by_kind = {kind: [s for k, s in settles if k == kind] for kind in ("web", "scheduler")}
    result = {
        "journeys": args.journeys, "seconds": round(elapsed, 1),
        "completed": counts["completed"], "lost": lost, "duplicates": duplicates,
        "kills": {kind: len(values) for kind, values in by_kind.items()},
        "settle_s": {kind: {"median": round(statistics.median(v), 2), "max": round(max(v), 2)}
                     for kind, v in by_kind.items() if v},
        "client_retries": sum(c.retries for c in clients),
        "client_409_waits": sum(c.in_flight_waits for c in clients),
        "counts": counts, "load": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    print(f"\n{counts['completed']}/{args.journeys} journeys completed, {lost} lost, "
          f"{duplicates} duplicated steps or letters; letters {counts['letters_sent']}/"
          f"{counts['letters']} sent; {len(settles)} kills")
    write_result(args.out, result, args.pg)
    return result


if __name__ == "__main__":
    main()
