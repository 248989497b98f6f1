"""Director General caselist (R09): high-profile and parliamentary cases stay visible throughout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from engine.handlers import HandlerContext, handler
from handlers._data import text
from handlers.tables import dg_caselist, inserted_id

__all__ = ["category", "update_caselist"]

_PARLIAMENTARY = frozenset({"mp", "mp_to_dg"})
_OFFICIAL = frozenset({"treat_official", "pos"})


def category(data: Mapping[str, Any]) -> str | None:
    """Why the case is on the caselist, or ``None`` when it does not belong there."""
    kind = text(data, "correspondence_type", "client")
    if data.get("high_profile") is True:
        return "high_profile"
    if data.get("parliamentary_contact") is True or kind in _PARLIAMENTARY:
        return "parliamentary"
    return "official" if kind in _OFFICIAL else None


@handler("caselist.update")
def update_caselist(ctx: HandlerContext, *, stage: str | None = None,
                    closed: bool = False) -> Mapping[str, Any]:
    """Upsert this case's Director General caselist row with its current stage."""
    reason = category(ctx.data)
    if reason is None:
        return {"on_dg_caselist": False, "caselist_id": None}
    now = ctx.now()
    tier = text(ctx.data, "tier") or None
    values: dict[str, Any] = {
        "instance_id": ctx.instance_id, "category": reason, "tier": tier,
        "stage": stage or text(ctx.data, "stage") or tier,
        "outcome": text(ctx.data, "outcome") or None,
        "status": "closed" if closed else "open", "updated_at": now,
        "closed_at": now if closed else None,
    }
    found = ctx.connection.execute(
        select(dg_caselist.c.id).where(dg_caselist.c.business_key == ctx.business_key)
    ).first()
    if found is None:
        row_id = inserted_id(ctx.connection.execute(
            insert(dg_caselist).values(business_key=ctx.business_key, opened_at=now, **values)
        ))
    else:
        row_id = found.id
        ctx.connection.execute(
            update(dg_caselist).where(dg_caselist.c.id == row_id).values(**values)
        )
    return {"on_dg_caselist": True, "caselist_id": int(row_id)}
