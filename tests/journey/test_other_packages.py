"""The legacy CSA (seed 004) and HMRC (R60-R62) packages, deployed beside the CMS journey and
run end to end by the same engine with no Python of their own."""

from __future__ import annotations

from engine import Engine, SimulatedClock
from tests.journey.driver import CLIENT, Case

REPLY = {"outcome": "not_upheld", "reply_summary": "We looked into it."}


def _start(engine: Engine, clock: SimulatedClock, process: str, key: str) -> Case:
    inst = engine.start(process, business_key=key, user="postroom",
                        data={"received_date": "2026-03-27", "division": "scotland",
                              "client": CLIENT})
    return Case(engine, clock, inst.id, key)


def test_csa_six_stage_procedure_runs_end_to_end(engine: Engine,
                                                 clock: SimulatedClock) -> None:
    case = _start(engine, clock, "csa_complaint", "CSA-0001")
    case.complete("cs_log", {"complaint_details": "Arrears wrong.", "received_in_writing": False,
                             "written_confirmation_requested": True})
    assert case.task("cs_s1_reply").lane == "csa_caseworker"
    assert case.data["response_due"] == "2026-04-20"  # 15 working days, Scotland
    case.complete("cs_s1_reply", REPLY)
    lanes = ["csa_complaints_resolution_team", "csa_client_services_director",
             "csa_chief_executive_office"]
    for stage, lane in enumerate(lanes, start=2):
        case.send("csa_escalation", {"received_date": "2026-05-01", "reason": "Not answered"})
        task = case.task(f"cs_s{stage}_reply")
        assert task.lane == lane
        assert case.data["stage"].startswith(f"Stage {stage}")
        case.complete(f"cs_s{stage}_reply", {**REPLY, "covering_letter_received": True})
    case.send("ice_referral")
    case.complete("cs_s5_papers", {"papers_sent_date": "2026-06-01"})
    case.send("ice_outcome", {"outcome": "not_upheld"})
    case.complete("cs_s5_actions", {"ice_actions_done": True})
    case.send("phso_summary", {"referred_by_mp": True})  # stage 6 only through an MP
    case.complete("cs_s6_draft", {"draft_response_summary": "Our account."})
    case.send("phso_outcome", {"outcome": "not_upheld"})
    case.complete("cs_s6_actions", {"case_actions_completed": True,
                                    "systemic_recommendations": []})
    assert case.letters() == ["CSA_STAGE_REPLY"] * 4
    assert case.status == "completed"


def test_csa_stage_reply_deadline_is_chased_after_15_working_days(
    engine: Engine, clock: SimulatedClock
) -> None:
    case = _start(engine, clock, "csa_complaint", "CSA-0002")
    case.complete("cs_log", {"complaint_details": "x", "received_in_writing": True})
    assert case.advance(30) == 1
    assert case.task("cs_s1_late").lane == "csa_caseworker"
    assert case.task("cs_s1_reply")  # a chase, not a stop


def test_r60_r61_r62_hmrc_tiers_ccast_adjudicator_and_ombudsman_end_to_end(
    engine: Engine, clock: SimulatedClock
) -> None:
    case = _start(engine, clock, "hmrc_complaint", "HMRC-0001")
    case.complete("hm_t1_investigate", {"findings": "Penalty applied late.",
                                        "advice_needed": True,
                                        "advice_question": "Is redress due?"})
    advice = case.task("cc_advise")
    assert advice.lane == "ccast_adviser"
    assert case.data["advice_due"] == "2026-04-06"  # R61: 5 working days (Scotland)
    case.complete("cc_advise", {"advice": "Pay costs.", "redress_advised": True})
    case.complete("hm_t1_reply", REPLY)
    case.send("hmrc_escalation", {"received_date": "2026-04-10"})
    assert case.data["tier"] == "hmrc_tier_2"
    case.complete("hm_t2_investigate", {"findings": "Tier 1 was right.",
                                        "advice_needed": False})
    case.complete("hm_t2_reply", REPLY)
    case.send("adjudicator_referral")
    assert case.task("hm_adj_support").lane == "ccast_adviser"  # R61: supports the Adjudicator
    case.complete("hm_adj_support", {"enquiry_response": "File sent."})
    case.send("adjudicator_outcome", {"outcome": "part_upheld"})
    case.complete("hm_adj_actions", {"recommendations_done": True})
    case.send("ombudsman_referral")
    case.complete("hm_omb_support", {"enquiry_response": "File sent."})
    case.send("ombudsman_outcome", {"outcome": "not_upheld"})
    case.complete("hm_omb_actions", {"recommendations_done": True})
    assert case.letters() == ["HMRC_TIER_REPLY", "HMRC_TIER_REPLY"]
    assert "Our final response to your complaint" in case.letter_text("HMRC_TIER_REPLY")
    assert case.status == "completed"


def test_r61_ccast_advice_overdue_after_5_working_days_is_chased(
    engine: Engine, clock: SimulatedClock
) -> None:
    case = _start(engine, clock, "hmrc_complaint", "HMRC-0002")
    case.complete("hm_t1_investigate", {"findings": "x", "advice_needed": True,
                                        "advice_question": "x"})
    assert case.advance(9) == 0  # Saturday 4 April: not yet
    assert case.advance(3) == 1
    assert case.task("cc_late").lane == "ccast_adviser"
    assert case.task("cc_advise")
