"""ICE (tier 3), ombudsman (tier 4) and the appeal branch diagrams."""

from __future__ import annotations

from bpmngen import Diagram
from common import NI, Expr, assign, defaults, history

ICE, PHSO, DISP = "ice_liaison", "phso_team", "disputes_team"


def ice() -> Diagram:
    d = Diagram("complaint_ice", "Independent Case Examiner (tier 3)", [(ICE, 2)],
                "Tier 3: Independent Case Examiner", doc="Seed 001: R40-R42.")
    d.start("ic_start", "Referred to ICE", ICE, 0)
    d.script("ic_open", "Open ICE record", ICE, 1, script=defaults(ice_referral={}) + "\n" + assign(
        tier="ice", stage="ICE Gateway", owner_role=ICE, outcome=None, response_due=None,
        ice_result=None, received_date=Expr("ice_referral.get('received_date') or today()")),
        doc="R40: after review the client may go to ICE.")
    d.service("ic_caselist", "Update DG caselist", ICE, 2, op="caselist.update",
              params={"stage": "'ICE Gateway'"}, doc="R09")
    d.user("ic_gateway", "Check the ICE gateway", ICE, 3, form="ice-gateway.schema.json",
           doc="R41")
    d.xor("ic_gw", "Passed the gateway?", ICE, 4)
    d.letter("ic_referral_letter", "ICE_GATEWAY_REFERRAL", ICE, 5, 1,
             name="Tell the client it is referred back", doc="R41")
    d.script("ic_failed", "Record gateway failure", ICE, 6, 1, script=assign(
        ice_result="gateway_failed", stage="Referred back") + "\n" + history("ice"),
        doc="R41: CMG tells ICE and refers the complaint to the appropriate team.")
    d.end("ic_end_failed", "Referred back", ICE, 7, 1)
    d.user("ic_papers", "Send the case papers to ICE", ICE, 5, form="ice-papers.schema.json",
           pre=assign(stage="ICE Investigation"))
    d.receive("ic_await", "Await the ICE outcome", ICE, 6, message="ice_outcome",
              var="ice_outcome", doc="R42: ICE takes months; the case waits on ICE, not a clock.")
    d.user("ic_actions", "Carry out ICE's recommendations", ICE, 7,
           form="ice-actions.schema.json", pre=assign(stage="ICE Actions"))
    d.letter("ic_letter", "ICE_OUTCOME", ICE, 8, name="Send ICE outcome letter",
             doc="R45/R48: signposts the PHSO through an MP (NI: the NI Ombudsman).")
    d.script("ic_close", "Close ICE stage", ICE, 9, script=assign(
        ice_result="completed", stage="Closed",
        outcome=Expr("ice_outcome.get('outcome')")) + "\n" + history("ice"))
    d.end("ic_end", "ICE outcome actioned", ICE, 10)
    d.chain("ic_start", "ic_open", "ic_caselist", "ic_gateway", "ic_gw")
    d.flow("ic_gw", "ic_referral_letter", "no", cond="not gateway_passed")
    d.chain("ic_referral_letter", "ic_failed", "ic_end_failed")
    d.flow("ic_gw", "ic_papers", "yes", default=True)
    d.chain("ic_papers", "ic_await", "ic_actions", "ic_letter", "ic_close", "ic_end")
    return d


