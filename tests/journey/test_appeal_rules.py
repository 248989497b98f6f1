"""The appeal branch through the engine: R50-R55, R57."""

from __future__ import annotations

from tests.journey.conftest import StartCase
from tests.journey.driver import Case, log_contact

DISPUTE = {"date": "2026-03-27", "decision": "Maintenance calculation of 1 March",
           "steps": ["Recalculate with the new income"], "days_to_act": 10,
           "decision_changed": True}


def _appeal(start_case: StartCase, decision_date: str, key: str = "CMS-0001") -> Case:
    return log_contact(start_case(key), appealable_decision=True, decision_date=decision_date,
                       complaint_details="Disagrees with the calculation.")


def test_r51_2014_decision_goes_to_mandatory_reconsideration(start_case: StartCase) -> None:
    case = _appeal(start_case, "2014-06-01")
    assert case.data["stage"] == "Mandatory Reconsideration"
    assert case.task("ap_reconsider").lane == "disputes_team"
    assert case.letters() == ["MR_ACK"]


def test_r51_decision_on_28_october_2013_itself_is_reconsidered(start_case: StartCase) -> None:
    assert _appeal(start_case, "2013-10-28").task("ap_reconsider")


def test_r52_2012_decision_goes_down_the_dispute_route(start_case: StartCase) -> None:
    case = _appeal(start_case, "2012-05-01")
    assert case.data["stage"] == "Dispute"
    assert case.letters() == ["DISPUTE_ACK"]
    assert "ap_reconsider" not in [t.spec_id for t in case.open_tasks()]


def test_r53_client_not_reached_gets_cmsl5811(start_case: StartCase) -> None:
    case = _appeal(start_case, "2012-05-01")
    case.complete("ap_resolve", {"dispute": DISPUTE, "client_reached_by_phone": False,
                                 "client_agreed_plan": False, "appeal_explained": False,
                                 "client_wants_appeal": False})
    assert case.letters() == ["DISPUTE_ACK", "CMSL5811"]
    assert (case.status, case.data["outcome"]) == ("completed", "dispute_resolved")


def test_r53_plan_agreed_by_phone_and_decision_changed_gets_cmsl5812(
    start_case: StartCase,
) -> None:
    case = _appeal(start_case, "2012-05-01")
    case.complete("ap_resolve", {"dispute": DISPUTE, "client_reached_by_phone": True,
                                 "client_agreed_plan": True, "appeal_explained": True,
                                 "client_wants_appeal": False})
    assert case.letters() == ["DISPUTE_ACK", "CMSL5812"]


def test_r50_r52_r54_unresolved_dispute_is_logged_as_an_appeal_and_answered(
    start_case: StartCase,
) -> None:
    case = _appeal(start_case, "2012-05-01")
    case.complete("ap_resolve", {"dispute": {**DISPUTE, "decision_changed": False},
                                 "client_reached_by_phone": True, "client_agreed_plan": False,
                                 "appeal_explained": True, "client_wants_appeal": True})
    case.complete("ap_log", {"appeal_grounds": "Income wrong"})
    case.complete("ap_review", {"resolved_without_tribunal": False})
    case.complete("ap_response", {"response_summary": "Our submission."})
    case.send("tribunal_decision", {"outcome": "appeal_allowed"})
    case.complete("ap_implement", {"decision_implemented": True})
    assert (case.status, case.data["outcome"]) == ("completed", "appeal_allowed")
    assert case.letters() == ["DISPUTE_ACK"]


def test_r51_direct_lodgement_hmcts_contacts_cmg_after_reconsideration(
    start_case: StartCase,
) -> None:
    case = _appeal(start_case, "2014-06-01")
    case.complete("ap_reconsider", {"dispute": {**DISPUTE, "decision_changed": False}})
    assert case.letters() == ["MR_ACK", "MR_OUTCOME"]
    case.send("hmcts_contact", {"appeal_reference": "SC123"})
    case.complete("ap_review", {"resolved_without_tribunal": True})
    assert (case.status, case.data["outcome"]) == ("completed", "resolved_without_tribunal")


def test_r57_effective_date_challenge_is_handled_as_a_disputed_decision(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case(), contact_type="effective_date_challenge",
                       decision_date="2015-01-10")
    assert case.data["route"] == "appeal"
    assert case.task("ap_reconsider")
