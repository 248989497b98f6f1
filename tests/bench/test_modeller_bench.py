"""bench/modeller.py runs end to end: the largest diagram gets ready in chromium, bundles sized."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.test_bench_smoke import run_bench

CHROMIUM = Path("/usr/bin/chromium")


def test_modeller_bench_opens_the_largest_diagram_and_sizes_the_bundles(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    result = run_bench("modeller", tmp_path)
    assert result["diagram"]["file"] == "review.bpmn"
    assert 0 < result["ready_ms"]["median"] < 30_000
    assert result["bundles"]["modeller.js"]["gzip"] > 0
