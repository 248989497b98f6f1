"""Tier 0, dissatisfaction (seed 002), through the engine: R10-R19."""

from __future__ import annotations

from tests.journey.conftest import StartCase
from tests.journey.driver import PLAN, Case, dissatisfaction_unresolved, log_contact

REASONS = {"reasons": [{"reason": "Late payments", "type": "delay"}],
           "root_cause": "caseworker_error"}


def _to_plan(case: Case, *, phone: bool = True) -> Case:
    case.complete("ds_call", {"phone_contact_made": phone})
    return case.complete("ds_investigate", REASONS)


def test_r11_r12_record_opens_at_acknowledge_issue_with_assignment_locked(
    start_case: StartCase,
) -> None:
    data = log_contact(start_case()).data
    assert (data["stage"], data["lock_assignment"], data["owner_role"]) == (
        "Acknowledge Issue", True, "caseworker")


def test_r13_phone_fails_cmsl5700_and_14_days_then_the_plan(start_case: StartCase) -> None:
    case = _to_plan(log_contact(start_case()), phone=False)
    assert case.letters() == ["CMSL5700"]
    assert "ds_plan" not in [t.spec_id for t in case.open_tasks()]  # waits for the reply
    assert case.advance(13) == 0
    assert case.advance(2) == 1  # 14 calendar days passed: go on with what we hold
    assert case.task("ds_plan").lane == "caseworker"


def test_r13_client_reply_within_14_days_moves_on_at_once(start_case: StartCase) -> None:
    case = _to_plan(log_contact(start_case()), phone=False)
    case.send("client_reply", {"information": "Bank statement"})
    assert case.data["client_reply"] == {"information": "Bank statement"}
    assert case.task("ds_plan")


def test_r14_r16_client_agrees_plan_done_cmsl5701_and_closed(start_case: StartCase) -> None:
    case = _to_plan(log_contact(start_case()))
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": True,
                              "client_agrees": True})
    assert case.data["stage"] == "Resolution Action"
    done = [{**PLAN[0], "status": "done", "client_approved": True}]
    case.complete("ds_carry_out", {"resolution_plan": done,
                                   "resolution_code": "Actions complete - Client OK"})
    data = case.data
    assert case.status == "completed"
    assert (data["dissatisfaction_result"], data["lock_assignment"]) == ("resolved", False)
    assert case.letters() == ["CMSL5701"]


def test_r15_client_not_reached_for_the_plan_gets_cmsl5701_with_the_proposal(
    start_case: StartCase,
) -> None:
    case = _to_plan(log_contact(start_case()))
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": False,
                              "client_agrees": True})
    assert case.letters() == ["CMSL5701"]
    assert case.task("ds_carry_out")


def test_r17_unhappy_client_goes_to_the_team_leader_for_approval(start_case: StartCase) -> None:
    case = _to_plan(log_contact(start_case()))
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": True,
                              "client_agrees": False})
    data = case.data
    assert (data["stage"], data["sr_status"], data["sr_sub_status"]) == (
        "Escalate to Team Leader", "Pending Approval", "Pending Approval - TL")
    assert case.task("ds_tl").lane == "team_leader"
    case.complete("ds_tl", {"tl_decision": "agreement_reached"})
    assert case.task("ds_carry_out").lane == "caseworker"


def test_r17_r19_consolatory_payment_goes_straight_to_resolution_outside_the_figures(
    start_case: StartCase,
) -> None:
    case = _to_plan(log_contact(start_case()))
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": True,
                              "client_agrees": False})
    case.complete("ds_tl", {"tl_decision": "consolatory_payment"})
    assert "ds_g7" not in [t.spec_id for t in case.open_tasks()]  # R18: no BAU G7
    case.complete("ds_inform", {"client_told_by_phone": True})
    data = case.data
    assert (data["resolution_code"], data["route"], data["referral_form"]) == (
        "Actions Complete - Client Not OK", "consolatory_payment_referral", "CMSF5551")
    assert "non complaint consolatory payment referral only" in data["complaint_details"]
    assert data["tier"] == "resolution"
    assert case.task("rs_outcome")  # straight to the redress decision, no acknowledgement
    assert case.letters() == []


def test_r18_r19_escalation_via_bau_g7_chronology_referral_and_cmsl5842(
    start_case: StartCase,
) -> None:
    case = dissatisfaction_unresolved(log_contact(start_case()))
    data = case.data
    assert data["resolution_code"] == "Unresolved"
    assert [(e["to"], e["template"]) for e in data["emails"]] == [
        ("CMS COMPLAINTS REFERRALS", "complaint_referral")]
    assert data["chronology"] == [{"date": "2026-03-27", "event": "Logged"}]
    assert case.letters() == ["CMSL5842", "ACK_COMPLAINT"]
    assert (data["tier"], data["stage"]) == ("resolution", "Initial Contact")
    assert data["tier_history"][0]["tier"] == "dissatisfaction"


def test_r18_bau_g7_may_refuse_escalation_and_send_the_plan_back(start_case: StartCase) -> None:
    case = _to_plan(log_contact(start_case()))
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": True,
                              "client_agrees": False})
    case.complete("ds_tl", {"tl_decision": "unable_to_resolve"})
    case.complete("ds_chronology", {"chronology": [{"date": "2026-03-27", "event": "x"}],
                                    "referral_summary": "x"})
    assert case.task("ds_g7").lane == "bau_g7"
    case.complete("ds_g7", {"case_conference": True, "escalation_authorised": False})
    assert case.task("ds_carry_out")
