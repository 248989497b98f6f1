"""Structured JSON logs (python-json-logger): one object per line, for a log collector.

Only the standard fields and a short allow-list of extras are written, so a call that passes
case data in ``extra=`` cannot leak it; log messages themselves name ids, never case data.
"""

from __future__ import annotations

import logging
import os
import sys

from pythonjsonlogger.json import JsonFormatter

__all__ = ["ALLOWED_EXTRAS", "CaseDataFilter", "configure_json_logging"]

ALLOWED_EXTRAS = frozenset({"instance_id", "task_id", "incident_id", "batch_id", "job_id",
                            "duration_ms", "status", "worker"})
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                                 "asctime"}


class CaseDataFilter(logging.Filter):
    """Drop every ``extra`` attribute not on the allow-list."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(vars(record)):
            if key not in _STANDARD and key not in ALLOWED_EXTRAS:
                delattr(record, key)
        return True


def configure_json_logging(level: str | None = None) -> None:
    """Send the root logger's records to stderr as JSON (idempotent)."""
    root = logging.getLogger()
    if any(getattr(h, "redress_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"levelname": "level", "name": "logger"}))
    handler.addFilter(CaseDataFilter())
    handler.redress_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("REDRESS_LOG_LEVEL", "INFO"))
    # SpiffWorkflow logs every task state change at INFO (8+ lines a step): as JSON on stderr
    # that cost more CPU per API completion than the step itself. Its warnings still show.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    # APScheduler logs each one-second scheduler round twice at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
