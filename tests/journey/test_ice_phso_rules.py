"""Tiers 3 and 4 through the engine: ICE (R40-R42) and the ombudsman (R45-R48)."""

from __future__ import annotations

from tests.journey.conftest import StartCase
from tests.journey.driver import Case, log_contact, review


def _after_review(start_case: StartCase, **data: object) -> Case:
    case = log_contact(start_case(**data), resolution_closed_date="2026-02-01",
                       contests_outcome=True)
    return review(case)


def test_r40_r41_complaint_failing_the_ice_gateway_is_referred_back_with_a_letter(
    start_case: StartCase,
) -> None:
    case = _after_review(start_case).send("ice_referral", {"received_date": "2026-05-01"})
    assert (case.data["tier"], case.data["received_date"]) == ("ice", "2026-05-01")
    case.complete("ic_gateway", {"gateway_passed": False, "referred_to": "review"})
    assert case.status == "completed"
    assert case.data["ice_result"] == "gateway_failed"
    assert case.letters()[-1] == "ICE_GATEWAY_REFERRAL"


def test_r42_ice_investigation_waits_on_the_ice_outcome_not_a_clock(
    start_case: StartCase,
) -> None:
    case = _after_review(start_case).send("ice_referral")
    case.complete("ic_gateway", {"gateway_passed": True})
    case.complete("ic_papers", {"papers_sent_date": "2026-05-01"})
    assert case.advance(400) == 0  # months pass; nothing times out
    assert case.open_tasks() == [] and case.data["stage"] == "ICE Investigation"
    case.send("ice_outcome", {"outcome": "not_upheld"})
    assert case.task("ic_actions").lane == "ice_liaison"


def test_r45_phso_only_on_an_mp_referral(start_case: StartCase) -> None:
    case = _after_review(start_case).send("phso_summary", {"referred_by_mp": False})
    assert case.data["phso_result"] == "no_mp_referral"
    assert "ph_draft" not in [t.spec_id for t in case.open_tasks()]


def test_r45_clients_own_request_for_the_ombudsman_gets_a_letter_explaining_mp_referral(
    start_case: StartCase,
) -> None:
    case = _after_review(start_case).send("phso_summary", {"referred_by_mp": False})
    assert case.letters()[-1] == "PHSO_NEEDS_MP"
    text = case.letter_text("PHSO_NEEDS_MP")
    assert "Dear Ms Example" in text
    assert "can only look at a complaint about us when a Member of Parliament (MP)" in text
    assert "How to ask an MP to refer your complaint" in text
    assert case.status == "completed"


def test_r45_r46_r47_phso_team_owns_the_case_and_refers_systemic_recommendations(
    start_case: StartCase,
) -> None:
    case = _after_review(start_case).send("phso_summary", {"referred_by_mp": True})
    assert (case.data["tier"], case.data["owner_role"]) == ("phso", "phso_team")
    assert case.task("ph_draft").lane == "phso_team"
    case.complete("ph_draft", {"draft_response_summary": "Our account."})
    case.send("phso_outcome", {"outcome": "upheld"})
    case.complete("ph_actions", {"case_actions_completed": True,
                                 "systemic_recommendations": ["Review payment runs"]})
    emails = [(e["to"], e["template"]) for e in case.data["emails"]]
    assert ("Director of Corporate Affairs", "systemic_recommendation") in emails
    assert case.letters()[-1] == "PHSO_OUTCOME"
    assert case.status == "completed"


def test_r48_northern_ireland_case_at_the_ombudsman_stage_goes_to_the_ni_ombudsman(
    start_case: StartCase,
) -> None:
    case = _after_review(start_case, division="northern-ireland")
    case.send("phso_summary", {"referred_by_mp": False})  # the NI Ombudsman needs no MP
    assert case.data["ombudsman"] == "NI Public Services Ombudsman"
    task = case.task("ph_draft_nipso")
    assert (task.name, task.lane) == ("Draft the response to the NI Ombudsman", "phso_team")
    assert "ph_draft" not in [t.spec_id for t in case.open_tasks()]
