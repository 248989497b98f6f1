"""Tier 2, complaint review (CCRT), through the engine: R30-R35."""

from __future__ import annotations

from datetime import timedelta

from tests.journey.conftest import StartCase
from tests.journey.driver import Case, log_contact, review


def _review(start_case: StartCase, key: str = "CMS-0001", **data: object) -> Case:
    """A contested resolution outcome, straight to review (R03)."""
    return log_contact(start_case(key, **data), resolution_closed_date="2026-02-01",
                       contests_outcome=True)


def test_r31_review_deadline_is_15_working_days(start_case: StartCase) -> None:
    case = _review(start_case)
    assert (case.data["target_days"], case.data["response_due"]) == (15, "2026-04-21")
    assert case.letters() == ["ACK_REVIEW"]


def test_r31_r35_pos_case_has_20_working_days_and_is_answered_not_escalated(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), correspondence_type="pos")
    data = case.data
    assert (data["route"], data["tier"], data["stage"]) == (
        "official_correspondence", "review", "Draft Reply")
    assert (data["target_days"], data["response_due"]) == (20, "2026-04-28")
    case.complete("rv_draft", {"reply_method": "letter", "draft_summary": "Reply to the MP.",
                               "outcome": "part_upheld"})
    case.complete("rv_agree", {"final_version_agreed": True})
    case.complete("rv_director", {"sent_to_director": True, "signed": True})
    assert case.status == "completed"  # R35: no further tier, no waiting for ICE
    assert case.letters() == ["OUTCOME_REVIEW"]
    assert case.data["correspondence_answered"] is True


def test_r35_treat_official_answered_by_phone_sends_no_letter(start_case: StartCase) -> None:
    case = log_contact(start_case(), correspondence_type="treat_official")
    case.complete("rv_draft", {"reply_method": "phone", "draft_summary": "Called them.",
                               "outcome": "not_upheld"})
    case.complete("rv_agree", {"final_version_agreed": True})
    assert "rv_director" not in [t.spec_id for t in case.open_tasks()]
    assert case.status == "completed" and case.letters() == []


def test_r30_revised_resolution_plan_when_more_can_be_done(start_case: StartCase) -> None:
    case = _review(start_case)
    case.complete("rv_contact", {"contact_method": "sms", "issues": ["a"],
                                 "resolved_on_call": False})
    assert case.data["stage"] == "Investigate"
    case.complete("rv_investigate", {"findings": "More can be done.",
                                     "all_appropriate_action_taken": False,
                                     "revised_plan_needed": True})
    case.complete("rv_revised", {"client_agrees": True, "resolution_plan": [
        {"type": "corrective_action", "reason": "a", "due_date": "2026-04-30",
         "status": "draft", "client_approved": True}]})
    assert case.task("rv_outcome").lane == "review_case_manager"


def test_r32_r33_r34_justified_outcome_fed_back_and_ice_signposted(
    start_case: StartCase,
) -> None:
    case = _review(start_case)
    case.complete("rv_contact", {"contact_method": "phone", "issues": ["a"],
                                 "resolved_on_call": False})
    case.complete("rv_investigate", {"findings": "x", "all_appropriate_action_taken": True,
                                     "revised_plan_needed": False})
    case.complete("rv_outcome", {"outcome": "justified", "outcome_explanation": "x",
                                 "issues": ["a"], "special_payment": {"consolatory": 50}})
    assert case.data["payment_status"] == "none"  # R25 reading: none on Justified
    case.complete("rv_tell", {"client_still_dissatisfied": True})
    case.complete("rv_feedback", {"feedback_summary": "Well handled."})
    assert case.letters() == ["ACK_REVIEW", "OUTCOME_REVIEW"]
    assert (case.data["tier"], case.data["stage"]) == ("review", "Awaiting ICE referral")


def test_r32_payment_needing_a_review_goes_to_the_special_payment_team(
    start_case: StartCase,
) -> None:
    case = _review(start_case)
    case.complete("rv_contact", {"contact_method": "phone", "issues": ["a"],
                                 "resolved_on_call": False})
    case.complete("rv_investigate", {"findings": "x", "all_appropriate_action_taken": False,
                                     "revised_plan_needed": False})
    case.complete("rv_outcome", {"outcome": "upheld", "outcome_explanation": "x",
                                 "issues": ["a"], "special_payment": {"consolatory": 50},
                                 "payment_needs_review": True})
    assert case.task("rv_spt").lane == "special_payment_team"


def test_r34_third_review_on_one_subject_within_a_month_goes_on_the_systemic_log(
    start_case: StartCase,
) -> None:
    raised = []
    for n in range(3):
        case = review(_review(start_case, f"CMS-00{n}"))
        raised.append(case.data["systemic_issue_raised"])
        case.clock.advance(timedelta(days=9))
    assert raised == [False, False, True]
    assert case.task("rv_sys_confirm").lane == "team_leader"


def test_r31_review_deadline_timer_escalates_to_the_team_leader(start_case: StartCase) -> None:
    case = _review(start_case)
    case.complete("rv_contact", {"contact_method": "phone", "issues": ["a"],
                                 "resolved_on_call": False})
    assert case.advance(26) == 1
    assert case.task("rv_chase").lane == "team_leader"
