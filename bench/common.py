"""What every benchmark shares: throw-away databases, engines, timing, tables and results.

* :func:`database` yields an empty database URL: a temporary SQLite file, or a fresh
  PostgreSQL schema (``search_path``) dropped afterwards, so runs never see each other's rows.
* :func:`make_engine` builds a migrated engine with the benchmark diagrams deployed.
* :func:`summarize` turns a list of seconds into milliseconds: mean, p50, p90, p99, max.
* :func:`write_result` writes ``bench/results/<name>.json`` with the machine it ran on.
* :func:`clone_instances` copies one real instance many times (state, task rows, timers,
  audit) with fresh task ids, so 100,000 instances load in seconds instead of hours.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from engine import Engine, HandlerRegistry  # noqa: E402
from engine.db import is_postgres, normalise_url  # noqa: E402
from engine.spiff import pack_state, unpack_state  # noqa: E402
from engine.tables import audit_log, human_tasks, process_instances, timers  # noqa: E402

__all__ = [
    "DEFAULT_PG",
    "DIAGRAMS",
    "ROOT",
    "CloneSpec",
    "add_common_args",
    "clone_instances",
    "collect",
    "database",
    "free_port",
    "kinds",
    "machine",
    "make_engine",
    "print_table",
    "summarize",
    "write_result",
]

DIAGRAMS = Path(__file__).parent / "diagrams"
RESULTS = Path(__file__).parent / "results"
DEFAULT_PG = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# --- command line ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a run starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def add_common_args(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a seconds-long smoke run with tiny sizes (what the tests run)")
    parser.add_argument("--pg", default=DEFAULT_PG,
                        help="PostgreSQL URL (a schema is made per run)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--out", default=str(RESULTS / f"{name}.json"), help="result JSON path")
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL schema afterwards (its URL is printed)")


def kinds(args: argparse.Namespace) -> list[str]:
    found = [] if args.no_sqlite else ["sqlite"]
    return found if args.no_pg else [*found, "postgresql"]


# --- databases and engines -------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, pg_base: str = DEFAULT_PG, *, keep: bool = False) -> Iterator[str]:
    """An empty database of ``kind`` ("sqlite" or "postgresql"), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="redress-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    base = normalise_url(pg_base)
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        if keep:
            print(f"kept schema {schema}: {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def diagram_files(*names: str) -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes() for name in names}


def make_engine(url: str, *, deploy: Sequence[str] = ("loop.bpmn",), init: bool = True,
                **options: Any) -> Engine:
    """A migrated engine (no handlers) with the named benchmark diagrams deployed."""
    options.setdefault("registry", HandlerRegistry())
    engine = Engine.create(url, **options)
    if init:
        engine.init_db()
        if deploy:
            engine.deploy(diagram_files(*deploy), name="bench", user="bench")
    return engine


#: Enough warm steps for the steady state of a long-running server: psycopg prepares a statement
#: on a connection at its 5th execution (``prepare_threshold``), after which the server no
#: longer parses and plans it; fewer, and the first timed steps pay for planning.
STEADY_STEPS = 10


def warm_up(engine: Engine, steps: int = STEADY_STEPS) -> None:
    """Run a throwaway loop instance: parses the definition, fills the pool, compiles the
    statements and has psycopg prepare them, so the timed steps measure the steady state."""
    warm = engine.start("bench_loop", business_key="WARM", user="bench",
                        data={"counter": 0, "limit": steps})
    for _ in range(steps):
        [task] = engine.tasks(instance_id=warm.id)
        engine.complete(task.id, {"note": "warm"}, user="bench")


# --- timing and output -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summarize(seconds: Sequence[float]) -> dict[str, float]:
    """Milliseconds: n, mean, p50, p90, p99, max."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "mean_ms": statistics.fmean(ms), "p50_ms": percentile(ms, 50),
            "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


def timed(func: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Run ``func`` ``repeat`` times; return the durations in seconds and the last result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return times, result


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    def cell(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "NO"
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    text_rows = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text_rows)) if text_rows else len(h)
              for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                    for i, (h, w) in enumerate(zip(headers, widths, strict=True))))
    for r in text_rows:
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(r, widths, strict=True))))


def machine(pg_url: str | None = None) -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        info["ram_gib"] = round(kb / 1024 / 1024, 1)
    if pg_url:
        with contextlib.suppress(Exception):
            eng = create_engine(normalise_url(pg_url))
            with eng.connect() as conn:
                info["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
                info["pg_synchronous_commit"] = conn.execute(
                    text("SHOW synchronous_commit")).scalar()
                info["pg_shared_buffers"] = conn.execute(text("SHOW shared_buffers")).scalar()
                # Off on some test machines: long runs then read past dead rows that a
                # production server would have vacuumed away.
                info["pg_autovacuum"] = conn.execute(text("SHOW autovacuum")).scalar()
            eng.dispose()
    with contextlib.suppress(Exception):
        info["git"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True, timeout=5).stdout.strip()
    return info


def collect(procs: Sequence[Any], queue: Any, timeout: float) -> list[Any]:
    """One result from each worker process; fail fast if one dies without giving it."""
    import queue as queue_module

    found: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(found) < len(procs):
        try:
            found.append(queue.get(timeout=1.0))
        except queue_module.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                raise RuntimeError(f"{len(dead)} worker process(es) failed; see their output above"
                                   if dead else "worker processes timed out") from None
    for p in procs:
        p.join(timeout=60)
    return found


def write_result(out: str | Path, payload: Mapping[str, Any], pg_url: str | None = None) -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(pg_url), **payload}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    print(f"\nwrote {path}")
    return path


# --- bulk loading by cloning a real instance -------------------------------------------------

_UUID = re.compile(rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


class CloneSpec:
    """How clone ``i`` differs from the template: business key, lane, summary, dates."""

    def business_key(self, i: int) -> str:
        return f"CMS-{i:07d}"

    def instance(self, i: int) -> dict[str, Any]:
        """Extra column values for the instance row (status, summary, started_at…)."""
        return {}

    def task(self, i: int) -> dict[str, Any]:
        """Extra column values for the open task rows (lane, assignee, created_at…)."""
        return {}

    def timer(self, i: int) -> dict[str, Any]:
        return {}


def _new_id(template_id: bytes, n: int) -> bytes:
    # Unique per (template task, clone): keep the template's random head, number the tail.
    return template_id[:24] + b"%012x" % n


def clone_instances(engine: Engine, template_id: int, count: int, spec: CloneSpec | None = None,
                    *, audit_per_instance: int = 0, first_number: int = 1,
                    batch: int = 5000) -> list[int]:
    """Copy instance ``template_id`` ``count`` times; return the new instance ids.

    The workflow state is copied byte for byte except its task ids, which are renumbered per
    clone so task, timer and subscription rows stay unique; every clone is a real instance the
    engine can step. ``audit_per_instance`` audit rows are copied from the template's (cycled).
    """
    spec = spec or CloneSpec()
    db = engine.db
    with db.connect() as conn:
        inst = conn.execute(select(process_instances)
                            .where(process_instances.c.id == template_id)).one()._asdict()
        tasks = [r._asdict() for r in conn.execute(
            select(human_tasks).where(human_tasks.c.instance_id == template_id,
                                      human_tasks.c.status == "open"))]
        tmrs = [r._asdict() for r in conn.execute(
            select(timers).where(timers.c.instance_id == template_id,
                                 timers.c.status == "waiting"))]
        audits = [r._asdict() for r in conn.execute(
            select(audit_log).where(audit_log.c.instance_id == template_id)
            .order_by(audit_log.c.id))]
        next_id = int(conn.execute(text("SELECT max(id) FROM process_instances")).scalar() or 0) + 1
    pieces = _UUID.split(unpack_state(inst["state"]))  # ids renumbered in the JSON
    ids = list(range(next_id, next_id + count))
    for start in range(0, count, batch):
        chunk = ids[start:start + batch]
        rows_i, rows_t, rows_m, rows_a = [], [], [], []
        for new_id in chunk:
            n = first_number + (new_id - next_id)
            state = pack_state(
                b"".join(p if k % 2 == 0 else _new_id(p, n) for k, p in enumerate(pieces)))
            key = spec.business_key(n)
            refs = {k: [_new_id(v.encode(), n).decode() for v in vals]
                    for k, vals in (inst["open_refs"] or {}).items()}
            rows_i.append({**inst, "id": new_id, "business_key": key, "state": state,
                           "open_refs": refs, **spec.instance(n)})
            for t in tasks:
                rows_t.append({**t, "id": _new_id(t["id"].encode(), n).decode(),
                               "instance_id": new_id, "business_key": key, **spec.task(n)})
            for t in tmrs:
                row = {**t, "instance_id": new_id, "task_id": _new_id(t["task_id"].encode(), n)
                       .decode(), **spec.timer(n)}
                row.pop("id")
                rows_m.append(row)
            for k in range(audit_per_instance if audits else 0):
                a = audits[k % len(audits)]
                row = {**a, "instance_id": new_id}
                row.pop("id")
                rows_a.append(row)
        _bulk_insert(db, process_instances, rows_i)
        _bulk_insert(db, human_tasks, rows_t)
        _bulk_insert(db, timers, rows_m)
        _bulk_insert(db, audit_log, rows_a)
    if is_postgres(db):
        with db.begin() as conn:
            for table in ("process_instances", "timers", "audit_log"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    return ids


def _bulk_insert(db: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (fast); executemany on SQLite."""
    if not rows:
        return
    columns = list(rows[0])
    if not is_postgres(db):
        with db.begin() as conn:
            conn.execute(table.insert(), rows)
        return
    json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = db.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_cols else row[c]
                                for c in columns])
        raw.commit()
    finally:
        raw.close()
