"""One instance, everything operations need to steer it: diagram, data, timers, messages, jobs,
outbox, incidents, history, and the actions (in ``actions``)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from typing import Any

from flask import render_template

from engine.inspection import subscriptions, versions_of
from web.access import requires
from web.case_history import history
from web.context import engine
from web.operations import bp
from workflows.bootstrap import AUDIT_PRIVATE_KEYS
from workflows.roles import Permission
from workflows.services import describe

_CLASS_PREFIX = re.compile(r"^(?:[A-Za-z_][\w.]*(?:Exception|Error)\s*:\s*)+")


def in_words(message: str) -> str:
    """An incident message without the chain of exception class names in front of it."""
    tail = message.split(" failed at line ", 1)[-1]
    tail = re.sub(r"^\d+:\s*", "", tail)
    return _CLASS_PREFIX.sub("", tail).strip() or message


def is_private(key: str) -> bool:
    """Keys whose values are never shown (R06 staff data, free-text notes and details)."""
    return any(fnmatch(key, pattern) for pattern in AUDIT_PRIVATE_KEYS)


def detail_page(instance_id: int, *, errors: dict[str, str] | None = None,
                status: int = 200, **extra: Any) -> tuple[str, int]:
    """The page, optionally with an error summary after a refused action."""
    eng = engine()
    record = eng.instance(instance_id)
    every_task = eng.tasks(instance_id=instance_id, status=None, limit=1000)
    names = {t.id: t.name for t in every_task}
    versions = [v for v in versions_of(eng, record.process_id) if v != record.version]
    tokens, places = eng.move_options(instance_id) if record.status == "active" else ([], [])
    page = render_template(
        "operations/instance.html", view=describe(eng, record), data=record.data,
        tasks=[t for t in every_task if t.status == "open"],
        timers=eng.timers(instance_id), subscriptions=subscriptions(eng, instance_id),
        jobs=eng.jobs(instance_id), outbox=eng.outbox(instance_id),
        incidents=eng.incidents(open_only=False, instance_id=instance_id),
        history=history(eng.audit(instance_id), names), versions=versions,
        tokens=tokens, places=places,
        errors=errors or {}, in_words=in_words, is_private=is_private, **extra)
    return page, status


@bp.get("/operations/instances/<id:instance_id>")
@requires(Permission.VIEW_INCIDENTS)
def instance(instance_id: int) -> tuple[str, int]:
    """Show one case with its diagram, data, waits, work, incidents and history."""
    return detail_page(instance_id)