def phso() -> Diagram:
    d = Diagram("complaint_phso", "Ombudsman (tier 4)", [(PHSO, 3)],
                "Tier 4: Parliamentary and Health Service Ombudsman (NI: NI Ombudsman)",
                doc="Seeds 001/004: R45-R48. The internal PHSO team owns the case for life.")
    d.start("ph_start", "Summary of complaint received", PHSO, 0)
    d.script("ph_open", "Open ombudsman record", PHSO, 1, script=defaults(
        phso_summary={}) + "\n" + assign(
        tier="phso", stage="PHSO Summary", owner_role=PHSO, outcome=None, response_due=None,
        received_date=Expr("phso_summary.get('received_date') or today()"),
        ombudsman=Expr(f"'NI Public Services Ombudsman' if {NI} else 'PHSO'")),
        doc="R46/R48")
    d.service("ph_caselist", "Update DG caselist", PHSO, 2, op="caselist.update",
              params={"stage": "'PHSO Summary'"}, doc="R09")
    d.xor("ph_mp_gw", "Referred by an MP?", PHSO, 3,
          doc="R45: PHSO only by MP referral. R48 (our reading): the NI Ombudsman takes "
              "complaints directly.")
    d.script("ph_no_mp", "Record: needs an MP referral", PHSO, 4, 2, script=assign(
        phso_result="no_mp_referral", stage="Closed - no MP referral"))
    d.end("ph_end_no_mp", "Not taken on", PHSO, 5, 2)
    d.xor("ph_ni_gw", "Northern Ireland?", PHSO, 4)
    d.user("ph_draft", "Draft the response to the PHSO", PHSO, 5,
           form="phso-response.schema.json", pre=assign(stage="Draft Response"), doc="R46")
    d.user("ph_draft_nipso", "Draft the response to the NI Ombudsman", PHSO, 5, 1,
           form="phso-response.schema.json", pre=assign(stage="Draft Response"), doc="R48")
    d.xor("ph_draft_join", "", PHSO, 6)
    d.receive("ph_await", "Await the ombudsman's report", PHSO, 7, message="phso_outcome",
              var="phso_outcome")
    d.user("ph_actions", "Carry out the ombudsman's recommendations", PHSO, 8,
           form="phso-actions.schema.json", pre=assign(stage="Ombudsman Actions"), doc="R47")
    d.xor("ph_sys_gw", "Systemic recommendations?", PHSO, 9)
    d.service("ph_sys_mail", "Refer to the Director of Corporate Affairs", PHSO, 10, 1,
              op="notify.email", params={"to": "'Director of Corporate Affairs'",
                                         "template": "'systemic_recommendation'"}, doc="R47")
    d.xor("ph_sys_join", "", PHSO, 11)
    d.letter("ph_letter", "PHSO_OUTCOME", PHSO, 12, name="Send final letter", doc="R47")
    d.script("ph_close", "Close ombudsman stage", PHSO, 13, script=assign(
        stage="Closed", phso_result="completed",
        outcome=Expr("phso_outcome.get('outcome')")) + "\n" + history("phso"))
    d.end("ph_end", "Ombudsman case closed", PHSO, 14)
    d.chain("ph_start", "ph_open", "ph_caselist", "ph_mp_gw")
    d.flow("ph_mp_gw", "ph_ni_gw", "yes", cond=f"phso_summary.get('referred_by_mp') or {NI}")
    d.flow("ph_mp_gw", "ph_no_mp", "no", default=True)
    d.flow("ph_no_mp", "ph_end_no_mp")
    d.flow("ph_ni_gw", "ph_draft_nipso", "yes", cond=NI)
    d.flow("ph_ni_gw", "ph_draft", "no", default=True)
    d.flow("ph_draft", "ph_draft_join")
    d.flow("ph_draft_nipso", "ph_draft_join")
    d.chain("ph_draft_join", "ph_await", "ph_actions", "ph_sys_gw")
    d.flow("ph_sys_gw", "ph_sys_mail", "yes", cond="len(systemic_recommendations) > 0")
    d.flow("ph_sys_gw", "ph_sys_join", "no", default=True)
    d.flow("ph_sys_mail", "ph_sys_join")
    d.chain("ph_sys_join", "ph_letter", "ph_close", "ph_end")
    return d


