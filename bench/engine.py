"""Step cost: durable Redress versus in-memory SpiffWorkflow on the same looping diagram.

Completing one user task = load, apply, run engine steps (a script task and a gateway), persist.
Three ways, same diagram, same run:

* ``spiff``            in-memory SpiffWorkflow, nothing saved;
* ``spiff+roundtrip``  in-memory plus a JSON serialize/deserialize per step (the usual way to
                       make SpiffWorkflow durable by hand);
* ``redress-<db>``     ``Engine.complete`` on SQLite / PostgreSQL: one transaction per step with
                       optimistic locking, task rows, audit, sandboxed scripts;
* ``redress-<db>-cold`` the same with the warm workflow cache off (``cache_size=0``), so every
                       step also loads and parses the stored state, as when consecutive requests
                       for an instance land on different processes.

The sandbox's cost is printed too: one condition (``counter < limit``) and one script
(``counter = counter + 1``) as the loop runs them (in-process: provably cheap code), the same
forced through the sandbox worker process (what code that is not provably cheap pays), and plain
``eval``/``exec`` for reference.

Ratios are given over all steps (``÷ memory``, ``÷ roundtrip``; in-memory SpiffWorkflow slows
down as its task tree grows) and over the first 10% of steps (``early``: short history, where
in-memory SpiffWorkflow is at its fastest).

The **floor** is measured in the same run on each database: one bare ``INSERT`` of a small row
and its ``COMMIT`` on a held connection, the least any durable step must pay. ``early ÷
(mem+floor)`` is a durable step over the first 10% against pure in-memory SpiffWorkflow plus
that floor: how close Redress comes to "the workflow step plus one commit".

The host's speed drifts from minute to minute, and one pass of each variant in turn let that
drift fall between the variants a ratio compares. So the variants run ``--rounds`` times
(default 5), interleaved, the order turning each round; each ratio is taken within its round
(between runs seconds apart), and every figure printed is the median over the rounds. Each
round's ratios are printed too, and written to the result under ``per_round``.

Run: ``python bench/engine.py [--steps 200] [--rounds 5] [--pg URL] [--quick]``. Prints a
table and writes ``bench/results/engine.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import make_engine, percentile, warm_up, write_result  # noqa: E402
from engine.db import connect  # noqa: E402

DIAGRAM = Path(__file__).parent / "diagrams" / "loop.bpmn"
PROCESS = "bench_loop"


def _spiff_workflow() -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec = parser.get_spec(PROCESS)
    return BpmnWorkflow(spec, parser.get_subprocess_specs(PROCESS))


def _spiff_steps(steps: int) -> list[float]:
    workflow = _spiff_workflow()
    workflow.get_tasks(state=TaskState.READY)[0].data.update({"counter": 0, "limit": steps + 10})
    workflow.do_engine_steps()
    times: list[float] = []
    for _ in range(steps):
        t0 = time.perf_counter()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"note": "done"})
        task.run()
        workflow.do_engine_steps()
        times.append(time.perf_counter() - t0)
    return times


def _spiff_roundtrip(steps: int) -> list[float]:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = _spiff_workflow()
    workflow.get_tasks(state=TaskState.READY)[0].data.update({"counter": 0, "limit": steps + 10})
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    times: list[float] = []
    for _ in range(steps):
        t0 = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update({"note": "done"})
        task.run()
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        times.append(time.perf_counter() - t0)
    return times


def _redress_steps(url: str, steps: int, cache_size: int = 2000) -> list[float]:
    engine = make_engine(url, cache_size=cache_size)
    warm_up(engine)  # to the steady state: statements prepared on the connection
    instance = engine.start(
        PROCESS, business_key="BENCH", user="bench", data={"counter": 0, "limit": steps + 10}
    )
    times: list[float] = []
    for _ in range(steps):
        [task] = engine.tasks(instance_id=instance.id)
        t0 = time.perf_counter()
        engine.complete(task.id, {"note": "done"}, user="bench")
        times.append(time.perf_counter() - t0)
    engine.close()
    return times


def _floor(url: str, steps: int) -> list[float]:
    """One bare INSERT + COMMIT per step on a held connection: the durable floor."""
    db = connect(url)  # tuned as Redress's own (SQLite: WAL, synchronous=NORMAL)
    times: list[float] = []
    with db.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, v INTEGER)")
        conn.commit()
        for i in range(steps + 20):  # the first 20 warm the connection and the server
            t0 = time.perf_counter()
            conn.exec_driver_sql("INSERT INTO bench_floor (id, v) VALUES (%s, 1)" % (i + 1))
            conn.commit()
            times.append(time.perf_counter() - t0)
    db.dispose()
    return times[20:]


def _sandbox_cost(calls: int) -> dict[str, float]:
    """Microseconds per call: plain Python, the in-process sandbox, the worker process."""
    from engine.expressions import EXPRESSION_FUNCTIONS
    from engine.sandbox import SandboxEnvironment

    env = SandboxEnvironment(EXPRESSION_FUNCTIONS, 1.0)
    data = {"counter": 1, "limit": 500, "note": "done"}
    pool = env.pool()

    def per_call(run: Callable[[], object]) -> float:
        run()  # warm: compile caches, worker start
        t0 = time.perf_counter()
        for _ in range(calls):
            run()
        return (time.perf_counter() - t0) / calls * 1e6

    condition, script = "counter < limit", "counter = counter + 1"
    code = compile(condition, "<bench>", "eval")
    try:
        return {
            "plain_eval_us": per_call(lambda: eval(code, {}, data)),
            "condition_in_process_us": per_call(lambda: env.evaluate(condition, data)),
            "script_in_process_us": per_call(lambda: env.execute(script, data)),
            "condition_worker_us": per_call(lambda: pool.evaluate(condition, data, {}, "x")),
            "script_worker_us": per_call(lambda: pool.execute(script, data, {})),
        }
    finally:
        env.close()


def _pg_url(base: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{base}?options=-csearch_path%3D{schema}", drop


def _summary(times: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    head = ms[: max(1, len(ms) // 10)]
    tail = ms[-max(1, len(ms) // 10) :]
    return {
        "mean_ms": statistics.fmean(ms),
        "p50_ms": statistics.median(ms),
        "first10pct_ms": statistics.fmean(head),
        "last10pct_ms": statistics.fmean(tail),
    }


def _variants(args: argparse.Namespace) -> list[tuple[str, Callable[[], list[float]]]]:
    """Every variant of one round, as (name, run): each run times ``args.steps`` steps."""
    def on_sqlite(run: Callable[[str], list[float]], name: str) -> Callable[[], list[float]]:
        def go() -> list[float]:
            with tempfile.TemporaryDirectory() as tmp:
                return run(f"sqlite:///{tmp}/{name}.db")
        return go

    def on_pg(run: Callable[[str], list[float]]) -> Callable[[], list[float]]:
        def go() -> list[float]:
            url, drop = _pg_url(args.pg)
            try:
                return run(url)
            finally:
                drop()
        return go

    steps = args.steps
    found: list[tuple[str, Callable[[], list[float]]]] = [
        ("spiff", lambda: _spiff_steps(steps)),
        ("spiff+roundtrip", lambda: _spiff_roundtrip(steps)),
        ("floor-sqlite", on_sqlite(lambda u: _floor(u, steps), "floor")),
    ]
    if not args.no_pg:
        found.append(("floor-postgresql", on_pg(lambda u: _floor(u, steps))))
    for suffix, cache_size in (("", 2000), ("-cold", 0)):
        def redress(u: str, cache_size: int = cache_size) -> list[float]:
            return _redress_steps(u, steps, cache_size)
        found.append((f"redress-sqlite{suffix}", on_sqlite(redress, "bench")))
        if not args.no_pg:
            found.append((f"redress-postgresql{suffix}", on_pg(redress)))
    return found


def _ratios(results: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each variant's ratios to in-memory SpiffWorkflow (and its floor) within one round."""
    base, rt = results["spiff"], results["spiff+roundtrip"]
    ratios: dict[str, dict[str, float]] = {}
    for name, r in results.items():
        found = {
            "ratio_memory": r["mean_ms"] / base["mean_ms"],
            "ratio_roundtrip": r["mean_ms"] / rt["mean_ms"],
            "early_ratio_memory": r["first10pct_ms"] / base["first10pct_ms"],
            "early_ratio_roundtrip": r["first10pct_ms"] / rt["first10pct_ms"],
        }
        db = next((d for d in ("postgresql", "sqlite") if f"-{d}" in name), None)
        floor = results.get(f"floor-{db}") if db and name.startswith("redress") else None
        if floor is not None:  # against the workflow step plus one bare commit
            found["early_ratio_memory_plus_floor"] = r["first10pct_ms"] / (
                base["first10pct_ms"] + floor["mean_ms"]
            )
        ratios[name] = found
    return ratios


