"""Each complaint figure against a small caseload whose answers are worked out by hand.

Today is Friday 27 March 2026. The CMS caseload (complaint_journey):

* A  completed. Resolution received Mon 2 Mar, due 23 Mar, closed Fri 13 Mar (9 working
     days), upheld; paid £412.50 loss + £150 consolatory; raised a systemic entry 13 Mar.
* B  CANCELLED duplicate: resolution closed not upheld, a £100 payment, a systemic entry.
     Left out of every figure.
* C  still open at review (received Mon 16 Mar, due 7 Apr) AFTER an upheld resolution:
     received Mon 2 Feb, due 20 Feb, closed Fri 27 Feb (19 working days, late); £50
     consolatory paid; a confirmed systemic entry 27 Feb.
* D  completed, Scotland. Dissatisfaction received Mon 9 Mar, closed Tue 10 Mar (1 working
     day, no target, no outcome); resolution received Tue 10 Mar, due 31 Mar, closed Tue
     24 Mar (10 working days), part upheld.
* E  open at resolution, received Fri 27 Feb, due 20 Mar: OVERDUE, claimed by crt1 in the
     resolution case manager queue.
* F  an R19 consolatory-payment referral, overdue: left out.
* G  an HMRC case (hmrc_complaint): only in the HMRC figures.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from engine import Engine
from engine.tables import human_tasks, process_instances
from handlers.tables import special_payments, systemic_log_entries
from tests.operations.conftest import start
from workflows.complaint_figures import compute, csv_rows


def _tier(tier: str, received: str, due: str | None, closed: str,
          outcome: str | None) -> dict[str, Any]:
    return {"tier": tier, "received_date": received, "response_due": due,
            "closed_date": closed, "outcome": outcome}


RES_A = _tier("resolution", "2026-03-02", "2026-03-23", "2026-03-13", "upheld")
RES_B = _tier("resolution", "2026-03-02", "2026-03-23", "2026-03-04", "not_upheld")
RES_C = _tier("resolution", "2026-02-02", "2026-02-20", "2026-02-27", "upheld")
DIS_D = _tier("dissatisfaction", "2026-03-09", None, "2026-03-10", None)
RES_D = _tier("resolution", "2026-03-10", "2026-03-31", "2026-03-24", "part_upheld")
ENDED = datetime(2026, 3, 24, 12, tzinfo=UTC)

CASES: dict[str, dict[str, Any]] = {
    "CMS-A": {"status": "completed", "ended_at": ENDED, "summary": {
        "tier": "closed", "tier_history": [RES_A], "division": "england-and-wales"}},
    "CMS-B": {"status": "cancelled", "ended_at": ENDED, "summary": {
        "tier": "closed", "tier_history": [RES_B]}},
    "CMS-C": {"status": "active", "summary": {
        "tier": "review", "received_date": "2026-03-16", "response_due": "2026-04-07",
        "tier_history": [RES_C], "owner_role": "review_case_manager"}},
    "CMS-D": {"status": "completed", "ended_at": ENDED, "summary": {
        "tier": "closed", "division": "scotland", "tier_history": [DIS_D, RES_D]}},
    "CMS-E": {"status": "active", "summary": {
        "tier": "resolution", "received_date": "2026-02-27", "response_due": "2026-03-20",
        "owner_role": "resolution_case_manager", "tier_history": []}},
    "CMS-F": {"status": "active", "summary": {
        "tier": "resolution", "received_date": "2026-02-27", "response_due": "2026-03-20",
        "route": "consolatory_payment_referral", "owner_role": "resolution_case_manager"}},
    "HMRC-G": {"status": "completed", "ended_at": ENDED, "process_id": "hmrc_complaint",
               "summary": {"tier": "closed", "received_date": "2026-03-02",
                           "response_due": "2026-03-30", "outcome": "upheld"}},
}


@pytest.fixture
def caseload(complaints: Engine) -> dict[str, int]:
    template = start(complaints, "TEMPLATE")
    ids: dict[str, int] = {}
    at = datetime(2026, 3, 13, 10, tzinfo=UTC)
    with complaints.db.begin() as conn:
        row = conn.execute(select(process_instances).where(
            process_instances.c.id == template.id)).one()._asdict()
        del row["id"]
        for key, case in CASES.items():
            values = {**row, "business_key": key, "ended_at": None, **case}
            ids[key] = int(conn.execute(insert(process_instances).values(**values))
                           .inserted_primary_key[0])
        conn.execute(update(process_instances).where(process_instances.c.id == template.id)
                     .values(status="cancelled"))
        conn.execute(insert(human_tasks).values(
            id=str(uuid.uuid4()), instance_id=ids["CMS-E"], process_id="complaint_resolution",
            business_key="CMS-E", spec_id="rs_reply", name="Reply", lane="resolution_case_manager",
            status="open", assignee="crt1", created_at=at))
        for key, loss, consolatory in (("CMS-A", 41250, 15000), ("CMS-B", 0, 10000),
                                       ("CMS-C", 0, 5000)):
            conn.execute(insert(special_payments).values(
                business_key=key, tier="resolution", instance_id=ids[key], task_id="t",
                outcome="upheld", financial_loss_pence=loss, consolatory_pence=consolatory,
                total_pence=loss + consolatory, within_authority=False, status="paid",
                assessed_at=at, paid_at=at))
        for key, when, status in (("CMS-A", "2026-03-13", "pending_confirmation"),
                                  ("CMS-B", "2026-03-04", "pending_confirmation"),
                                  ("CMS-C", "2026-02-27", "confirmed")):
            conn.execute(insert(systemic_log_entries).values(
                tier="resolution", subject="late letter", business_keys=[key], raised_by=key,
                status=status, raised_at=datetime.fromisoformat(f"{when}T10:00:00+00:00")))
    return ids


def test_volumes_per_tier_per_week_count_every_tier_received(complaints: Engine,
                                                             caseload: dict[str, int]) -> None:
    assert compute(complaints, "CMS").volumes == [
        ("resolution", "2026-02-02", 1),  # C's resolution
        ("resolution", "2026-02-23", 1),  # E, open
        ("resolution", "2026-03-02", 1),  # A (B is cancelled)
        ("dissatisfaction", "2026-03-09", 1),  # D
        ("resolution", "2026-03-09", 1),  # D
        ("review", "2026-03-16", 1),  # C, open after an upheld tier
    ]


def test_working_days_to_resolve_median_and_90th_percentile(complaints: Engine,
                                                            caseload: dict[str, int]) -> None:
    days = compute(complaints, "CMS").resolve_days
    assert days["resolution"] == {"count": 3, "median": 10, "p90": 19}  # 9, 10, 19
    assert days["dissatisfaction"] == {"count": 1, "median": 1, "p90": 1}


def test_share_within_target_per_tier(complaints: Engine, caseload: dict[str, int]) -> None:
    within = compute(complaints, "CMS").within_target
    assert within["resolution"] == {"judged": 3, "met": 2, "share": 0.667}  # C was late
    assert within["dissatisfaction"] == {"judged": 0, "met": 0, "share": None}


def test_overdue_now_by_team_and_owner(complaints: Engine, caseload: dict[str, int]) -> None:
    assert compute(complaints, "CMS").overdue == [("resolution_case_manager", "crt1", 1)]


def test_outcomes_are_counted_when_each_tier_closes(complaints: Engine,
                                                    caseload: dict[str, int]) -> None:
    # C's upheld resolution counts although C's journey is still open.
    assert compute(complaints, "CMS").outcomes == {"resolution": {"upheld": 2,
                                                                  "part_upheld": 1}}


def test_special_payments_by_type_and_amount(complaints: Engine,
                                             caseload: dict[str, int]) -> None:
    assert compute(complaints, "CMS").payments == [
        {"tier": "resolution", "status": "paid", "type": "consolatory", "count": 2,
         "pounds": 200.0},
        {"tier": "resolution", "status": "paid", "type": "financial_loss", "count": 1,
         "pounds": 412.5},
    ]


def test_systemic_log_trend_per_month(complaints: Engine, caseload: dict[str, int]) -> None:
    assert compute(complaints, "CMS").systemic == [("2026-02", "confirmed", 1),
                                                   ("2026-03", "pending_confirmation", 1)]


def test_departments_are_separate(complaints: Engine, caseload: dict[str, int]) -> None:
    hmrc = compute(complaints, "HMRC")
    assert hmrc.outcomes == {"complaint": {"upheld": 1}}
    assert hmrc.resolve_days["complaint"]["count"] == 1
    assert compute(complaints, "CSA").volumes == []


def test_a_period_limits_closures_and_receipts(complaints: Engine,
                                               caseload: dict[str, int]) -> None:
    march = compute(complaints, "CMS", start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert march.outcomes == {"resolution": {"upheld": 1, "part_upheld": 1}}
    assert sum(n for _, _, n in march.volumes) == 4
    assert march.systemic == [("2026-03", "pending_confirmation", 1)]


def test_figures_page_and_csv(complaints: Engine, caseload: dict[str, int], client: Any,
                              login_as: Any) -> None:
    login_as("operations")
    page = client.get("/operations/figures?department=CMS").get_data(as_text=True)
    assert "<svg" in page and "£412.50" in page and "67%" in page
    reply = client.get("/operations/figures.csv?department=CMS")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert "outcome_at_tier_close,resolution,upheld,tiers,2" in reply.get_data(as_text=True)
    assert client.get("/operations/figures?department=XYZ").status_code == 400
    assert client.get("/operations/figures?from=2026-13-01").status_code == 400
    assert len(csv_rows(compute(complaints, "CMS"))) > 10


def test_the_api_figures_leave_the_cancelled_duplicate_out(complaints: Engine,
                                                           caseload: dict[str, int]) -> None:
    from workflows.figures import compute as journey_figures

    figures = journey_figures(complaints)
    # A, D and HMRC-G ended as completed; B (cancelled) and the cancelled template do not count.
    assert figures.closed == 3
    assert "CMS-B" not in str(figures)


def test_api_gives_the_per_tier_figures_per_department(complaints: Engine,
                                                       caseload: dict[str, int],
                                                       client: Any, token_for: Any) -> None:
    reply = client.get("/api/v1/figures/complaints?department=CMS",
                       headers=token_for("integration"))
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["outcomes"] == {"resolution": {"upheld": 2, "part_upheld": 1}}
    assert body["department"] == "CMS"
    bad = client.get("/api/v1/figures/complaints?department=NOPE",
                     headers=token_for("integration"))
    assert bad.status_code == 400


def test_tier_rows_follow_each_change_of_a_case(complaints: Engine,
                                                caseload: dict[str, int]) -> None:
    """The tier rows are kept by the database in the writing transaction (decision 0024): a
    case cancelled later leaves every figure at once, a tier closing on an open case enters."""
    with complaints.db.begin() as conn:
        conn.execute(update(process_instances).where(process_instances.c.id == caseload["CMS-D"])
                     .values(status="cancelled"))
    f = compute(complaints, "CMS")
    assert "dissatisfaction" not in f.resolve_days
    assert f.resolve_days["resolution"] == {"count": 2, "median": 14, "p90": 19}  # 9, 19
    closed_e = _tier("resolution", "2026-02-27", "2026-03-20", "2026-03-27", "not_upheld")
    with complaints.db.begin() as conn:
        conn.execute(update(process_instances).where(process_instances.c.id == caseload["CMS-E"])
                     .values(summary={"tier": "review", "tier_history": [closed_e],
                                      "received_date": "2026-03-27",
                                      "response_due": "2026-04-24"}))
    f = compute(complaints, "CMS")
    # E's resolution: Fri 27 Feb to Fri 27 Mar is 20 working days, a week late.
    assert f.resolve_days["resolution"] == {"count": 3, "median": 19, "p90": 20}
    assert f.outcomes["resolution"] == {"upheld": 2, "not_upheld": 1}
    assert f.within_target["resolution"] == {"judged": 3, "met": 1, "share": 0.333}


def test_a_date_that_is_no_date_is_left_out_of_the_days_only(complaints: Engine,
                                                             caseload: dict[str, int]) -> None:
    """A closing date such as 30 February (bad data from an old import) cannot be counted in
    working days; the other tiers' days are still worked out, and the tier still counts for
    its outcome."""
    bad = _tier("resolution", "2026-03-02", "2026-03-23", "2026-02-30", "upheld")
    with complaints.db.begin() as conn:
        conn.execute(update(process_instances).where(process_instances.c.id == caseload["CMS-A"])
                     .values(summary={**CASES["CMS-A"]["summary"], "tier_history": [bad]}))
    f = compute(complaints, "CMS")
    assert f.resolve_days["resolution"] == {"count": 2, "median": 14.5, "p90": 19}  # 10, 19
    assert f.outcomes["resolution"] == {"upheld": 2, "part_upheld": 1}
