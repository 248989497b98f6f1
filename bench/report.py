"""Markdown tables from benchmark results, for ``docs/performance.md``.

Run: ``python bench/report.py bench/results [bench/results/patched]``: one column of figures per
results folder (the JSON files the benchmarks write), one table per benchmark.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], Any]]


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(title: str, rows: list[Row], sets: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [f"**{title}**", "", "| | " + " | ".join(name for name, _ in sets) + " |",
             "|---|" + "---:|" * len(sets)]
    for label, pick in rows:
        cells = []
        for _, data in sets:
            try:
                cells.append(_fmt(pick(data)))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def engine_rows() -> list[Row]:
    rows: list[Row] = []
    for v in ("spiff", "spiff+roundtrip", "redress-sqlite", "redress-sqlite-cold",
              "redress-postgresql", "redress-postgresql-cold"):
        rows.append((f"{v}: mean ms (200 steps)", lambda d, v=v: _get(d, "results", v, "mean_ms")))
    for v in ("redress-sqlite", "redress-postgresql", "redress-postgresql-cold"):
        rows.append((f"{v}: ÷ in-memory / ÷ round trip", lambda d, v=v: (
            f"{_get(d, 'results', v, 'ratio_memory'):.2f} / "
            f"{_get(d, 'results', v, 'ratio_roundtrip'):.2f}")))
        rows.append((f"{v}: first 10% of steps ÷ in-memory / ÷ round trip", lambda d, v=v: (
            f"{_get(d, 'results', v, 'early_ratio_memory'):.2f} / "
            f"{_get(d, 'results', v, 'early_ratio_roundtrip'):.2f}")))
    for v in ("redress-sqlite", "redress-postgresql"):
        rows.append((f"{v}: first 10% ÷ (in-memory + floor)",
                     lambda d, v=v: _get(d, "results", v, "early_ratio_memory_plus_floor")))
    rows.append(("rounds (each figure their median)", lambda d: _get(d, "rounds") or 1))
    return rows


def worker_cache_rows() -> list[Row]:
    return [(f"{kind}: CPU ms, same worker → alternating workers (extra)", lambda d, k=kind: (
        f"{_get(d, 'results', k, 'same worker', 'cpu_ms'):.2f} → "
        f"{_get(d, 'results', k, 'alternating workers', 'cpu_ms'):.2f} "
        f"(+{_get(d, 'results', k, 'extra_cpu_ms_per_request'):.2f})"))
        for kind in ("sqlite", "postgresql")]


def history_rows() -> list[Row]:
    return [(f"{v}: steps 1–10 → last 10 ms (ratio)", lambda d, v=v: (
        f"{_get(d, 'results', v, 'first_ms'):.2f} → {_get(d, 'results', v, 'last_ms'):.2f} "
        f"(×{_get(d, 'results', v, 'ratio'):.2f})"))
        for v in ("spiff (in memory)", "redress sqlite warm", "redress sqlite cold",
                  "redress postgresql warm", "redress postgresql cold")]


def throughput_rows() -> list[Row]:
    rows: list[Row] = []
    for kind in ("postgresql", "sqlite"):
        for cache in ("warm", "cold"):
            for phase in ("complete", "start"):
                for w in (1, 2, 4, 8):
                    key = f"{kind}/{cache}/{phase}/{w}"
                    rows.append((f"{kind} {cache} cache, {phase}, {w} proc: per s (p99 ms)",
                                 lambda d, k=key: f"{_get(d, 'results', k, 'per_s'):,.0f} "
                                 f"({_get(d, 'results', k, 'latency', 'p99_ms'):.1f})"))
    return rows


def http_rows() -> list[Row]:
    """The sync workers the README runs (older results named their key without the mode)."""
    def cell(d: dict[str, Any], w: int) -> str:
        run = _get(d, "results", f"postgresql/sync/{w}") or _get(d, "results", f"postgresql/{w}")
        return (f"{_get(run, 'per_s'):,.0f} ({_get(run, 'latency', 'p50_ms'):.1f} / "
                f"{_get(run, 'latency', 'p99_ms'):.1f}), "
                f"{_get(run, 'http_over_engine') or float('nan'):.2f}")

    return [(f"{w} gunicorn worker(s): completions/s (p50 / p99 ms), http ÷ engine",
             lambda d, w=w: cell(d, w)) for w in (1, 2, 4)]


SCALE_OPS = ("complete", "inbox: one lane (caseworker)", "inbox: two lanes (review, ice)",
             "inbox: my claimed work", "search: business key", "search: active list page",
             "figures-sql (aggregate)", "figures dashboard (workflows.figures)")


def scale_rows() -> list[Row]:
    return [(f"{kind}: {op}: p50 / p99 ms", lambda d, k=kind, o=op: (
        f"{_get(d, 'results', k, o, 'p50_ms'):.1f} / {_get(d, 'results', k, o, 'p99_ms'):.1f}"))
        for kind in ("postgresql", "sqlite") for op in SCALE_OPS]


def timers_rows() -> list[Row]:
    rows: list[Row] = []
    for kind in ("postgresql", "sqlite"):
        for n in (1, 2):
            key = f"{kind}/burst/{n}"
            rows.append((f"{kind}: 10,000 due, {n} scheduler(s): all fired s (exactly once)",
                         lambda d, k=key: f"{_get(d, 'results', k, 'all_fired_s'):.1f} "
                         f"({_fmt(_get(d, 'results', k, 'exactly_once'))})"))
        rows.append((f"{kind}: single timer lateness p50 / p99 ms", lambda d, k=kind: (
            f"{_get(d, 'results', f'{k}/lateness', 'lateness', 'p50_ms'):.0f} / "
            f"{_get(d, 'results', f'{k}/lateness', 'lateness', 'p99_ms'):.0f}")))
    return rows


def _pair(d: dict[str, Any], journey: str, table: str) -> str:
    found = _get(d, "results", "postgresql", journey)
    return (f"{_get(found, 'rows_bytes_per_journey', table):,} / "
            f"{_get(found, 'disk_bytes_per_journey', table):,}")


def storage_rows() -> list[Row]:
    rows: list[Row] = []
    for journey in ("complaint", "loop"):
        rows += [
            (f"postgresql, {journey} journey: rows B", lambda d, j=journey: _get(
                d, "results", "postgresql", j, "rows_total")),
            (f"postgresql, {journey} journey: disk B (with indexes, vacuumed)",
             lambda d, j=journey: _get(d, "results", "postgresql", j, "disk_total")),
            (f"postgresql, {journey} journey: disk B before vacuum",
             lambda d, j=journey: _get(d, "results", "postgresql", j,
                                       "disk_total_before_vacuum")),
            (f"sqlite, {journey} journey: file B (vacuumed)",
             lambda d, j=journey: _get(d, "results", "sqlite", j, "disk_total")),
        ]
        for table in ("process_instances", "human_tasks", "audit_log", "documents", "jobs",
                      "outbox", "timers", "messages"):
            rows.append((f"postgresql, {journey} journey: {table}: rows B / disk B",
                         lambda d, j=journey, t=table: _pair(d, j, t)))
    rows += [
        ("postgresql: one 200-step loop instance, rows B",
         lambda d: _get(d, "results", "postgresql", "long_instance", "rows_total")),
        ("postgresql: one 200-step loop instance, state B",
         lambda d: _get(d, "results", "postgresql", "long_instance", "state_bytes")),
    ]
    return rows


REPORTS = {
    "engine": ("Step cost", engine_rows),
    "history": ("History growth", history_rows),
    "throughput": ("Throughput through the engine", throughput_rows),
    "http_api": ("Throughput through HTTP", http_rows),
    "worker_cache": ("A case's requests on one worker or alternating", worker_cache_rows),
    "scale": ("Scale", scale_rows),
    "timers": ("Timers", timers_rows),
    "storage": ("Storage", storage_rows),
}


def main(argv: list[str]) -> None:
    folders = [Path(a) for a in argv] or [Path(__file__).parent / "results"]
    for name, (title, rows) in REPORTS.items():
        sets = [(f.name, json.loads((f / f"{name}.json").read_text()))
                for f in folders if (f / f"{name}.json").exists()]
        if sets:
            print(_table(title, rows(), sets))


if __name__ == "__main__":
    main(sys.argv[1:])