def appeal() -> Diagram:
    d = Diagram("complaint_appeal", "Appeal branch", [(DISP, 5)],
                "Appeal branch: mandatory reconsideration / dispute, then HMCTS tribunal",
                doc="Seed 001: R50-R55, R57. Appealable decisions are not complaints.")
    d.start("ap_start", "Appealable decision challenged", DISP, 0)
    d.script("ap_open", "Open appeal record", DISP, 1, script=defaults(
        dispute={}, tribunal_decision=None, decision_date=Expr("received_date")) + "\n" + assign(
        tier="appeal", stage="Decision Check", owner_role=DISP, outcome=None,
        response_due=None), doc="R50/R57: an effective-date challenge is handled the same.")
    d.xor("ap_date_gw", "Decision on or after 28 October 2013?", DISP, 2)
    # R51 mandatory reconsideration
    d.letter("ap_mr_ack", "MR_ACK", DISP, 3, name="Acknowledge the MR request", doc="R51")
    d.user("ap_reconsider", "Reconsider the decision", DISP, 4, form="mr-decision.schema.json",
           pre=assign(stage="Mandatory Reconsideration"), doc="R51")
    d.letter("ap_mr_letter", "MR_OUTCOME", DISP, 5, name="Send MR outcome",
             doc="R51: explains appeal by direct lodgement with HMCTS.")
    d.receive("ap_await_hmcts", "Await HMCTS contact", DISP, 6, message="hmcts_contact",
              var="hmcts_contact", doc="R51: direct lodgement; HMCTS contact CMG.")
    d.boundary_timer("ap_no_appeal", "13 months", "ap_await_hmcts", duration='"P13M"',
                     interrupting=True, doc="Our reading: one month plus up to 12 months late.")
    d.end("ap_end_no_appeal", "No appeal lodged", DISP, 7, 1)
    # R52/R53 dispute
    d.letter("ap_dispute_ack", "DISPUTE_ACK", DISP, 3, 2, name="Acknowledge the dispute",
             doc="R52")
    d.user("ap_resolve", "Try to resolve the dispute", DISP, 4, 2, form="dispute.schema.json",
           pre=assign(stage="Dispute"), doc="R52: resolve first; explain the appeal process.")
    d.xor("ap_letter_gw", "Plan agreed how?", DISP, 5, 2)
    d.letter("ap_5812", "CMSL5812", DISP, 6, 3, name="Send CMSL5812 (decision changed)",
             doc="R53")
    d.letter("ap_5811", "CMSL5811", DISP, 6, 4, name="Send CMSL5811 (action plan)", doc="R53")
    d.xor("ap_letter_join", "", DISP, 7, 2)
    d.xor("ap_wants_gw", "Client still wants to appeal?", DISP, 8, 2)
    d.script("ap_dispute_done", "Record dispute resolved", DISP, 9, 4, script=assign(
        stage="Closed - dispute resolved", outcome="dispute_resolved"))
    d.end("ap_end_dispute", "Dispute resolved", DISP, 10, 4)
    d.user("ap_log", "Log the appeal for HMCTS", DISP, 9, 2, form="log-appeal.schema.json",
           doc="R52: only when the dispute cannot be resolved and the client understands the "
               "appeal process.")
    # R54 tribunal
    d.xor("ap_tribunal_join", "", DISP, 10)
    d.user("ap_review", "Review the appeal", DISP, 11, form="appeal-review.schema.json",
           pre=assign(stage="Appeal Lodged"), doc="R54: can it be resolved without the "
                                                  "tribunal?")
    d.xor("ap_resolved_gw", "Resolved?", DISP, 12)
    d.user("ap_response", "Prepare the response to the tribunal", DISP, 13,
           form="tribunal-response.schema.json", pre=assign(stage="Tribunal Response"),
           doc="R54")
    d.receive("ap_await_decision", "Await the tribunal's decision", DISP, 14,
              message="tribunal_decision", var="tribunal_decision")
    d.user("ap_implement", "Implement the tribunal's decision", DISP, 15,
           form="tribunal-decision.schema.json", pre=assign(stage="Implement Decision"))
    d.xor("ap_done_join", "", DISP, 16)
    d.script("ap_close", "Close the appeal", DISP, 17, script=assign(
        stage="Closed", outcome=Expr("tribunal_decision.get('outcome') if tribunal_decision "
                                     "else 'resolved_without_tribunal'")))
    d.end("ap_end", "Appeal closed", DISP, 18)

    d.chain("ap_start", "ap_open", "ap_date_gw")
    d.flow("ap_date_gw", "ap_mr_ack", "yes: mandatory reconsideration",
           cond="not date_before(decision_date, '2013-10-28')")
    d.flow("ap_date_gw", "ap_dispute_ack", "no: dispute", default=True)
    d.chain("ap_mr_ack", "ap_reconsider", "ap_mr_letter", "ap_await_hmcts", "ap_tribunal_join")
    d.flow("ap_no_appeal", "ap_end_no_appeal")
    d.chain("ap_dispute_ack", "ap_resolve", "ap_letter_gw")
    d.flow("ap_letter_gw", "ap_5811", "client not reached", cond="not client_reached_by_phone")
    d.flow("ap_letter_gw", "ap_5812", "agreed by phone, decision changed",
           cond="client_agreed_plan and dispute.get('decision_changed')")
    d.flow("ap_letter_gw", "ap_letter_join", "no letter", default=True)
    d.flow("ap_5812", "ap_letter_join")
    d.flow("ap_5811", "ap_letter_join")
    d.flow("ap_letter_join", "ap_wants_gw")
    d.flow("ap_wants_gw", "ap_log", "yes", cond="client_wants_appeal")
    d.flow("ap_wants_gw", "ap_dispute_done", "no", default=True)
    d.flow("ap_dispute_done", "ap_end_dispute")
    d.flow("ap_log", "ap_tribunal_join")
    d.chain("ap_tribunal_join", "ap_review", "ap_resolved_gw")
    d.flow("ap_resolved_gw", "ap_response", "no", default=True)
    row1 = d.center(DISP, 0, 1)[1]
    d.flow("ap_resolved_gw", "ap_done_join", "yes", cond="resolved_without_tribunal",
           via=[(d.nodes["ap_resolved_gw"].cx, row1), (d.nodes["ap_done_join"].cx, row1)])
    d.chain("ap_response", "ap_await_decision", "ap_implement", "ap_done_join", "ap_close",
            "ap_end")
    return d
