"""Running Redress: ``/metrics`` in Prometheus format and ``/health`` for load balancers.

Gauges are read from the database at each scrape (:mod:`engine.vitals`); the step latency is a
histogram of this process's steps. Each app has its own registry, so two apps in one process
(tests) never clash. Neither endpoint says anything about a case.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from flask import Flask, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from engine import Engine
from engine.vitals import database_ok, vitals
from web.access import PUBLIC, requires
from web.context import engine
from web.operations import bp
from workflows.roles import Permission

__all__ = ["install_metrics", "stale_after"]

log = logging.getLogger(__name__)


def stale_after() -> float:
    """Seconds without a scheduler heartbeat before /health says unhealthy."""
    return float(os.environ.get("REDRESS_HEARTBEAT_STALE_SECONDS", "60"))


class _Vitals(Collector):
    def __init__(self, eng: Engine) -> None:
        self.engine = eng

    def collect(self) -> Iterator[GaugeMetricFamily]:
        v = vitals(self.engine)
        for name, doc, value in (
            ("redress_job_backlog", "Service-task jobs due and not done", v.job_backlog),
            ("redress_open_incidents", "Incidents waiting for operations", v.open_incidents),
            ("redress_outbox_backlog", "Outbox deliveries not yet sent", v.outbox_backlog),
            ("redress_timer_lag_seconds", "How late the most overdue waiting timer is",
             v.timer_lag_s),
            ("redress_scheduler_heartbeat_age_seconds",
             "Seconds since a scheduler last ran a round (-1: never)",
             -1.0 if v.heartbeat_age_s is None else v.heartbeat_age_s),
        ):
            yield GaugeMetricFamily(name, doc, value=value)


def install_metrics(app: Flask, eng: Engine) -> None:
    """Give the app its own registry with the step histogram and the database gauges."""
    registry = CollectorRegistry()
    steps = Histogram("redress_step_latency_seconds", "Time of one engine step",
                      registry=registry,
                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
    eng.runtime.on_step = steps.observe
    registry.register(_Vitals(eng))
    app.extensions["redress_metrics"] = registry


@bp.get("/metrics")
@requires(Permission.VIEW_FIGURES)
def metrics() -> Response:
    """Give the running system's figures in Prometheus text format."""
    registry: CollectorRegistry = current_app.extensions["redress_metrics"]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/health")
@requires(PUBLIC)
def health() -> tuple[Response, int]:
    """Say whether the database answers and a scheduler has run lately (503 if not)."""
    eng = engine()
    db_ok = database_ok(eng)
    age = vitals(eng).heartbeat_age_s if db_ok else None
    fresh = age is not None and age <= stale_after()
    healthy = db_ok and fresh
    if not healthy:
        log.warning("unhealthy: database_ok=%s heartbeat_age_s=%s", db_ok, age)
    body = {"status": "ok" if healthy else "unhealthy",
            "database": "ok" if db_ok else "unreachable",
            "scheduler": {"heartbeat_age_seconds": None if age is None else round(age, 1),
                          "stale_after_seconds": stale_after(),
                          "status": "ok" if fresh else ("never ran" if age is None
                                                        else "stale")}}
    return jsonify(body), 200 if healthy else 503
