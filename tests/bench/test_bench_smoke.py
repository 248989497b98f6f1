"""Each benchmark runs end to end in a few seconds (``--quick``) and writes the figures it promises.

SQLite only, unless ``TEST_DATABASE_URL`` names a PostgreSQL server: then on both. The real
runs (minutes) are documented in ``docs/performance.md``; these only keep the scripts working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
KINDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def run_bench(name: str, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    database = ["--pg", PG_URL] if PG_URL else ["--no-pg"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--quick", *database,
         "--out", str(out), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result: dict[str, Any] = json.loads(out.read_text())
    assert result["machine"]["cpus"] >= 1
    return result


def test_step_cost_compares_redress_with_in_memory_spiffworkflow(tmp_path: Path) -> None:
    ran = run_bench("engine", tmp_path)
    results = ran["results"]
    names = ["spiff", "spiff+roundtrip"] + [f"redress-{k}{s}" for k in KINDS for s in ("", "-cold")]
    for name in names:
        assert results[name]["mean_ms"] > 0
        assert results[name]["ratio_memory"] > 0 and results[name]["ratio_roundtrip"] > 0
    sandbox = ran["sandbox_us"]
    assert 0 < sandbox["condition_in_process_us"] < sandbox["condition_worker_us"]
    for kind in KINDS:  # the floor (bare INSERT + COMMIT) of the same run, and the ratio to it
        assert results[f"floor-{kind}"]["mean_ms"] > 0
        assert results[f"redress-{kind}"]["early_ratio_memory_plus_floor"] > 0
    rounds = ran["per_round"]  # --quick: two interleaved rounds; each figure their median
    assert ran["rounds"] == len(rounds) == 2
    for name in names:
        for key in ("first10pct_ms", "early_ratio_memory"):
            assert results[name][key] == min(r[name][key] for r in rounds)


@pytest.mark.skipif(not PG_URL, reason="WAL is PostgreSQL's: set TEST_DATABASE_URL")
def test_wal_and_dead_tuples_are_measured_per_journey(tmp_path: Path) -> None:
    results = run_bench("wal", tmp_path)["results"]
    for journey in ("complaint", "loop"):
        assert results[journey]["wal_bytes"] > 0
        assert results[journey]["process_instances_updates"] > 0


def test_history_growth_gives_a_ratio_per_variant(tmp_path: Path) -> None:
    results = run_bench("history", tmp_path)["results"]
    assert results["spiff (in memory)"]["ratio"] > 0
    for kind in KINDS:
        for cache in ("warm", "cold"):
            found = results[f"redress {kind} {cache}"]
            assert found["ratio"] > 0 and found["state_bytes_last"] > 0


def test_worker_cache_times_the_same_and_alternating_workers(tmp_path: Path) -> None:
    results = run_bench("worker_cache", tmp_path)["results"]
    for kind in KINDS:
        for way in ("same worker", "alternating workers"):
            found = results[kind][way]
            assert len(found["runs"]) == 2 and found["wall_ms"] > 0 and found["cpu_ms"] > 0
        assert results[kind]["extra_cpu_ms_per_request"] == (
            results[kind]["alternating workers"]["cpu_ms"] - results[kind]["same worker"]["cpu_ms"])


def test_scale_times_completion_inbox_search_and_figures(tmp_path: Path) -> None:
    results = run_bench("scale", tmp_path)["results"]
    for kind in KINDS:
        found = results[kind]
        assert found["rows"]["process_instances"] >= 1000
        for key in ("complete", "inbox: one lane (caseworker)", "search: business key",
                    "figures-sql (aggregate)"):
            assert found[key]["p99_ms"] >= found[key]["p50_ms"] > 0
        assert found["plans"]["inbox one lane"]


def test_throughput_counts_completions_and_starts_per_worker_count(tmp_path: Path) -> None:
    results = run_bench("throughput", tmp_path)["results"]
    for kind in KINDS:
        for phase in ("complete", "start"):
            for workers in (1, 2):
                found = results[f"{kind}/warm/{phase}/{workers}"]
                assert found["per_s"] > 0 and found["conflicts"] == 0


@pytest.mark.skipif(not PG_URL, reason="bench/http_api.py measures PostgreSQL only")
def test_http_api_serves_completions_through_gunicorn_in_every_mode(tmp_path: Path) -> None:
    modes = ("sync", "gunicorn-sync", "keepalive", "capped")
    results = run_bench("http_api", tmp_path, "--modes", ",".join(modes), "--repeat", "2")
    for mode in modes:
        found = results["results"][f"postgresql/{mode}/1"]
        assert found["ops"] > 0 and found["engine_per_s"] > 0
        assert len(found["runs"]) == 2
        assert found["http_over_engine"] == found["per_s"] / found["engine_per_s"]


def test_timers_fire_exactly_once_and_lateness_is_measured(tmp_path: Path) -> None:
    results = run_bench("timers", tmp_path)["results"]
    for kind in KINDS:
        for schedulers in (1, 2):
            burst = results[f"{kind}/burst/{schedulers}"]
            assert burst["exactly_once"], burst
        late = results[f"{kind}/lateness"]
        assert late["fired"] == late["timers"] > 0
        assert late["lateness"]["p99_ms"] >= 0


def test_storage_gives_bytes_per_journey(tmp_path: Path) -> None:
    results = run_bench("storage", tmp_path)["results"]
    for kind in KINDS:
        for journey in ("complaint", "loop"):
            assert results[kind][journey]["disk_total"] > 0
        assert results[kind]["long_instance"]["state_bytes"] > 0
    if PG_URL:
        assert results["postgresql"]["complaint"]["rows_bytes_per_journey"]["documents"] > 0


@pytest.mark.skipif(not PG_URL, reason="the soak runs on PostgreSQL (set TEST_DATABASE_URL)")
def test_soak_kills_web_workers_and_schedulers_and_loses_nothing(tmp_path: Path) -> None:
    result = run_bench("soak", tmp_path)
    assert result["journeys"] == result["completed"] == 20
    assert (result["lost"], result["duplicates"]) == (0, 0)
    assert result["web_master_exits"] == []  # gunicorn kept serving through the kills
    assert sum(result["kills"].values()) >= 1
    assert result["counts"]["letters_sent"] == result["counts"]["letters"] == 20


def test_percentiles_are_nearest_rank() -> None:
    from bench.common import percentile, summarize

    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0], 99) == 3.0
    assert summarize([0.001, 0.002])["max_ms"] == pytest.approx(2.0)


def test_caseworker_pages_time_the_inbox_and_the_case_page(tmp_path: Path) -> None:
    rows = run_bench("caseworker_pages", tmp_path)["results"]
    assert {r["page"] for r in rows} >= {"inbox, first page", "case page, 200 events"}
    assert all(r["p95_ms"] > 0 and r["database"] in KINDS for r in rows)