def _median_over(rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per variant and figure, the median over the rounds: the nearest-rank 50th percentile,
    so the lower middle of an even count."""
    return {name: {key: percentile([r[name][key] for r in rounds], 50) for key in rounds[0][name]}
            for name in rounds[0]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--rounds", type=int, default=5,
                        help="each variant runs once per round, the order turning round by "
                             "round; every figure is the median over the rounds")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "engine.json"))
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.rounds = 20, min(args.rounds, 2)  # two: the interleaving runs too

    variants = _variants(args)
    rounds: list[dict[str, dict[str, float]]] = []
    for number in range(max(1, args.rounds)):
        # Turned, so no variant always runs first (cold) or right after a slow one.
        turn = number % len(variants)
        timed = {name: _summary(run()) for name, run in variants[turn:] + variants[:turn]}
        ratios = _ratios(timed)
        rounds.append({name: {**timed[name], **ratios[name]} for name, _ in variants})
    results = _median_over(rounds)

    sandbox = _sandbox_cost(200 if args.quick else 2000)
    print(
        f"Completing one user task, {args.steps} steps of a loop "
        "(mean over all steps; early = first 10% of steps)"
        + (f"; median of {len(rounds)} rounds, each ratio taken within its round"
           if len(rounds) > 1 else "")
    )
    print(
        f"{'variant':<26}{'mean ms':>9}{'p50 ms':>9}{'first10%':>10}{'last10%':>9}"
        f"{'÷ memory':>10}{'÷ roundtrip':>12}{'early ÷mem':>11}{'early ÷rt':>10}"
        f"{'early ÷(mem+floor)':>19}"
    )
    for name, r in results.items():
        early_floor = r.get("early_ratio_memory_plus_floor")
        print(
            f"{name:<26}{r['mean_ms']:>9.3f}{r['p50_ms']:>9.3f}{r['first10pct_ms']:>10.3f}"
            f"{r['last10pct_ms']:>9.3f}{r['ratio_memory']:>10.2f}{r['ratio_roundtrip']:>12.2f}"
            f"{r['early_ratio_memory']:>11.2f}{r['early_ratio_roundtrip']:>10.2f}"
            + (f"{early_floor:>19.2f}" if early_floor is not None else "")
        )
    if len(rounds) > 1:
        print(f"\nEach round's early ÷(mem+floor) and ÷ memory ({args.steps} steps):")
        for name in results:
            if "early_ratio_memory_plus_floor" in results[name]:
                early = ", ".join(f"{r[name]['early_ratio_memory_plus_floor']:.2f}"
                                  for r in rounds)
                whole = ", ".join(f"{r[name]['ratio_memory']:.2f}" for r in rounds)
                print(f"  {name:<26}{early}  |  {whole}")
    print("\nSandbox, µs per call (the loop runs one condition and one script per step):")
    for name, us in sandbox.items():
        print(f"  {name:<26}{us:>9.1f}")
    step_us = 1000 * results["redress-sqlite"]["mean_ms"]
    in_process = sandbox["condition_in_process_us"] + sandbox["script_in_process_us"]
    worker = sandbox["condition_worker_us"] + sandbox["script_worker_us"]
    print(f"  in-process sandbox share of a SQLite step: {in_process / step_us:.0%}; the same "
          f"two through the worker would add {worker - in_process:.0f} µs")
    write_result(
        args.out,
        {"steps": args.steps, "rounds": len(rounds), "results": results,
         "per_round": rounds, "sandbox_us": sandbox},
        None if args.no_pg else args.pg,
    )
    return results


if __name__ == "__main__":
    main()
