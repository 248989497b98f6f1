"""/metrics scraped like Prometheus does; /health turns unhealthy when the heartbeat is stale;
JSON logs carry no case data."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import update

from engine import Engine
from engine.heartbeat import beat
from engine.ops_tables import heartbeats
from engine.scheduler import EngineScheduler
from tests.api.conftest import TokenFactory
from tests.operations.conftest import start, start_with_incident
from web.logs import CaseDataFilter


def _parse(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def test_metrics_scraped_with_a_token(complaints: Engine, client: FlaskClient,
                                      token_for: TokenFactory) -> None:
    start_with_incident(complaints)
    start(complaints, "CMS-0002")
    EngineScheduler(complaints).tick()
    reply = client.get("/metrics", headers=token_for("integration"))
    assert reply.status_code == 200
    assert reply.mimetype == "text/plain"
    values = _parse(reply.get_data(as_text=True))
    assert values["redress_open_incidents"] == 1
    assert values["redress_job_backlog"] == 0
    assert values["redress_outbox_backlog"] >= 0
    assert values["redress_timer_lag_seconds"] == 0
    assert 0 <= values["redress_scheduler_heartbeat_age_seconds"] < 60
    assert values["redress_step_latency_seconds_count"] >= 2
    assert client.get("/metrics").status_code == 401 or client.get("/metrics").status_code == 302
    assert client.get("/metrics", headers=token_for("caseworker")).status_code == 403


def test_health_is_unhealthy_without_a_fresh_heartbeat(complaints: Engine,
                                                       client: FlaskClient) -> None:
    never = client.get("/health")
    assert never.status_code == 503
    assert never.get_json()["scheduler"]["status"] == "never ran"
    beat(complaints)
    fresh = client.get("/health")
    assert fresh.status_code == 200 and fresh.get_json()["status"] == "ok"
    with complaints.db.begin() as conn:
        conn.execute(update(heartbeats).values(
            beat_at=datetime.now(UTC) - timedelta(minutes=10)))
    stale = client.get("/health")
    assert stale.status_code == 503
    assert stale.get_json() == {
        "status": "unhealthy", "database": "ok",
        "scheduler": {"heartbeat_age_seconds": pytest.approx(600, abs=5),
                      "stale_after_seconds": 60.0, "status": "stale"}}


def test_json_logs_drop_case_data_passed_as_extras() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(CaseDataFilter())
    log = logging.getLogger("redress.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("step failed", extra={"instance_id": 7, "client_name": "Robin Sample",
                                          "data": {"complaint_details": "secret"}})
    finally:
        log.removeHandler(handler)
    line = json.loads(out.getvalue())
    assert line["message"] == "step failed" and line["instance_id"] == 7
    assert "Robin Sample" not in out.getvalue() and "secret" not in out.getvalue()
