"""Soak: journeys through real processes while web workers and schedulers are SIGKILLed.

On PostgreSQL: gunicorn web workers serve the API, two ``redress scheduler`` processes fire
timers, run jobs and deliver the outbox. Client threads drive each journey over HTTP (start →
complete "Review" → [job: referral e-mail; timer PT1S] → complete "Close"), retrying a request
that a kill cut off (with the same Idempotency-Key where the API takes one). Meanwhile a
killer sends SIGKILL to a random gunicorn worker (the master forks a new one) or a scheduler
(restarted here) every few seconds, and times how long until the system makes progress again.

The cluster runs a frozen copy of the source taken at the start: a respawned worker imports
what the run began with, even if the working tree is edited, merged or checked out meanwhile.
(gunicorn halts its master for good when one respawned worker fails to boot, so a half-written
tree made the web server refuse every connection for the rest of an earlier run.) The master
is watched: if it exits anyway, the exit and gunicorn's reason are counted and printed, and it
is started again, as a supervisor would.

At the end it waits for every started journey to finish and counts, from the database:

* completed journeys, and lost ones (a complaint reference with no completed instance);
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
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import DEFAULT_PG, DIAGRAMS, database, free_port, write_result  # noqa: E402

PROCESS = "bench_soak"
BIN = Path(sys.executable).parent


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


_SOURCE = ("engine", "handlers", "workflows", "web", "bpmn")


def _frozen_source(into: Path) -> Path:
    """Copy the packages the cluster imports, so edits to the tree during the run do not leak
    into workers the master forks later (a half-written file would halt gunicorn)."""
    for name in _SOURCE:
        shutil.copytree(ROOT / name, into / name,
                        ignore=shutil.ignore_patterns("node_modules", "__pycache__", "frontend"))
    return into


class Cluster:
    """gunicorn (N web workers) and two schedulers on one database; kill and restart them."""

    def __init__(self, url: str, drop: Path, web_workers: int) -> None:
        source = _frozen_source(drop / "source")
        self.env = {**os.environ, "DATABASE_URL": url, "REDRESS_INSTANCE_DIR": str(drop),
                    "REDRESS_LOG_FORMAT": "text", "PYTHONPATH": str(source)}
        self.cwd = source
        self.port = free_port()
        self.web_workers_n = web_workers
        self.log_path = drop / "cluster.log"
        self.logs = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.web = self._web()
        self.schedulers = [self._scheduler() for _ in range(2)]
        self.base = f"http://127.0.0.1:{self.port}"
        self.master_exits: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def _web(self) -> subprocess.Popen[bytes]:
        # No control socket: Redress does not use it, and its asyncio thread in the master is
        # stopped and restarted around every fork (gunicorn issues 3509, 3529, 3648).
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.web_workers_n), "--threads", "4", "-b",
             f"127.0.0.1:{self.port}", "--graceful-timeout", "1", "--no-control-socket",
             "web.app:create_app()"],
            env=self.env, cwd=self.cwd, stdout=self.logs, stderr=self.logs)

    def _scheduler(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([str(BIN / "redress"), "scheduler", "--interval", "0.2"],
                                env=self.env, cwd=self.cwd, stdout=self.logs, stderr=self.logs)

    def watch(self) -> None:
        """Start the gunicorn master again if it exited, and say why it did."""
        with self.lock:
            code = self.web.poll()
            if code is None:
                return
            reasons = [line for line in self.log_path.read_text(errors="replace").splitlines()
                       if "Reason:" in line or "exited with code" in line][-3:]
            self.master_exits.append({"at": time.strftime("%H:%M:%S"), "exit_code": code,
                                      "log": reasons})
            print(f"gunicorn master exited with {code}: {reasons}", file=sys.stderr)
            self.web = self._web()

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
        self.errors: Counter[str] = Counter()  # what the retried attempts met
        self.failed: list[tuple[str, str]] = []  # journeys given up, and why

    def call(self, method: str, path: str, ok: Callable[[requests.Response], bool],
             **kwargs: Any) -> requests.Response:
        give_up = time.monotonic() + 300
        last = "no answer"
        while time.monotonic() < give_up:
            try:
                response = self.session.request(method, f"{self.base}{path}", timeout=30,
                                                **kwargs)
            except requests.RequestException as exc:
                response, last = None, type(exc).__name__
                self.errors[last] += 1
            if response is not None:
                if ok(response):
                    return response
                last = f"{response.status_code} {response.text[:200]}"
                self.errors[str(response.status_code)] += 1
            self.retries += 1
            time.sleep(0.2)
        raise RuntimeError(f"{method} {path} kept failing for 300 s: {last}")

    def journey(self, key: str, deadline: float) -> bool:
        """Drive one journey; a failure is recorded and the client goes on to the next one."""
        try:
            self.call("POST", "/api/v1/instances", lambda r: r.status_code in (200, 201),
                      json={"process_id": PROCESS, "business_key": key, "data": {}},
                      headers={"Idempotency-Key": f"start-{key}"})
            for name in ("Review", "Close"):
                task = self._open_task(key, name, deadline)
                if task is None:
                    self.failed.append((key, f"task {name} never appeared"))
                    return False
                self._complete(key, task)
        except RuntimeError as exc:
            self.failed.append((key, str(exc)))
            return False
        return True

    def _complete(self, key: str, task: str) -> None:
        # A 409 is a retry whose first attempt committed (the task is closed), or a race lost
        # to another step of the instance (the task is still open: complete it again).
        while True:
            done = self.call("POST", f"/api/v1/tasks/{task}/complete",
                             lambda r: r.status_code in (200, 409), json={"data": {}})
            if done.status_code == 200 or task not in self._open_ids(key):
                return

    def _open_ids(self, key: str) -> set[str]:
        found = self.call("GET", f"/api/v1/tasks?business_key={key}&limit=10",
                          lambda r: r.status_code == 200).json()["items"]
        return {str(t["id"]) for t in found}

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
            settles: list[tuple[str, float]], rng: random.Random,
            loads: list[float]) -> None:
    while not stop.wait(rng.uniform(0.5, 1.5) * every):
        cluster.watch()
        loads.append(os.getloadavg()[0])
        before = _progress(admin)
        kind = cluster.kill_one(rng)
        killed_at = time.monotonic()
        while not stop.is_set() and _progress(admin) <= before:
            cluster.watch()
            time.sleep(0.05)
        if not stop.is_set():
            settles.append((kind, time.monotonic() - killed_at))


def _count(admin: Any, drop: Path) -> dict[str, Any]:
    queries = {
        "instances": "SELECT count(*) FROM process_instances",
        "completed": "SELECT count(*) FROM process_instances WHERE status = 'completed'",
        # A journey is its complaint reference: done when some instance of it completed.
        "journeys_completed": "SELECT count(DISTINCT business_key) FROM process_instances "
                              "WHERE status = 'completed'",
        "journeys_started": "SELECT count(DISTINCT business_key) FROM process_instances",
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
        loads: list[float] = []
        clients: list[Client] = []
        try:
            cluster.wait_ready({"Authorization": f"Bearer {token}"})
            keys = [f"SOAK-{run}-{n:05d}" for n in range(args.journeys)]
            started = time.monotonic()
            deadline = started + 600 + args.journeys * 2.0

            def drive(mine: list[str]) -> None:
                client = Client(cluster.base, token)
                clients.append(client)
                for key in mine:
                    client.journey(key, deadline)

            killer = threading.Thread(
                target=_killer, daemon=True,
                args=(cluster, admin, stop, args.kill_every, settles, rng, loads))
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
            kept = Path(args.out).with_suffix(".cluster.log")  # read it when something was lost
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes((drop / "cluster.log").read_bytes())

    lost = args.journeys - counts["journeys_completed"]
    duplicates = (counts["instances_per_key_gt_1"] + counts["tasks_completed_twice"]
                  + counts["timers_fired_twice"] + counts["jobs_run_twice"]
                  + counts["letters_per_instance_gt_1"])
    by_kind = {kind: [s for k, s in settles if k == kind] for kind in ("web", "scheduler")}
    errors: Counter[str] = Counter()
    for client in clients:
        errors.update(client.errors)
    result = {
        "journeys": args.journeys, "seconds": round(elapsed, 1),
        "completed": counts["journeys_completed"], "lost": lost, "duplicates": duplicates,
        "never_started": args.journeys - counts["journeys_started"],
        "kills": {kind: len(values) for kind, values in by_kind.items()},
        "settle_s": {kind: {"median": round(statistics.median(v), 2), "max": round(max(v), 2)}
                     for kind, v in by_kind.items() if v},
        "web_master_exits": cluster.master_exits,
        "client_retries": sum(c.retries for c in clients),
        "client_errors": dict(errors.most_common()),
        "journeys_given_up": [f for c in clients for f in c.failed][:20],
        "counts": counts,
        "load_1min": {"min": min(loads, default=0.0), "max": max(loads, default=0.0)},
    }
    print(json.dumps(result, indent=2))
    print(f"\n{result['completed']}/{args.journeys} journeys completed, {lost} lost, "
          f"{duplicates} duplicated steps or letters; letters {counts['letters_sent']}/"
          f"{counts['letters']} sent; {len(settles)} kills; "
          f"{len(cluster.master_exits)} web master exits")
    write_result(args.out, result, args.pg)
    return result


if __name__ == "__main__":
    main()
