"""R06 "Removal of Data": cut every link between a complaint record and a member of staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from engine.handlers import HandlerContext, handler
from handlers._data import as_list
from handlers.tables import staff_data_removals

__all__ = ["remove_staff_data", "staff_keys"]

_KEEP = frozenset({"staff_complaint"})  # the flag routes the case; it names nobody


def staff_keys(data: Mapping[str, Any], extra: list[str] | None = None) -> list[str]:
    """Top-level keys that may identify staff: ``staff_*`` and ``line_manager*``, plus ``extra``."""
    found = {k for k in data if k not in _KEEP and k.startswith(("staff_", "line_manager"))}
    found.update(str(k) for k in as_list(extra) if str(k) not in _KEEP)
    return sorted(found)


@handler("confidential.remove_staff_data")
def remove_staff_data(ctx: HandlerContext, *, keys: list[str] | None = None) -> Mapping[str, Any]:
    """Clear staff details from the case data and record that it was done (names of keys only)."""
    cleared = staff_keys(ctx.data, keys)
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
    result: dict[str, Any] = dict.fromkeys(cleared)
    result.update(staff_data_removed=True, staff_data_removed_at=now.isoformat())
    return result
