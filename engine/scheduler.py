"""The background loop: fire due timers, run due jobs, deliver the outbox.

One APScheduler interval job per duty, with fixed ids and ``max_instances=1`` so a slow round
is never overlapped by the next; a guard makes ``start`` idempotent. Any number of these loops
may run in different processes: they coordinate only through leased database rows.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from engine.batches import run_batches
from engine.db import retry_stale
from engine.facade import Engine
from engine.heartbeat import beat

__all__ = ["EngineScheduler"]

log = logging.getLogger(__name__)

JOB_IDS = ("redress-timers", "redress-jobs", "redress-outbox", "redress-batches",
           "redress-heartbeat")


class EngineScheduler:
    def __init__(
        self, engine: Engine, *, interval: float = 1.0, scheduler: BaseScheduler | None = None
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.scheduler = scheduler or BackgroundScheduler(daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def tick(self) -> dict[str, int]:
        """One round of every duty; also what tests and the CLI call directly."""
        return {
            "timers": self._safely(self.engine.fire_due_timers),
            "jobs": self._safely(self.engine.run_due_jobs),
            "outbox": self._safely(self.engine.dispatch_outbox),
            "batches": self._safely(self._run_batches),
            "heartbeat": self._safely(self._beat),
        }

    def _run_batches(self) -> int:
        return run_batches(self.engine)

    def _beat(self) -> int:
        return beat(self.engine)

    @staticmethod
    def _safely(duty: Any) -> int:
        try:  # a connection that died while pooled is found at once, and the round run again
            return int(retry_stale(duty))
        except Exception:  # a failing round must not kill the loop; the next round retries
            log.exception("scheduler round failed in %s", getattr(duty, "__name__", duty))
            return 0

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            duties = (
                self.engine.fire_due_timers,
                self.engine.run_due_jobs,
                self.engine.dispatch_outbox,
                self._run_batches,
                self._beat,
            )
            for job_id, duty in zip(JOB_IDS, duties, strict=True):
                self.scheduler.add_job(
                    self._safely,
                    "interval",
                    args=[duty],
                    id=job_id,
                    seconds=self.interval,
                    max_instances=1,
                    coalesce=True,
                    replace_existing=True,
                )
            self.scheduler.start()
            self._started = True

    def shutdown(self) -> None:
        with self._lock:
            if self._started:
                self.scheduler.shutdown(wait=True)
                self._started = False
