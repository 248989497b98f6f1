"""notify.email, caselist.update and confidential.remove_staff_data (R04, R06, R09)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.caselist import update_caselist
from handlers.confidential import remove_staff_data
from handlers.notify import email
from handlers.tables import dg_caselist, staff_data_removals
from tests.handlers.conftest import FakeContext

MakeCtx = Callable[..., FakeContext]


def test_r04_email_goes_to_an_internal_mailbox_once(make_ctx: MakeCtx) -> None:
    ctx = make_ctx({"client": {"name": "Jane Smith"}})
    ctx.run(email, to="CM Options", template="options_referral")
    ctx.run(email, to="CM Options", template="options_referral")
    assert ctx.sink.messages("email.internal") == [{
        "to": "CM Options", "template": "options_referral",
        "business_key": "CMS-2026-000123", "instance_id": 1}]
    assert len(ctx.data["emails"]) == 1


@pytest.mark.parametrize("to", ["jane.smith@example.com", "client"])
def test_r04_email_never_goes_to_a_client(make_ctx: MakeCtx, to: str) -> None:
    with pytest.raises(ValueError, match="not an internal mailbox"):
        make_ctx().run(email, to=to, template="complaint_referral")


def test_r06_staff_referral_email_carries_no_case_details(make_ctx: MakeCtx) -> None:
    ctx = make_ctx({"staff_member": "John Doe", "complaint_details": "rude on the phone"})
    ctx.run(email, to="CMS COMPLAINTS REFERRALS", template="staff_complaint_referral")
    assert "John" not in repr(ctx.sink.outbox) and "rude" not in repr(ctx.sink.outbox)


def test_r09_parliamentary_case_kept_on_dg_caselist(make_ctx: MakeCtx,
                                                    connection: Any) -> None:
    ctx = make_ctx({"correspondence_type": "mp", "tier": "resolution"})
    opened = ctx.run(update_caselist, stage="Acknowledge Complaint")
    ctx.clock[0] += timedelta(days=20)
    ctx.data.update(tier="review", outcome="upheld")
    ctx.task("task-2").run(update_caselist, closed=True)
    row = connection.execute(select(dg_caselist)).one()
    assert opened["on_dg_caselist"] is True and row.id == opened["caselist_id"]
    assert (row.category, row.tier, row.stage, row.status) == (
        "parliamentary", "review", "review", "closed")
    assert row.outcome == "upheld" and row.closed_at is not None


def test_r09_high_profile_case_on_caselist(make_ctx: MakeCtx) -> None:
    result = make_ctx({"high_profile": True}).run(update_caselist)
    assert result["on_dg_caselist"] is True


def test_r09_ordinary_case_not_on_caselist(make_ctx: MakeCtx, connection: Any) -> None:
    assert make_ctx({"tier": "resolution"}).run(update_caselist) == {
        "on_dg_caselist": False, "caselist_id": None}
    assert connection.execute(select(dg_caselist)).all() == []


def test_r06_removal_of_data_clears_staff_keys_and_records_names_only(
        make_ctx: MakeCtx, connection: Any) -> None:
    ctx = make_ctx({"staff_complaint": True, "staff_member": "John Doe", "staff_id": "E1",
                    "line_manager": "Anne Other", "subject": "staff_conduct", "notes": "x"})
    result = ctx.run(remove_staff_data, keys=["notes"])
    assert result["staff_data_removed"] is True and "staff_member" not in result
    keys, values = ctx.sink.erasures[0]  # the engine erases these from every store
    assert keys == ["line_manager", "notes", "staff_id", "staff_member"]
    assert values == ["Anne Other", "E1", "John Doe", "x"]  # the engine skips short ones
    assert "staff_member" not in ctx.data and ctx.data["staff_complaint"] is True
    row = connection.execute(select(staff_data_removals)).one()
    assert row.keys == ["line_manager", "notes", "staff_id", "staff_member"]
    assert "John" not in repr(tuple(row))
    ctx.run(remove_staff_data)
    assert len(connection.execute(select(staff_data_removals)).all()) == 1
