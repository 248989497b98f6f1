"""``redress demo-data``: synthetic complaints through the real diagrams, once, never in
production."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Engine, SimulatedClock
from web.cli import main
from workflows.bootstrap import build_engine
from workflows.complaint_figures import compute
from workflows.demo import deploy_packages
from workflows.demo_data import generate


def test_demo_data_drives_real_diagrams_with_an_incident(tmp_path: Path) -> None:
    engine: Engine = build_engine(f"sqlite:///{tmp_path}/demo.db", clock=SimulatedClock())
    engine.init_db()
    deploy_packages(engine)
    report = generate(engine, count=12, days=30)
    assert report.started == 12 and report.incidents == 1
    assert report.steps > 12
    assert len(engine.incidents()) >= 1
    figures = compute(engine, "CMS")
    assert figures.volumes
    names = {r.summary.get("client.name") for r in engine.instances(limit=50)}
    assert all(" " in str(n) for n in names if n)  # synthetic first and last names
    engine.close()


def test_demo_data_command_runs_once_and_never_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    runner = CliRunner()
    first = runner.invoke(main, ["demo-data", "--count", "3", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "demo data: 3 complaints" in first.output
    again = runner.invoke(main, ["demo-data", "--count", "3", "--if-empty"])
    assert "skipped, the database already holds" in again.output
    assert runner.invoke(main, ["demo-data", "--count", "0"]).exit_code != 0
    monkeypatch.setenv("REDRESS_ENV", "production")
    refused = runner.invoke(main, ["demo-data"])
    assert refused.exit_code != 0 and "refused in production" in refused.output
