"""Two complete journeys through every diagram they touch, with the letters they produce.

Each letter is produced exactly once, stored as a PDF with the case, and every PDF's text
carries the case reference.
"""

from __future__ import annotations

import pytest

from tests.handlers.pdfs import pdf_text
from tests.journey.conftest import StartCase
from tests.journey.driver import (
    Case,
    dissatisfaction_unresolved,
    ice,
    log_contact,
    resolution,
    review,
)


def _assert_letters(case: Case, expected: list[str]) -> None:
    assert sorted(case.letters()) == sorted(expected)
    assert len(case.letters()) == len(set(case.letters()))  # each once
    for doc in case.engine.documents(case.instance_id):
        content = case.engine.document_content(doc.id)
        if doc.kind == "letter-text":  # the plain-text alternative stored with each letter
            assert doc.content_type.startswith("text/plain")
            assert case.business_key in content.decode("utf-8")
            continue
        assert doc.content_type == "application/pdf"
        assert case.business_key in pdf_text(content)


def test_r08_full_journey_from_first_contact_to_the_phso_outcome(start_case: StartCase) -> None:
    case = start_case("CMS-2026-0001")
    assert (case.data["tier"], case.data["stage"]) == ("dissatisfaction", "Log Complaint")
    log_contact(case)                                      # R03: a dissatisfaction
    dissatisfaction_unresolved(case, told_by_phone=False)  # R17-R19: CMSL5842
    assert case.data["tier"] == "resolution"
    resolution(case, outcome="not_upheld", dissatisfied=True)  # R26: proactive escalation
    assert case.data["tier"] == "review"
    review(case, outcome="not_upheld")                     # R33: signposts ICE
    case.send("ice_referral", {"received_date": "2026-05-20"})
    ice(case)                                              # R40-R42
    case.send("phso_summary", {"referred_by_mp": True})    # R45
    case.complete("ph_draft", {"draft_response_summary": "Our account of the case."})
    case.send("phso_outcome", {"outcome": "part_upheld"})
    case.complete("ph_actions", {"case_actions_completed": True,
                                 "systemic_recommendations": []})
    assert case.status == "completed"
    assert [h["tier"] for h in case.data["tier_history"]] == [
        "dissatisfaction", "resolution", "review", "ice", "phso"]
    _assert_letters(case, ["CMSL5842", "ACK_COMPLAINT", "OUTCOME_RESOLUTION", "ACK_REVIEW",
                           "OUTCOME_REVIEW", "ICE_OUTCOME", "PHSO_OUTCOME"])
    [outcome] = [d for d in case.engine.documents(case.instance_id)
                 if d.name.endswith("OUTCOME_RESOLUTION.pdf")]
    assert "keep paying" in pdf_text(case.engine.document_content(outcome.id))  # R08


@pytest.mark.parametrize(("decision_date", "expected"), [
    ("2014-06-01", ["MR_ACK", "MR_OUTCOME"]),         # R51
    ("2012-06-01", ["DISPUTE_ACK", "CMSL5812"]),      # R52/R53
])
def test_full_journey_from_first_contact_through_the_appeal_branch(
    start_case: StartCase, decision_date: str, expected: list[str]
) -> None:
    case = start_case("CMS-2026-0002")
    log_contact(case, appealable_decision=True, decision_date=decision_date)
    dispute = {"date": "2026-03-27", "decision": "Calculation", "steps": ["Recalculate"],
               "days_to_act": 14, "decision_changed": True}
    if decision_date >= "2013-10-28":
        case.complete("ap_reconsider", {"dispute": {**dispute, "decision_changed": False}})
        case.send("hmcts_contact", {"appeal_reference": "SC-1"})   # direct lodgement
    else:
        case.complete("ap_resolve", {"dispute": dispute, "client_reached_by_phone": True,
                                     "client_agreed_plan": True, "appeal_explained": True,
                                     "client_wants_appeal": True})
        case.complete("ap_log", {"appeal_grounds": "Still disputes the calculation"})
    case.complete("ap_review", {"resolved_without_tribunal": False})
    case.complete("ap_response", {"response_summary": "Response to the tribunal."})  # R54
    case.send("tribunal_decision", {"outcome": "appeal_refused"})
    case.complete("ap_implement", {"decision_implemented": True})
    assert case.status == "completed"
    assert case.data["outcome"] == "appeal_refused"
    _assert_letters(case, expected)
