"""R06 "Removal of Data": cut every link between a complaint record and a member of staff.

The staff keys (``staff_*``, ``line_manager*`` and any named in the diagram) are dropped, and
every occurrence of their values (the staff member's name, the line manager's, …) in any text
is replaced by "[removed]", in every store: the data of every task of the instance
(history and subprocesses included), the saved state, the audit history, outbox payloads and,
through the application's erasure hooks, stored API replies. The engine does that when this
step is saved (``ctx.erase``); this handler also cleans the handlers' own tables and records
that removal happened (key names only, never values).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import insert, select, update

from engine.erasure import Erasure
from engine.handlers import HandlerContext, handler
from handlers._data import as_list
from handlers.tables import complaint_subjects, staff_data_removals

__all__ = ["remove_staff_data", "staff_keys", "staff_values"]

_KEEP = frozenset({"staff_complaint", "staff_data_removed", "staff_data_removed_at"})


def staff_keys(data: Mapping[str, Any], extra: list[str] | None = None) -> list[str]:
    """Top-level keys that may identify staff: ``staff_*`` and ``line_manager*``, plus ``extra``."""
    found = {k for k in data if k not in _KEEP and k.startswith(("staff_", "line_manager"))}
    found.update(str(k) for k in as_list(extra) if str(k) not in _KEEP)
    return sorted(found)


def staff_values(data: Mapping[str, Any], keys: list[str]) -> list[str]:
    """Every text held under ``keys`` (nested values included): what free text must lose."""
    return sorted({text for key in keys for text in _texts(data.get(key))})


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _texts(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _texts(inner)


@handler("confidential.remove_staff_data")
def remove_staff_data(ctx: HandlerContext, *, keys: list[str] | None = None) -> Mapping[str, Any]:
    """Erase staff details from every store and record that it was done (names of keys only)."""
    cleared = staff_keys(ctx.data, keys)
    values = staff_values(ctx.data, cleared)
    ctx.erase(cleared, values)
    _scrub_subjects(ctx, Erasure.of(cleared, values))
    done = ctx.connection.execute(
        select(staff_data_removals.c.removed_at).where(
            staff_data_removals.c.instance_id == ctx.instance_id,
            staff_data_removals.c.task_id == ctx.task_id,
        )
    ).first()
    now = ctx.now()
    if done is None:
        ctx.connection.execute(
            insert(staff_data_removals).values(
                business_key=ctx.business_key, instance_id=ctx.instance_id,
                task_id=ctx.task_id, keys=cleared, removed_at=now,
            )
        )
    return {"staff_data_removed": True, "staff_data_removed_at": now.isoformat()}


def _scrub_subjects(ctx: HandlerContext, erasure: Erasure) -> None:
    rows = ctx.connection.execute(
        select(complaint_subjects.c.id, complaint_subjects.c.subject)
        .where(complaint_subjects.c.business_key == ctx.business_key)).all()
    for row in rows:
        cleaned = erasure.text(row.subject)
        if cleaned != row.subject:
            ctx.connection.execute(update(complaint_subjects)
                                   .where(complaint_subjects.c.id == row.id)
                                   .values(subject=cleaned))
