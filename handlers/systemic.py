"""Systemic issues (R29, R34): spot a third complaint in a row on one subject for the manager."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from engine.handlers import HandlerContext, handler
from handlers._data import text
from handlers.tables import aware, complaint_subjects, inserted_id, systemic_log_entries

__all__ = ["RUN_LENGTH", "record", "window_start"]

RUN_LENGTH = 3  # "a third complaint in a row about the same subject"


def _one_month_before(when: datetime) -> datetime:
    year, month = (when.year, when.month - 1) if when.month > 1 else (when.year - 1, 12)
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def window_start(tier: str, now: datetime) -> datetime:
    """Oldest closure that still counts: one calendar month at review (R34), else 30 days (R29)."""
    return _one_month_before(now) if tier == "review" else now - timedelta(days=30)


def _save_subject(ctx: HandlerContext, tier: str, subject: str) -> None:
    # One row per complaint per tier: recategorising before closure (R29) replaces the subject.
    key = (complaint_subjects.c.business_key == ctx.business_key) & (
        complaint_subjects.c.tier == tier
    )
    values = {"subject": subject, "instance_id": ctx.instance_id, "task_id": ctx.task_id,
              "recorded_at": ctx.now()}
    found = ctx.connection.execute(select(complaint_subjects.c.id).where(key)).first()
    if found is None:
        ctx.connection.execute(
            insert(complaint_subjects).values(business_key=ctx.business_key, tier=tier, **values)
        )
    else:
        ctx.connection.execute(update(complaint_subjects).where(key).values(**values))


def _pending_entry(ctx: HandlerContext, tier: str, subject: str) -> Any:
    return ctx.connection.execute(
        select(systemic_log_entries).where(
            systemic_log_entries.c.tier == tier,
            systemic_log_entries.c.subject == subject,
            systemic_log_entries.c.status == "pending_confirmation",
        ).order_by(systemic_log_entries.c.id.desc())
    ).first()


def _link(ctx: HandlerContext, tier: str, log_id: int) -> None:
    ctx.connection.execute(
        update(complaint_subjects)
        .where(complaint_subjects.c.business_key == ctx.business_key,
               complaint_subjects.c.tier == tier)
        .values(systemic_log_id=log_id)
    )


@handler("systemic.record")
def record(ctx: HandlerContext, *, tier: str | None = None,
           subject: str | None = None) -> Mapping[str, Any]:
    """Record a closed complaint's subject and raise a systemic-log entry on a run of three."""
    tier = (tier or text(ctx.data, "tier")).strip()
    subject = (subject or text(ctx.data, "subject")).strip().casefold()
    if not tier or not subject:
        raise ValueError("systemic.record needs a tier and a subject")
    _save_subject(ctx, tier, subject)
    recent = ctx.connection.execute(
        select(complaint_subjects.c.business_key, complaint_subjects.c.subject,
               complaint_subjects.c.recorded_at)
        .where(complaint_subjects.c.tier == tier)
        .order_by(complaint_subjects.c.recorded_at.desc(), complaint_subjects.c.id.desc())
        .limit(RUN_LENGTH)
    ).all()
    in_a_row = len(recent) == RUN_LENGTH and all(r.subject == subject for r in recent)
    if not in_a_row or aware(recent[-1].recorded_at) < window_start(tier, ctx.now()):
        return {"systemic_issue_raised": False, "systemic_log_id": None}
    pending = _pending_entry(ctx, tier, subject)
    if pending is not None:
        keys = list(pending.business_keys)
        if ctx.business_key not in keys:
            ctx.connection.execute(
                update(systemic_log_entries).where(systemic_log_entries.c.id == pending.id)
                .values(business_keys=[*keys, ctx.business_key])
            )
        _link(ctx, tier, int(pending.id))
        # The complaint that raised the entry keeps saying so if its task runs again.
        raised = pending.raised_by == ctx.business_key
        return {"systemic_issue_raised": raised, "systemic_log_id": int(pending.id)}
    log_id = inserted_id(ctx.connection.execute(
        insert(systemic_log_entries).values(
            tier=tier, subject=subject, status="pending_confirmation", raised_at=ctx.now(),
            raised_by=ctx.business_key,
            business_keys=[r.business_key for r in reversed(recent)],
        )
    ))
    _link(ctx, tier, log_id)
    return {"systemic_issue_raised": True, "systemic_log_id": log_id}
