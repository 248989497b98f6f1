"""Test mode: the simulated clock can be moved over the API, and nowhere else."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine, SimulatedClock
from tests.api.conftest import TokenFactory, build_test_app, start_case


def test_clock_endpoint_does_not_exist_outside_test_mode(api_engine: Engine,
                                                         token_for: TokenFactory) -> None:
    client = build_test_app(api_engine, test_mode=False).test_client()
    ops = token_for("operations")
    assert client.post("/api/v1/clock", json={"advance": "P1D"}, headers=ops).status_code == 404
    assert "/clock" not in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_test_mode_is_off_by_default_and_on_with_the_environment_flag(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.app import create_app

    monkeypatch.delenv("REDRESS_TEST_MODE", raising=False)
    off = create_app(api_engine, config={"SECRET_KEY": "x"})
    assert "clock.move" not in off.view_functions
    monkeypatch.setenv("REDRESS_TEST_MODE", "1")
    on = create_app(api_engine, config={"SECRET_KEY": "x"})
    assert "clock.move" in on.view_functions


def test_production_configuration_refuses_test_mode(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_ENV", "production")
    with pytest.raises(RuntimeError, match="production"):
        build_test_app(api_engine, test_mode=True)


def test_test_mode_needs_a_simulated_clock(database_url: str) -> None:
    from workflows.bootstrap import build_engine

    engine = build_engine(database_url)  # real time
    try:
        with pytest.raises(RuntimeError, match="SimulatedClock"):
            build_test_app(engine, test_mode=True)
    finally:
        engine.close()


def test_clock_moves_forward_only_and_by_iso_durations_or_seconds(
    client: FlaskClient, token_for: TokenFactory, clock: SimulatedClock
) -> None:
    ops = token_for("operations")
    assert client.get("/api/v1/clock", headers=ops).get_json()["now"] == "2026-03-27T09:00:00+00:00"
    moved = client.post("/api/v1/clock", json={"advance": "P1DT2H"}, headers=ops).get_json()
    assert moved["now"] == "2026-03-28T11:00:00+00:00"
    moved = client.post("/api/v1/clock", json={"advance": 60}, headers=ops).get_json()
    assert moved["now"] == "2026-03-28T11:01:00+00:00" == clock.now().isoformat()
    back = client.post("/api/v1/clock", json={"set": "2026-01-01T00:00:00Z"}, headers=ops)
    assert back.status_code == 422
    months = client.post("/api/v1/clock", json={"advance": "P1M"}, headers=ops)
    assert months.status_code == 422 and months.get_json()["errors"]
    naive = client.post("/api/v1/clock", json={"set": "2026-05-01T00:00:00"}, headers=ops)
    assert naive.status_code == 422


def test_r21_resolution_deadline_timer_fires_via_clock_endpoint(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker, ops = token_for("caseworker"), token_for("operations")
    url = start_case(client, worker).headers["Location"]
    [task] = client.get("/api/v1/tasks", headers=worker).get_json()["items"]
    client.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker,
                json={"data": {"resolved": False}})
    [timer] = client.get(url, headers=ops).get_json()["waiting_timers"]
    assert timer["due_at"] == "2026-04-21T22:59:59+00:00"
    just_before = client.post("/api/v1/clock", json={"set": "2026-04-21T22:59:58Z"}, headers=ops)
    assert just_before.get_json()["timers_fired"] == 0
    due = client.post("/api/v1/clock", json={"advance": "PT2S"}, headers=ops).get_json()
    assert due["timers_fired"] == 1
    chase = client.get("/api/v1/tasks", headers=token_for("team_leader")).get_json()["items"]
    assert [t["name"] for t in chase] == ["Chase the overdue response"]
    assert client.get(url, headers=ops).get_json()["overdue"] is True
