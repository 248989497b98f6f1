"""payments.assess / payments.pay: delegated authority (R25, R32) and paying exactly once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from handlers.payments import assess, pay
from handlers.tables import special_payments
from tests.handlers.conftest import FakeContext

MakeCtx = Callable[..., FakeContext]


def award(make_ctx: MakeCtx, loss: Any = 0, consolatory: Any = 0, outcome: str = "upheld",
          tier: str = "resolution", **extra: Any) -> FakeContext:
    ctx = make_ctx({"tier": tier, "outcome": outcome,
                    "special_payment": {"financial_loss": loss, "consolatory": consolatory},
                    **extra})
    ctx.run(assess)
    return ctx


def test_r25_loss_250_within_authority(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, loss=250)
    assert ctx.data["payment_within_authority"] is True
    assert ctx.data["payment_status"] == "approved" and ctx.data["payment_total"] == 250.0


def test_r25_loss_and_consolatory_at_both_limits_within_authority(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, loss=250, consolatory=100, outcome="part_upheld")
    assert ctx.data["payment_status"] == "approved" and ctx.data["payment_total"] == 350.0


def test_r25_loss_250_01_needs_special_payment_team(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, loss="250.01")
    assert ctx.data["payment_within_authority"] is False
    assert ctx.data["payment_status"] == "awaiting_spt"


def test_r25_consolatory_150_needs_special_payment_team(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, consolatory=150)
    assert ctx.data["payment_within_authority"] is False
    assert ctx.data["payment_status"] == "awaiting_spt" and ctx.data["payment_total"] == 150.0


def test_r32_review_payment_needing_a_review_goes_to_special_payment_team(
        make_ctx: MakeCtx) -> None:
    ctx = make_ctx({"tier": "review", "outcome": "upheld",
                    "special_payment": {"consolatory": 50, "needs_review": True}})
    assert ctx.run(assess)["payment_status"] == "awaiting_spt"


@pytest.mark.parametrize("outcome", ["justified", "not_upheld"])
def test_r25_no_special_payment_on_justified_or_not_upheld(make_ctx: MakeCtx,
                                                           outcome: str) -> None:
    ctx = award(make_ctx, loss=100, consolatory=50, outcome=outcome)
    assert ctx.data["payment_status"] == "none" and ctx.data["payment_total"] == 0.0


def test_r25_limits_apply_per_tier(make_ctx: MakeCtx, connection: Any) -> None:
    ctx = award(make_ctx, consolatory=100)
    ctx.data.update(tier="review", special_payment={"consolatory": 100})
    ctx.task("task-2").run(assess)
    assert ctx.data["payment_status"] == "approved"
    assert len(connection.execute(select(special_payments)).all()) == 2


def test_r25_reassessment_in_same_tier_replaces_the_award(make_ctx: MakeCtx,
                                                          connection: Any) -> None:
    ctx = award(make_ctx, consolatory=100)
    ctx.data["special_payment"] = {"consolatory": 80}
    ctx.task("task-2").run(assess)
    (row,) = connection.execute(select(special_payments)).all()
    assert row.total_pence == 8000 and ctx.data["payment_total"] == 80.0


def test_negative_amount_is_rejected(make_ctx: MakeCtx) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        award(make_ctx, loss=-5)


def test_pay_emits_one_instruction_however_often_called(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, loss=120.5)
    pay_ctx = ctx.task("task-2")
    first = pay_ctx.run(pay)
    pay_ctx.run(pay)
    ctx.task("task-3").run(pay)  # even a second pay task in the diagram pays once
    assert first["payment_status"] == "paid"
    assert ctx.sink.messages("payment.instruct") == [{
        "business_key": "CMS-2026-000123", "special_payment_id": ctx.data["special_payment_id"],
        "tier": "resolution", "amount_pence": 12050}]


def test_pay_awaiting_spt_needs_approval(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, consolatory=300)
    with pytest.raises(ValueError, match="Special Payment Team"):
        ctx.task("task-2").run(pay)
    ctx.data.update(spt_approved=True, spt_amount=200)
    ctx.task("task-3").run(pay)
    assert ctx.sink.messages("payment.instruct")[0]["amount_pence"] == 20000
    assert ctx.data["payment_total"] == 200.0


def test_pay_with_nothing_awarded_does_nothing(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, outcome="justified", loss=10)
    assert ctx.task("task-2").run(pay) == {"payment_status": "none"}
    assert ctx.sink.messages("payment.instruct") == []


def test_paid_award_cannot_be_reassessed(make_ctx: MakeCtx) -> None:
    ctx = award(make_ctx, loss=10)
    ctx.task("task-2").run(pay)
    with pytest.raises(ValueError, match="already paid"):
        ctx.task("task-3").run(assess)
