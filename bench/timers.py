"""Timers: 10,000 due at once with 1 and 2 scheduler processes, and single-timer lateness.

**Burst.** ``--timers`` instances of ``bench/diagrams/timer.bpmn`` (start → timer → user task)
wait on timers due at the same moment (one started through the engine, the rest cloned from it
with ``bench.common.clone_instances``). Then 1 or 2 scheduler processes, each running
``EngineScheduler.tick`` in a loop as the APScheduler job would, fire them all. Reported: the
seconds until the last has fired, and the proof that none fired twice: one ``timer_fired``
audit row per instance, every instance at revision 1 (stepped exactly once after its start),
one open follow-up task per instance.

**Lateness.** With the real ``EngineScheduler`` (APScheduler, ``--interval`` seconds, the
engine's default is 1 s) in its own process on the system clock, and a load process completing
tasks at ``--load-rate`` per second, new instances wait on timers 1–3 s ahead, one every
``--every`` seconds; lateness = ``fired_at − due_at`` of each, p50 and p99. ``fired_at`` is
the firing step's clock reading, taken before its transaction commits.

Run: ``python bench/timers.py [--timers 10000] [--quick]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.common import (
    add_common_args,
    clone_instances,
    collect,
    database,
    kinds,
    make_engine,
    print_table,
    summarize,
    write_result,
)
from engine.scheduler import EngineScheduler
from engine.tables import audit_log, human_tasks, process_instances, timers

DIAGRAMS = ("timer.bpmn", "loop.bpmn")


# --- burst ---------------------------------------------------------------------------------


def _scheduler_loop(url: str, barrier: Any, results: Any) -> None:
    engine = make_engine(url, init=False)
    scheduler = EngineScheduler(engine)
    barrier.wait()
    t0 = time.perf_counter()
    fired = rounds = 0
    while True:
        rounds += 1
        done = scheduler.tick()["timers"]
        fired += done
        if done:
            continue
        with engine.db.connect() as conn:
            left = conn.execute(select(func.count()).select_from(timers)
                                .where(timers.c.status == "waiting")).scalar()
        if not left:
            break
        time.sleep(0.05)  # another process holds the rest; wait for it (or its lease)
    results.put({"fired": fired, "seconds": time.perf_counter() - t0, "rounds": rounds})
    engine.close()


def burst(url: str, count: int, schedulers: int) -> dict[str, Any]:
    engine = make_engine(url, deploy=DIAGRAMS)
    # All due at this one moment; in the future at the start, or the start step would fire it.
    due = datetime.now(UTC) + timedelta(seconds=2 if count > 1000 else 0.3)
    template = engine.start("bench_timer", business_key="TIMER-0", user="bench",
                            data={"due": due.isoformat()})
    t0 = time.perf_counter()
    clone_instances(engine, template.id, count - 1)
    load_s = time.perf_counter() - t0
    engine.close()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() + 0.01))
    ctx = mp.get_context("fork")
    barrier, queue = ctx.Barrier(schedulers + 1), ctx.Queue()
    procs = [ctx.Process(target=_scheduler_loop, args=(url, barrier, queue))
             for _ in range(schedulers)]
    for p in procs:
        p.start()
    barrier.wait()
    found = collect(procs, queue, 3600)
    wall = max(r["seconds"] for r in found)  # until the last process saw none waiting
    return {"timers": count, "schedulers": schedulers, "load_s": load_s,
            "all_fired_s": wall, "per_s": count / wall,
            "fired_by_process": [r["fired"] for r in found], **proof(url, count)}


def proof(url: str, count: int) -> dict[str, Any]:
    """Exactly once: one timer_fired row and one step per instance, one follow-up task each."""
    engine = make_engine(url, init=False)
    with engine.db.connect() as conn:
        fired_rows = conn.execute(select(func.count()).select_from(audit_log)
                                  .where(audit_log.c.action == "timer_fired")).scalar()
        twice = conn.execute(select(func.count()).select_from(
            select(audit_log.c.instance_id).where(audit_log.c.action == "timer_fired")
            .group_by(audit_log.c.instance_id).having(func.count() > 1).subquery())).scalar()
        revisions = dict(conn.execute(select(process_instances.c.revision, func.count())
                                      .group_by(process_instances.c.revision)).all())
        tasks = conn.execute(select(func.count()).select_from(human_tasks)
                             .where(human_tasks.c.status == "open")).scalar()
        waiting = conn.execute(select(func.count()).select_from(timers)
                               .where(timers.c.status != "fired")).scalar()
    engine.close()
    ok = (fired_rows == count and twice == 0 and revisions == {1: count} and tasks == count
          and waiting == 0)
    return {"timer_fired_rows": fired_rows, "instances_fired_twice": twice,
            "instances_by_revision": revisions, "open_follow_up_tasks": tasks,
            "not_fired": waiting, "exactly_once": ok}


# --- lateness under load -------------------------------------------------------------------


def _scheduler_service(url: str, interval: float, stop: Any) -> None:
    engine = make_engine(url, init=False)
    scheduler = EngineScheduler(engine, interval=interval)
    scheduler.start()
    stop.wait()
    scheduler.shutdown()
    engine.close()


def _load(url: str, rate: float, stop: Any, results: Any) -> None:
    """Complete tasks at about ``rate`` per second: the normal daytime load."""
    engine = make_engine(url, init=False)
    ids = [engine.start("bench_loop", business_key=f"LOAD-{i}", user="bench",
                        data={"counter": 0, "limit": 1_000_000}).id for i in range(20)]
    n = 0
    t0 = time.perf_counter()
    while not stop.is_set():
        [task] = engine.tasks(instance_id=ids[n % len(ids)])
        engine.complete(task.id, {"note": "load"}, user="bench")
        n += 1
        pause = t0 + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    results.put({"completions": n, "per_s": n / (time.perf_counter() - t0)})
    engine.close()


def lateness(url: str, seconds: float, every: float, interval: float, load_rate: float,
             ahead: tuple[float, float] = (1.0, 3.0)) -> dict[str, Any]:
    engine = make_engine(url, deploy=DIAGRAMS)
    ctx = mp.get_context("fork")
    stop, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_scheduler_service, args=(url, interval, stop))]
    if load_rate > 0:
        procs.append(ctx.Process(target=_load, args=(url, load_rate, stop, queue)))
    for p in procs:
        p.start()
    rnd = random.Random(5)
    started = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        due = datetime.now(UTC) + timedelta(seconds=rnd.uniform(*ahead))
        engine.start("bench_timer", business_key=f"LATE-{started}", user="bench",
                     data={"due": due.isoformat()})
        started += 1
        time.sleep(every)
    give_up = time.perf_counter() + ahead[1] + 10 * interval + 5
    while time.perf_counter() < give_up:  # the last timers fall due and fire
        with engine.db.connect() as conn:
            if not conn.execute(select(func.count()).select_from(timers)
                                .where(timers.c.status == "waiting")).scalar():
                break
        time.sleep(0.1)
    stop.set()
    load = queue.get(timeout=60) if load_rate > 0 else {}
    for p in procs:
        p.join(timeout=60)
    with engine.db.connect() as conn:
        rows = conn.execute(select(timers.c.due_at, timers.c.fired_at, timers.c.status)).all()
    engine.close()
    late = [(_utc(r.fired_at) - _utc(r.due_at)).total_seconds()
            for r in rows if r.fired_at is not None]
    return {"timers": started, "fired": len(late), "interval_s": interval,
            "load": load, "lateness": summarize(late)}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "timers")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--schedulers", default="1,2")
    parser.add_argument("--seconds", type=float, default=60.0, help="lateness run length")
    parser.add_argument("--every", type=float, default=0.2, help="seconds between new timers")
    parser.add_argument("--interval", type=float, default=1.0, help="scheduler interval")
    parser.add_argument("--load-rate", type=float, default=50.0,
                        help="completions per second beside the scheduler (0: none)")
    args = parser.parse_args(argv)
    ahead = (1.0, 3.0)
    if args.quick:
        args.timers, args.seconds, args.every, args.load_rate = 200, 1.5, 0.15, 20.0
        args.interval, ahead = 0.25, (0.2, 0.5)
    counts = [int(s) for s in args.schedulers.split(",")]

    results: dict[str, Any] = {}
    for kind in kinds(args):
        for n in counts:
            with database(kind, args.pg) as url:
                results[f"{kind}/burst/{n}"] = r = burst(url, args.timers, n)
            print(f"{kind}: {r['timers']:,} timers, {n} scheduler(s): all fired in "
                  f"{r['all_fired_s']:.2f} s ({r['per_s']:,.0f}/s), exactly once: "
                  f"{r['exactly_once']}", flush=True)
        with database(kind, args.pg) as url:
            results[f"{kind}/lateness"] = r = lateness(url, args.seconds, args.every,
                                                       args.interval, args.load_rate, ahead)
        print(f"{kind}: lateness of {r['fired']} timers: p50 {r['lateness']['p50_ms']:.0f} ms, "
              f"p99 {r['lateness']['p99_ms']:.0f} ms", flush=True)
    print_table("Timers", ["run", "timers", "all fired s", "per s", "exactly once",
                           "late p50 ms", "late p99 ms"],
                [[k, r["timers"], r.get("all_fired_s", ""), r.get("per_s", ""),
                  r.get("exactly_once", ""), r.get("lateness", {}).get("p50_ms", ""),
                  r.get("lateness", {}).get("p99_ms", "")] for k, r in results.items()])
    write_result(args.out, {"timers": args.timers, "results": results},
                 None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
