"""bench/operations.py runs end to end (``--quick``) and reports every operation it promises."""

from __future__ import annotations

from pathlib import Path

from tests.bench.test_bench_smoke import KINDS, run_bench


def test_operations_bench_times_figures_search_and_heat_map(tmp_path: Path) -> None:
    results = run_bench("operations", tmp_path)["results"]
    for kind in KINDS:
        timed = results[kind]
        for name in ("figures page", "figures compute", "search: client name",
                     "search: overdue", "heat map (SQL)", "heat map (JSON)"):
            assert timed[name]["n"] >= 1 and timed[name]["p50_ms"] > 0, (kind, name)
