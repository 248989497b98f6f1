"""Tier 1, complaint resolution (seeds 001/003), through the engine: R20-R29."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.journey.conftest import StartCase
from tests.journey.driver import Case, log_contact, resolution, tell_resolution


def _complaint(start_case: StartCase, key: str = "CMS-0001", **data: object) -> Case:
    """A new complaint (caseworker and team leader could not resolve it) at tier 1."""
    return log_contact(start_case(key, **data), contact_type="complaint")


@pytest.mark.parametrize(("division", "due"), [
    ("england-and-wales", "2026-04-21"),  # Good Friday and Easter Monday
    ("scotland", "2026-04-20"),           # Easter Monday is not a Scottish bank holiday
    ("northern-ireland", "2026-04-21"),
])
def test_r21_resolution_deadline_is_15_working_days_in_the_division(
    start_case: StartCase, division: str, due: str
) -> None:
    case = _complaint(start_case, division=division)
    data = case.data
    assert (data["tier"], data["received_date"], data["response_due"]) == (
        "resolution", "2026-03-27", due)
    assert data["contact_due"] == "2026-03-31"  # R20: 48 hours read as 2 working days
    [timer] = [t for t in case.engine.timers(case.instance_id)
               if t.spec_id == "rs_contact_deadline" and t.status == "waiting"]
    assert timer.due_at == datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC)  # end of day, BST


def test_r20_acknowledged_by_post_and_the_48_hour_call_is_flagged_when_late(
    start_case: StartCase,
) -> None:
    case = _complaint(start_case)
    assert case.letters() == ["ACK_COMPLAINT"]
    assert case.task("rs_contact").due_at is not None
    assert case.advance(5) == 1
    assert case.data["contact_overdue"] is True  # the call is now a late call, flagged
    case.complete("rs_contact_late", {"contact_method": "phone", "issues": ["Late payments"],
                                      "resolved_on_call": False})
    assert case.data["contact_overdue"] is True
    assert case.task("rs_investigate")


def test_r21_deadline_timer_fires_and_escalates_when_missed(start_case: StartCase) -> None:
    case = _complaint(start_case)
    case.complete("rs_contact", {"contact_method": "phone", "issues": ["Late payments"],
                                 "resolved_on_call": False})
    [timer] = [t for t in case.engine.timers(case.instance_id)
               if t.spec_id == "rs_deadline" and t.status == "waiting"]
    assert timer.due_at == datetime(2026, 4, 21, 22, 59, 59, tzinfo=UTC)
    case.clock.set(datetime(2026, 4, 21, 21, 0, tzinfo=UTC))
    assert case.engine.fire_due_timers() == 0
    assert "rs_chase" not in [t.spec_id for t in case.open_tasks()]
    case.clock.advance(timedelta(hours=3))
    assert case.engine.fire_due_timers() == 1
    assert case.task("rs_chase").lane == "team_leader"  # escalated to the team leader
    assert case.task("rs_investigate")  # still the case manager's to answer
    case.complete("rs_chase", {"action_agreed": "Reply by Friday"})
    case.complete("rs_investigate", {"findings": "x", "root_cause": "system_error"})
    case.complete("rs_outcome", {"outcome": "upheld", "outcome_explanation": "x",
                                 "issues": ["Late payments"]})
    tell_resolution(case, dissatisfied=False)
    assert case.letters() == ["ACK_COMPLAINT", "OUTCOME_RESOLUTION"]
    assert case.data["answered_late"] is True
    assert case.data["tier_history"][-1]["response_due"] == "2026-04-21"


def test_r21_answering_in_time_ends_the_deadline_timer(start_case: StartCase) -> None:
    case = resolution(_complaint(start_case), outcome="upheld", dissatisfied=False)
    assert case.data["stage"] == "Awaiting review request"
    assert not [t for t in case.engine.timers(case.instance_id)
                if t.spec_id == "rs_deadline" and t.status == "waiting"]
    assert not [t for t in case.open_tasks() if t.spec_id == "rs_chase"]


def test_r22_upcc_client_is_contacted_in_writing_only(start_case: StartCase) -> None:
    case = log_contact(start_case(), contact_type="complaint", upcc=True)
    assert case.data["contact_channel"] == "written"


def test_r23_staff_complaint_taking_longer_agrees_a_plan_and_a_holding_reply(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), staff_complaint=True, contact_type="complaint")
    case.complete("in_staff_confidential", {"letter_redacted": True, "manager_told_offline": True,
                                            "original_letter": "retained_by_team_leader"})
    case.complete("rs_own", {"ownership_accepted": True, "assurance_requested": True})
    case.complete("rs_contact", {"contact_method": "letter", "issues": ["Rude call"],
                                 "resolved_on_call": False, "likely_to_exceed_target": True})
    case.complete("rs_holding_plan", {"resolution_plan": [
        {"type": "corrective_action", "reason": "Rude call", "due_date": "2026-05-15",
         "status": "draft", "client_approved": True}],
        "holding_reply_summary": "Line management is looking into it."})
    assert case.letters() == ["STAFF_ACK", "HOLDING_REPLY"]
    assert case.task("rs_investigate")


def test_r24_staff_complaint_without_assurance_must_be_upheld(start_case: StartCase) -> None:
    from engine import ValidationError

    case = _complaint(start_case)
    case.complete("rs_contact", {"contact_method": "phone", "issues": ["a"],
                                 "resolved_on_call": False})
    case.complete("rs_investigate", {"findings": "x", "root_cause": "caseworker_error"})
    with pytest.raises(ValidationError):
        case.complete("rs_outcome", {"outcome": "not_upheld", "outcome_explanation": "x",
                                     "issues": ["a"], "hr_assurance": "not_assured"})


def test_r25_150_pound_consolatory_payment_waits_for_the_special_payment_team(
    start_case: StartCase,
) -> None:
    case = resolution(_complaint(start_case), outcome="upheld", payment={"consolatory": 150})
    data = case.data
    assert (data["payment_status"], data["payment_within_authority"]) == ("awaiting_spt", False)
    assert data["stage"] == "Awaiting Special Payment Team"
    assert case.task("rs_spt").lane == "special_payment_team"
    assert ("Special Payment Team", "special_payment_approval") in {
        (e["to"], e["template"]) for e in data["emails"]}
    assert "rs_tell" not in [t.spec_id for t in case.open_tasks()]
    case.complete("rs_spt", {"spt_approved": True})
    assert (case.data["payment_status"], case.data["payment_total"]) == ("paid", 150)
    assert case.task("rs_tell")


def test_r25_award_within_authority_is_paid_by_the_case_manager(start_case: StartCase) -> None:
    case = resolution(_complaint(start_case), outcome="upheld", dissatisfied=False,
                      payment={"consolatory": 100, "financial_loss": 250})
    assert (case.data["payment_status"], case.data["payment_total"]) == ("paid", 350)
    assert not [t for t in case.open_tasks() if t.spec_id == "rs_spt"]


def test_r26_not_upheld_and_still_dissatisfied_is_escalated_to_review(
    start_case: StartCase,
) -> None:
    case = resolution(_complaint(start_case), outcome="not_upheld", dissatisfied=True)
    data = case.data
    assert data["escalate_to_review"] is True
    assert data["tier"] == "review"
    assert case.letters() == ["ACK_COMPLAINT", "OUTCOME_RESOLUTION", "ACK_REVIEW"]


def test_r26_otherwise_the_client_may_ask_for_a_review_within_6_months(
    start_case: StartCase,
) -> None:
    case = resolution(_complaint(start_case), outcome="upheld", dissatisfied=False)
    assert case.data["tier"] == "resolution"
    case.send("review_requested", {"received_date": "2026-04-20"})
    data = case.data
    assert (data["tier"], data["received_date"], data["response_due"]) == (
        "review", "2026-04-20", "2026-05-12")  # R31: 15 working days (4 May bank holiday)


def test_r26_no_review_request_within_6_months_closes_the_case(start_case: StartCase) -> None:
    case = resolution(_complaint(start_case), outcome="upheld", dissatisfied=False)
    assert case.advance(180) == 0
    assert case.advance(5) == 1
    assert case.status == "completed"
    assert case.data["on_dg_caselist"] is False


def test_r27_case_conference_with_the_team_leader(start_case: StartCase) -> None:
    case = _complaint(start_case)
    case.complete("rs_contact", {"contact_method": "phone", "issues": ["a"],
                                 "resolved_on_call": True})
    case.complete("rs_outcome", {"outcome": "not_upheld", "outcome_explanation": "x",
                                 "issues": ["a"]})
    case.complete("rs_tell", {"client_still_dissatisfied": True,
                              "case_conference_worthwhile": True})
    case.complete("rs_conference", {"conference_notes": "Refund the fee",
                                    "conference_resolved": True})
    assert case.data["escalate_to_review"] is False  # resolved by the extra work


def test_r28_feedback_deadline_follows_complexity(start_case: StartCase) -> None:
    feedback = {"team": "Payments", "recommendation": "Check runs", "complexity": "simple"}
    case = resolution(_complaint(start_case), outcome="upheld", dissatisfied=False,
                      feedback=feedback)
    assert case.data["feedback_due"] == "2026-04-03"


def test_r29_third_complaint_on_one_subject_within_a_month_lands_on_the_systemic_log(
    start_case: StartCase,
) -> None:
    cases = []
    for n in range(3):
        case = resolution(_complaint(start_case, f"CMS-000{n}"), outcome="upheld",
                          dissatisfied=False)
        cases.append(case)
        case.clock.advance(timedelta(days=8))
    assert [c.data["systemic_issue_raised"] for c in cases] == [False, False, True]
    third = cases[2]
    assert third.task("rs_sys_confirm").lane == "team_leader"
    third.complete("rs_sys_confirm", {"systemic_confirmed": True,
                                      "systemic_details": "Three late-payment complaints"})
    assert third.data["stage"] == "Awaiting review request"
