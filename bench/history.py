"""History growth: the cost of a completion at step 1 versus step 200 of a looping instance.

SpiffWorkflow keeps every finished task in the live tree, so in memory a step gets slower as a
case grows; Redress cuts the finished history out after every step (``engine.spiff.compact``)
and keeps it in the audit table. This runs the loop diagram for ``--steps`` completions,
``--repeat`` times, and compares the median cost of the first ten steps with the last ten:

* ``warm``  the engine as deployed (workflows kept between steps in a revision-checked cache);
* ``cold``  the cache off (``cache_size=0``): every step loads and parses the stored state,
            which is where a growing history would hurt most;
* ``spiff`` in-memory SpiffWorkflow on the same diagram, for comparison.

Also the stored state size at step 1 and at the last step. Run: ``python bench/history.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.common import (
    add_common_args,
    database,
    kinds,
    make_engine,
    print_table,
    warm_up,
    write_result,
)
from engine.tables import process_instances

WINDOW = 10


def redress_steps(url: str, steps: int, cache_size: int) -> tuple[list[float], list[int]]:
    """Seconds per completion, and the stored state size after each step."""
    engine = make_engine(url, cache_size=cache_size)
    warm_up(engine, 5)
    instance = engine.start("bench_loop", business_key="LOOP", user="bench",
                            data={"counter": 0, "limit": steps + 10})
    times: list[float] = []
    sizes: list[int] = []
    for n in range(steps):
        [task] = engine.tasks(instance_id=instance.id)
        t0 = time.perf_counter()
        engine.complete(task.id, {"note": f"step {n}"}, user="bench")
        times.append(time.perf_counter() - t0)
        if n == 0 or n == steps - 1:
            with engine.db.connect() as conn:
                sizes.append(len(conn.execute(select(process_instances.c.state).where(
                    process_instances.c.id == instance.id)).scalar_one()))
    engine.close()
    return times, sizes


def spiff_steps(steps: int) -> list[float]:
    from bench.engine import _spiff_steps

    return _spiff_steps(steps)


def growth(runs: list[list[float]]) -> dict[str, float]:
    per_step = [statistics.median(s) for s in zip(*runs, strict=True)]
    first = statistics.fmean(per_step[:WINDOW]) * 1000
    last = statistics.fmean(per_step[-WINDOW:]) * 1000
    return {"first_ms": first, "last_ms": last, "ratio": last / first,
            "step1_ms": per_step[0] * 1000, "last_step_ms": per_step[-1] * 1000}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, "history")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.repeat = 25, 1

    results: dict[str, Any] = {"spiff (in memory)": growth(
        [spiff_steps(args.steps) for _ in range(args.repeat)])}
    for kind in kinds(args):
        for label, cache_size in (("warm", 2000), ("cold", 0)):
            runs, sizes = [], []
            for _ in range(args.repeat):
                with database(kind, args.pg) as url:
                    times, sizes = redress_steps(url, args.steps, cache_size)
                runs.append(times)
            results[f"redress {kind} {label}"] = {
                **growth(runs), "state_bytes_first": sizes[0], "state_bytes_last": sizes[-1]}
    print_table(f"Step cost at the start and the end of a {args.steps}-step loop "
                f"(mean of {WINDOW} steps, median of {args.repeat} runs)",
                ["variant", f"steps 1-{WINDOW} ms", f"last {WINDOW} ms", "ratio",
                 "state B first", "state B last"],
                [[k, r["first_ms"], r["last_ms"], r["ratio"], r.get("state_bytes_first", ""),
                  r.get("state_bytes_last", "")] for k, r in results.items()])
    write_result(args.out, {"steps": args.steps, "window": WINDOW, "results": results},
                 None if args.no_pg else args.pg)
    return results


if __name__ == "__main__":
    main()
