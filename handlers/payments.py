"""Special payments (R25, R32): decide within delegated authority, then instruct payment once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from engine.handlers import HandlerContext, handler
from handlers._data import as_mapping, pence, pounds, text
from handlers.tables import aware, inserted_id, special_payments

__all__ = ["CONSOLATORY_LIMIT_PENCE", "FINANCIAL_LOSS_LIMIT_PENCE", "assess", "pay"]

# Delegated financial authority per complaint per tier (seed 003); above either goes to the SPT.
FINANCIAL_LOSS_LIMIT_PENCE = 250_00
CONSOLATORY_LIMIT_PENCE = 100_00
NO_PAYMENT_OUTCOMES = frozenset({"justified", "not_upheld"})


def _tier(ctx: HandlerContext, tier: str | None) -> str:
    value = (tier or text(ctx.data, "tier")).strip()
    if not value:
        raise ValueError("special payments need a tier (parameter or task data 'tier')")
    return value


def _row(ctx: HandlerContext, tier: str) -> Row[Any] | None:
    return ctx.connection.execute(
        select(special_payments).where(
            special_payments.c.business_key == ctx.business_key,
            special_payments.c.tier == tier,
        )
    ).first()


@handler("payments.assess")
def assess(ctx: HandlerContext, *, tier: str | None = None) -> Mapping[str, Any]:
    """Decide whether the award is within the case manager's authority or needs the SPT."""
    tier = _tier(ctx, tier)
    outcome = text(ctx.data, "outcome") or None
    award = as_mapping(ctx.data.get("special_payment"))
    loss = pence(award.get("financial_loss"), "special_payment.financial_loss")
    consolatory = pence(award.get("consolatory"), "special_payment.consolatory")
    if outcome in NO_PAYMENT_OUTCOMES:
        loss = consolatory = 0
    total = loss + consolatory
    within = (
        loss <= FINANCIAL_LOSS_LIMIT_PENCE
        and consolatory <= CONSOLATORY_LIMIT_PENCE
        and not award.get("needs_review")
    )
    status = "none" if total == 0 else ("approved" if within else "awaiting_spt")
    values = {
        "instance_id": ctx.instance_id, "task_id": ctx.task_id, "outcome": outcome,
        "financial_loss_pence": loss, "consolatory_pence": consolatory, "total_pence": total,
        "within_authority": within or total == 0, "status": status, "assessed_at": ctx.now(),
    }
    existing = _row(ctx, tier)
    if existing is None:
        row_id = inserted_id(ctx.connection.execute(
            insert(special_payments).values(business_key=ctx.business_key, tier=tier, **values)
        ))
    elif existing.status == "paid":
        raise ValueError(f"the {tier} special payment is already paid; it cannot be re-assessed")
    else:
        row_id = existing.id
        ctx.connection.execute(
            update(special_payments).where(special_payments.c.id == row_id).values(**values)
        )
    return {
        "payment_within_authority": bool(values["within_authority"]),
        "payment_total": pounds(total),
        "payment_status": status,
        "special_payment_id": int(row_id),
    }


@handler("payments.pay")
def pay(ctx: HandlerContext) -> Mapping[str, Any]:
    """Instruct an approved special payment exactly once, whatever the retries."""
    tier = _tier(ctx, None)
    row = _row(ctx, tier)
    if row is None:
        raise ValueError("payments.pay needs payments.assess to run first in this tier")
    if row.status == "paid":
        return {"payment_status": "paid", "paid_at": aware(row.paid_at).isoformat()}
    if row.status == "none":
        return {"payment_status": "none"}
    amount = row.total_pence
    if row.status == "awaiting_spt":
        if ctx.data.get("spt_approved") is not True:
            raise ValueError("the Special Payment Team has not approved this payment")
        if ctx.data.get("spt_amount") not in (None, ""):
            amount = pence(ctx.data.get("spt_amount"), "spt_amount")
    now = ctx.now()
    ctx.emit(
        "payment.instruct",
        {"business_key": ctx.business_key, "special_payment_id": int(row.id), "tier": tier,
         "amount_pence": amount},
        key=tier,
    )
    ctx.connection.execute(
        update(special_payments).where(special_payments.c.id == row.id)
        .values(status="paid", paid_at=now, total_pence=amount)
    )
    return {"payment_status": "paid", "paid_at": now.isoformat(), "payment_total": pounds(amount)}
