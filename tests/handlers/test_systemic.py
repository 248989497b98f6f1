"""systemic.record: a third complaint in a row on one subject goes to the manager (R29, R34)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.systemic import record
from handlers.tables import systemic_log_entries
from tests.handlers.conftest import FakeContext

MakeCtx = Callable[..., FakeContext]
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def close(base: FakeContext, n: int, subject: str, *, tier: str = "resolution",
          at: datetime | None = None) -> dict[str, Any]:
    if at is not None:
        base.clock[0] = at
    ctx = base.case(f"CMS-2026-{n:06d}", n, tier=tier, subject=subject)
    return ctx.run(record)


def test_r29_third_complaint_same_subject_within_30_days_raises_systemic_issue(
        make_ctx: MakeCtx, connection: Any) -> None:
    base = make_ctx(now=START)
    assert not close(base, 1, "payment_delay")["systemic_issue_raised"]
    assert not close(base, 2, "Payment_Delay ", at=START + timedelta(days=10))[
        "systemic_issue_raised"]
    third = close(base, 3, "payment_delay", at=START + timedelta(days=30))
    assert third["systemic_issue_raised"] is True
    entry = connection.execute(select(systemic_log_entries)).one()
    assert entry.id == third["systemic_log_id"] and entry.status == "pending_confirmation"
    assert entry.business_keys == ["CMS-2026-000001", "CMS-2026-000002", "CMS-2026-000003"]


def test_r29_third_complaint_after_30_days_raises_nothing(make_ctx: MakeCtx) -> None:
    base = make_ctx(now=START)
    close(base, 1, "payment_delay")
    close(base, 2, "payment_delay", at=START + timedelta(days=10))
    third = close(base, 3, "payment_delay", at=START + timedelta(days=30, minutes=1))
    assert third == {"systemic_issue_raised": False, "systemic_log_id": None}


def test_r29_a_different_subject_in_between_breaks_the_run(make_ctx: MakeCtx) -> None:
    base = make_ctx(now=START)
    close(base, 1, "payment_delay")
    close(base, 2, "calculation", at=START + timedelta(days=1))
    close(base, 3, "payment_delay", at=START + timedelta(days=2))
    assert not close(base, 4, "payment_delay", at=START + timedelta(days=3))[
        "systemic_issue_raised"]
    assert close(base, 5, "payment_delay", at=START + timedelta(days=4))["systemic_issue_raised"]


@pytest.mark.parametrize(("tier", "raised"), [("review", True), ("resolution", False)])
def test_r34_review_window_is_one_calendar_month(make_ctx: MakeCtx, tier: str,
                                                  raised: bool) -> None:
    # 28 Feb to 31 Mar: inside "the last month" (R34) but more than 30 days (R29).
    base = make_ctx(now=datetime(2026, 2, 28, 12, 0, tzinfo=UTC))
    close(base, 1, "staff_conduct", tier=tier)
    close(base, 2, "staff_conduct", tier=tier, at=datetime(2026, 3, 20, tzinfo=UTC))
    third = close(base, 3, "staff_conduct", tier=tier,
                  at=datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    assert third["systemic_issue_raised"] is raised


def test_tiers_are_counted_separately(make_ctx: MakeCtx) -> None:
    base = make_ctx(now=START)
    close(base, 1, "payment_delay")
    close(base, 2, "payment_delay", tier="review")
    assert not close(base, 3, "payment_delay")["systemic_issue_raised"]


def test_a_fourth_closure_joins_the_pending_entry(make_ctx: MakeCtx, connection: Any) -> None:
    base = make_ctx(now=START)
    for n in (1, 2, 3):
        close(base, n, "payment_delay", at=START + timedelta(days=n))
    fourth = close(base, 4, "payment_delay", at=START + timedelta(days=4))
    entry = connection.execute(select(systemic_log_entries)).one()
    assert fourth == {"systemic_issue_raised": False, "systemic_log_id": entry.id}
    assert entry.business_keys[-1] == "CMS-2026-000004"


def test_recording_twice_for_one_complaint_counts_it_once(make_ctx: MakeCtx,
                                                         connection: Any) -> None:
    base = make_ctx(now=START)
    close(base, 1, "payment_delay")
    close(base, 2, "payment_delay")
    ctx = base.case("CMS-2026-000003", 3, tier="resolution", subject="payment_delay")
    first, again = ctx.run(record), ctx.run(record)
    assert first == again and first["systemic_issue_raised"] is True
    assert len(connection.execute(select(systemic_log_entries)).all()) == 1
    close(base, 2, "payment_delay")  # complaint 2 recorded again: still three complaints
    assert len(connection.execute(select(systemic_log_entries)).all()) == 1
