"""Intake and triage through the engine (seed 002 'Log Complaint'): R01-R07, R09."""

from __future__ import annotations

from tests.journey.conftest import StartCase
from tests.journey.driver import MP, log_contact


def test_r01_client_complaint_15_months_after_closure_is_refused_with_a_letter(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), contact_type="complaint", case_closed_date="2024-12-26")
    data = case.data
    assert case.status == "completed"
    assert (data["route"], data["refusal_reason"], data["tier"]) == (
        "refused", "out_of_time", "refused")
    assert case.letters() == ["REFUSAL"]


def test_r02_r09_mp_complaint_15_months_after_closure_is_accepted_and_caselisted(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(mp=MP), source="mp", case_closed_date="2024-12-26",
                       correspondence_type="mp")
    data = case.data
    assert case.status == "active"
    assert (data["route"], data["refusal_reason"]) == ("mp_correspondence", None)
    assert data["tier"] == "resolution" and data["parliamentary_contact"] is True
    assert data["on_dg_caselist"] is True  # R09: parliamentary contact is on the caselist
    assert [t.spec_id for t in case.open_tasks()] == ["rs_contact"]
    assert case.letters() == ["ACK_COMPLAINT"]


def test_r03_first_dissatisfaction_goes_to_the_caseworker(start_case: StartCase) -> None:
    case = log_contact(start_case())
    assert (case.data["tier"], case.data["stage"]) == ("dissatisfaction", "Acknowledge Issue")
    assert case.task("ds_call").lane == "caseworker"


def test_r03_appealable_decision_goes_to_the_appeal_branch(start_case: StartCase) -> None:
    case = log_contact(start_case(), appealable_decision=True, decision_date="2014-02-01")
    assert (case.data["route"], case.data["tier"]) == ("appeal", "appeal")
    assert case.task("ap_reconsider").lane == "disputes_team"


def test_r03_high_profile_is_referred_to_the_directors_office(start_case: StartCase) -> None:
    case = log_contact(start_case(), high_profile=True)
    emails = {(e["to"], e["template"]) for e in case.data["emails"]}
    assert ("CMG Operations Director's Office", "high_profile_referral") in emails
    assert case.data["on_dg_caselist"] is True  # R09
    assert case.data["tier"] == "resolution"


def test_r03_r55_resolution_closed_within_6_months_and_contested_goes_to_review(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), resolution_closed_date="2025-11-02",
                       contests_outcome=True)
    assert (case.data["route"], case.data["tier"]) == ("review", "review")
    assert case.letters() == ["ACK_REVIEW"]


def test_r03_application_stage_complaint_gets_its_own_area(start_case: StartCase) -> None:
    case = log_contact(start_case(), contact_type="complaint",
                       before_provisional_calculation=True)
    assert case.data["route"] == "application_complaint"
    assert case.data["area"] == "Application Complaints"


def test_r04_options_only_complaint_is_closed_with_a_letter_pointing_to_options(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), about_options="only")
    assert (case.data["route"], case.data["refusal_reason"]) == (
        "options_referral", "options_service")
    assert case.letters() == ["REFUSAL"]
    assert case.status == "completed"


def test_r04_mixed_complaint_refers_the_options_part_by_email(start_case: StartCase) -> None:
    case = log_contact(start_case(), about_options="mixed")
    assert [(e["to"], e["template"]) for e in case.data["emails"]] == [
        ("CM Options", "options_referral")]
    assert case.data["tier"] == "dissatisfaction"


def test_r06_staff_complaint_is_secured_by_a_team_leader_and_staff_data_removed(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(staff_name_unredacted="kept out"), staff_complaint=True,
                       contact_type="complaint")
    task = case.task("in_staff_confidential")
    assert task.lane == "team_leader"
    case.complete("in_staff_confidential", {"letter_redacted": True,
                                            "original_letter": "sent_to_line_manager",
                                            "manager_told_offline": True})
    data = case.data
    assert data["staff_data_removed"] is True
    assert data.get("staff_name_unredacted") is None
    assert data["owner_role"] == "team_leader"  # R06: a team leader owns it at tier 1
    assert case.task("rs_own").lane == "team_leader"


def test_r07_parliamentary_contact_sends_it_to_a_new_complaint(start_case: StartCase) -> None:
    case = log_contact(start_case(), parliamentary_contact=True)
    assert (case.data["route"], case.data["tier"]) == ("new_complaint", "resolution")
