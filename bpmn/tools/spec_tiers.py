"""Tier 0 dissatisfaction, tier 1 complaint resolution and tier 2 complaint review diagrams."""

from __future__ import annotations

from bpmngen import Diagram
from common import Expr, assign, defaults, history

CW, TL, G7 = "caseworker", "team_leader", "bau_g7"
RES, REV, SPT = "resolution_case_manager", "review_case_manager", "special_payment_team"
OFFICIAL = "correspondence_type in ('mp_to_dg', 'treat_official', 'pos')"


def dissatisfaction() -> Diagram:
    d = Diagram("complaint_dissatisfaction", "Dissatisfaction (tier 0)",
                [(CW, 3), (TL, 2), (G7, 1)], "Tier 0: dissatisfaction",
                doc="Seed 002 'Dissatisfaction' and 'New Complaint': R10-R19.")
    d.start("ds_start", "Dissatisfaction logged", CW, 0)
    d.script("ds_open", "Open dissatisfaction record", CW, 1, script=defaults(
        referral_type=None, resolution_code=None) + "\n" + assign(
        tier="dissatisfaction", stage="Acknowledge Issue",
        owner_role=Expr("'team_leader' if staff_complaint else 'caseworker'"),
        sr_status="In Progress", lock_assignment=True, dissatisfaction_result=None,
        outcome=None, response_due=None, overdue=False),
        doc="R10/R11: stage Acknowledge Issue; R12: lock assignment; R06: a team leader owns "
            "a staff complaint.")
    d.user("ds_call", "Call the client", CW, 2, form="dissat-call.schema.json",
           doc="R13: try the phone first.")
    d.par("ds_split", "", CW, 3)
    d.user("ds_investigate", "Investigate, record reasons and root cause", CW, 4,
           form="dissat-investigate.schema.json", doc="R14: reasons and root cause.")
    d.xor("ds_phone_gw", "Phone contact made?", CW, 4, 1)
    d.letter("ds_5700", "CMSL5700", CW, 5, 2, name="Send CMSL5700 (asks for information)",
             doc="R13")
    d.receive("ds_await_reply", "Await the client's reply", CW, 6, 2, message="client_reply",
              var="client_reply", doc="R13: the investigation goes on meanwhile.")
    d.boundary_timer("ds_reply_timeout", "14 days", "ds_await_reply", duration='"P14D"',
                     interrupting=True, doc="R13: 14 calendar days, then go on with what "
                                            "we hold.")
    d.xor("ds_reply_join", "", CW, 7, 1)
    d.par("ds_join", "", CW, 8)
    d.user("ds_plan", "Agree resolution plan", CW, 9, form="dissat-plan.schema.json",
           pre=assign(stage="Resolution Plan"), doc="R11/R14: a list of actions.")
    d.xor("ds_plan_gw", "Client reached by phone?", CW, 10)
    d.letter("ds_5701_plan", "CMSL5701", CW, 12, 1, name="Send CMSL5701 (proposed actions)",
             doc="R15")
    d.xor("ds_agree_gw", "Client agrees?", CW, 11)
    d.user("ds_tl", "Team leader approval", TL, 12, form="tl-decision.schema.json",
           pre=assign(stage="Escalate to Team Leader", sr_status="Pending Approval",
                      sr_sub_status="Pending Approval - TL", owner_role=TL),
           doc="R17: an approval task; if the team leader is away, arrange a call back.")
    d.xor("ds_tl_gw", "Team leader decision?", TL, 13)
    d.xor("ds_action_join", "", CW, 14)
    d.user("ds_carry_out", "Carry out resolution action", CW, 15,
           form="dissat-action.schema.json",
           pre=assign(stage="Resolution Action", sr_status="In Progress", owner_role=CW),
           doc="R11/R16/R17: the plan is carried out, actions marked done.")
    d.letter("ds_5701_done", "CMSL5701", CW, 16, name="Send CMSL5701 (actions complete)",
             doc="R16")
    d.script("ds_close_resolved", "Close: resolved", CW, 17, script=assign(
        stage="Closed/Complete", sr_status="Closed", sr_sub_status="Complete",
        lock_assignment=False, dissatisfaction_result="resolved") + "\n" + history(
        "dissatisfaction"), doc="R16: resolution code Actions complete - Client OK or "
                                "Answered Enquiry.")
    d.end("ds_end_resolved", "Resolved", CW, 18)
    d.script("ds_consolatory", "Consolatory payment referral only", TL, 14, 1, script=assign(
        resolution_code="Actions Complete - Client Not OK",
        referral_type="consolatory_payment", route="consolatory_payment_referral",
        referral_form="CMSF5551",
        complaint_details=Expr("complaint_details + '\\nnon complaint consolatory payment "
                               "referral only'")),
        doc="R17/R18/R19: straight to Complaints Resolution with CMSF5551; left out of "
            "the complaint figures.")
    d.user("ds_chronology", "Prepare referral with chronology", TL, 14,
           form="referral-chronology.schema.json", doc="R17/R18: referral template with a "
                                                       "chronology of events for the BAU G7.")
    d.user("ds_g7", "Decide case conference and escalation", G7, 15,
           form="bau-g7.schema.json", pre=assign(owner_role=G7), doc="R18")
    d.xor("ds_g7_gw", "Escalation authorised?", G7, 16)
    d.script("ds_unresolved", "Record 'Unresolved'", G7, 17, script=assign(
        resolution_code="Unresolved", referral_type="complaint"), doc="R19")
    d.xor("ds_ref_join", "", TL, 18, 1)
    d.xor("ds_staff_gw", "Staff complaint?", TL, 19, 1)
    d.service("ds_staff_mail", "E-mail referral keeping confidentiality", TL, 20,
              op="notify.email", params={"to": "'CMS COMPLAINTS REFERRALS'",
                                         "template": "'staff_complaint_referral'"}, doc="R06")
    d.service("ds_mail", "E-mail referral template", TL, 20, 1, op="notify.email",
              params={"to": "'CMS COMPLAINTS REFERRALS'", "template": "'complaint_referral'"},
              doc="R18")
    d.xor("ds_mail_join", "", TL, 21, 1)
    d.user("ds_inform", "Call the client about the escalation", CW, 22, 1,
           form="escalation-call.schema.json",
           pre=assign(stage="Escalate to Resolution", owner_role=CW), doc="R19")
    d.xor("ds_told_gw", "Told by phone?", CW, 23, 1)
    d.letter("ds_5842", "CMSL5842", CW, 24, 2, name="Send CMSL5842 (escalated)", doc="R19")
    d.xor("ds_told_join", "", CW, 25, 1)
    d.script("ds_close_escalated", "Close: escalated to resolution", CW, 26, 1, script=assign(
        sr_status="Closed", sr_sub_status="Complete", lock_assignment=False,
        dissatisfaction_result=Expr(
            "'consolatory_payment' if referral_type == 'consolatory_payment' else 'escalated'"),
    ) + "\n" + history("dissatisfaction") + "\nreceived_date = today()",
        doc="R19: the tier-1 record is raised today, linked to this one.")
    d.end("ds_end_escalated", "Escalated", CW, 27, 1)

    d.chain("ds_start", "ds_open", "ds_call", "ds_split", "ds_investigate", "ds_join")
    d.flow("ds_split", "ds_phone_gw")
    d.flow("ds_phone_gw", "ds_5700", "no", cond="not phone_contact_made")
    d.flow("ds_phone_gw", "ds_reply_join", "yes", default=True)
    d.chain("ds_5700", "ds_await_reply", "ds_reply_join")
    d.flow("ds_reply_timeout", "ds_reply_join")
    d.flow("ds_reply_join", "ds_join")
    d.chain("ds_join", "ds_plan", "ds_plan_gw")
    d.flow("ds_plan_gw", "ds_5701_plan", "no", cond="not plan_discussed_by_phone")
    d.flow("ds_plan_gw", "ds_agree_gw", "yes", default=True)
    d.flow("ds_5701_plan", "ds_action_join")
    d.flow("ds_agree_gw", "ds_action_join", "yes", cond="client_agrees")
    d.flow("ds_agree_gw", "ds_tl", "no", default=True)
    d.flow("ds_tl", "ds_tl_gw")
    d.flow("ds_tl_gw", "ds_action_join", "agreement reached",
           cond="tl_decision == 'agreement_reached'")
    d.flow("ds_tl_gw", "ds_consolatory", "consolatory payment",
           cond="tl_decision == 'consolatory_payment'")
    d.flow("ds_tl_gw", "ds_chronology", "unable to resolve", default=True)
    d.chain("ds_action_join", "ds_carry_out", "ds_5701_done", "ds_close_resolved",
            "ds_end_resolved")
    d.chain("ds_chronology", "ds_g7", "ds_g7_gw")
    row2 = d.center(CW, 0, 2)[1]
    d.flow("ds_g7_gw", "ds_action_join", "no: carry out agreed actions", default=True,
           via=[(d.nodes["ds_g7_gw"].cx, row2), (d.nodes["ds_action_join"].cx, row2)])
    d.flow("ds_g7_gw", "ds_unresolved", "yes", cond="escalation_authorised")
    d.flow("ds_unresolved", "ds_ref_join")
    d.flow("ds_consolatory", "ds_ref_join")
    d.flow("ds_ref_join", "ds_staff_gw")
    d.flow("ds_staff_gw", "ds_staff_mail", "yes", cond="staff_complaint")
    d.flow("ds_staff_gw", "ds_mail", "no", default=True)
    d.flow("ds_staff_mail", "ds_mail_join")
    d.flow("ds_mail", "ds_mail_join")
    d.flow("ds_mail_join", "ds_inform")
    d.flow("ds_inform", "ds_told_gw")
    d.flow("ds_told_gw", "ds_5842", "no", cond="not client_told_by_phone")
    d.flow("ds_told_gw", "ds_told_join", "yes", default=True)
    d.flow("ds_5842", "ds_told_join")
    d.chain("ds_told_join", "ds_close_escalated", "ds_end_escalated")
    return d


def _payments(d: Diagram, p: str, lane: str, col: int) -> tuple[str, str]:
    """Special payment: assess, Special Payment Team approval above authority, pay (R25/R32)."""
    d.service(f"{p}_assess", "Assess special payment", lane, col, op="payments.assess",
              doc="R25: £250 actual financial loss and £100 consolatory within authority.")
    review = " or payment_needs_review" if p == "rv" else ""
    d.xor(f"{p}_pay_gw", "Payment?", lane, col + 1)
    d.service(f"{p}_spt_mail", "Ask the Special Payment Team", SPT, col + 2, op="notify.email",
              params={"to": "'Special Payment Team'", "template": "'special_payment_approval'"})
    d.user(f"{p}_spt", "Approve special payment", SPT, col + 3,
           form="spt-approval.schema.json", pre=assign(stage="Awaiting Special Payment Team"),
           doc="R25/R32: above delegated authority (or needing a review).")
    d.xor(f"{p}_spt_gw", "Approved?", SPT, col + 4)
    d.script(f"{p}_spt_declined", "Record refusal", SPT, col + 5, script=assign(
        payment_status="declined", payment_total=0))
    d.xor(f"{p}_pay_join", "", lane, col + 5)
    d.service(f"{p}_pay", "Pay the award", lane, col + 6, op="payments.pay")
    d.xor(f"{p}_paid_join", "", lane, col + 7)
    d.flow(f"{p}_assess", f"{p}_pay_gw")
    d.flow(f"{p}_pay_gw", f"{p}_spt_mail", "above authority",
           cond=f"payment_status == 'awaiting_spt'{review}")
    row1 = d.center(lane, 0, 1)[1]
    d.flow(f"{p}_pay_gw", f"{p}_paid_join", "none", cond="payment_status == 'none'",
           via=lambda: [(d.nodes[f"{p}_pay_gw"].cx, row1), (d.nodes[f"{p}_paid_join"].cx, row1)])
    d.flow(f"{p}_pay_gw", f"{p}_pay_join", "within authority", default=True)
    d.chain(f"{p}_spt_mail", f"{p}_spt", f"{p}_spt_gw")
    d.flow(f"{p}_spt_gw", f"{p}_pay_join", "yes", cond="spt_approved")
    d.flow(f"{p}_spt_gw", f"{p}_spt_declined", "no", default=True)
    d.flow(f"{p}_spt_declined", f"{p}_paid_join")
    d.chain(f"{p}_pay_join", f"{p}_pay", f"{p}_paid_join")
    return f"{p}_assess", f"{p}_paid_join"


def _overdue(d: Diagram, p: str, attached: str, days: str, col: int, *, row: int = 1,
             side: int = 1, label: str = "") -> None:
    """Non-interrupting deadline: the team leader gets a task to chase the overdue reply.

    The reply itself stays with the case manager; whether it was late is recorded when the
    tier closes (``answered_late``).
    """
    d.boundary_timer(f"{p}_deadline", label or f"{days} working days", attached, side=side,
                     date=f"working_day_deadline(received_date, {days}, division)",
                     doc="R21/R31: a target that flags overdue work, not a hard stop.")
    d.user(f"{p}_chase", "Chase overdue complaint", TL, col, row,
           form="overdue-chase.schema.json", pre="overdue = True")
    d.end(f"{p}_chase_end", "Chased", TL, col + 1, row)
    d.flow(f"{p}_deadline", f"{p}_chase")
    d.flow(f"{p}_chase", f"{p}_chase_end")


def resolution() -> Diagram:
    d = Diagram("complaint_resolution", "Complaint resolution (tier 1)",
                [(RES, 3), (TL, 2), (SPT, 1)], "Tier 1: complaint resolution (CRT)",
                doc="Seeds 001/003: R20-R29. Receipt date is the date logged as a complaint.")
    d.start("rs_start", "Complaint logged", RES, 0)
    d.script("rs_open", "Open complaint resolution record", RES, 1, script=defaults(
        referral_type=None, upcc=False, vulnerable=False, special_payment={},
        before_provisional_calculation=False) + "\n" + assign(
        tier="resolution", stage="Acknowledge Complaint", sr_status="In Progress",
        owner_role=Expr("'team_leader' if staff_complaint else 'resolution_case_manager'"),
        area=Expr("'Application Complaints' if before_provisional_calculation "
                  "else 'Complaints'"),
        response_due=Expr("working_days_after(received_date, 15, division)"),
        contact_due=Expr("working_days_after(received_date, 2, division)"),
        outcome=None, overdue=False, contact_overdue=False, escalate_to_review=False,
        conference_resolved=False, feedback=None, payment_needs_review=False,
        spt_approved=False), doc="R19/R20/R21: 48 hours read as 2 working days; target "
                                 "15 working days from receipt.")
    d.service("rs_caselist", "Update DG caselist", RES, 2, op="caselist.update",
              params={"stage": "'Acknowledge Complaint'"}, doc="R09")
    d.xor("rs_kind_gw", "Consolatory payment referral only?", RES, 3)
    d.xor("rs_staff_gw", "Staff complaint?", RES, 4)
    d.letter("rs_ack", "ACK_COMPLAINT", RES, 5, name="Acknowledge by post", doc="R20")
    d.user("rs_own", "Take ownership of the staff complaint", TL, 5,
           form="staff-ownership.schema.json", pre=assign(owner_role=TL),
           doc="R06: warm transfer to a complaint resolution team leader.")
    d.letter("rs_staff_ack", "STAFF_ACK", TL, 6, name="Acknowledge staff complaint by letter",
             doc="R06/R22: says only that an investigation will take place.")
    d.xor("rs_ack_join", "", RES, 7)
    d.user("rs_contact", "Initial contact call", RES, 8, form="initial-contact.schema.json",
           due="contact_due", doc="R20/R22: within 48 hours; UPCC clients in writing only.")
    d.boundary_timer("rs_contact_deadline", "2 working days", "rs_contact", interrupting=True,
                     date="working_day_deadline(received_date, 2, division)",
                     doc="R20: the call becomes a late call, flagged on the case.")
    d.xor("rs_resolved_gw", "Resolved on the call?", RES, 9)
    d.xor("rs_plan_gw", "Staff complaint taking longer?", RES, 10)
    d.user("rs_holding_plan", "Agree a resolution plan", RES, 11, 1,
           form="holding-plan.schema.json", doc="R23: counts as meeting the target.")
    d.letter("rs_holding", "HOLDING_REPLY", RES, 12, 1, name="Send holding reply", doc="R23")
    d.xor("rs_plan_join", "", RES, 13)
    d.user("rs_investigate", "Investigate the complaint", RES, 14,
           form="investigate.schema.json", due="response_due",
           doc="R21/R24: establish what happened and the root cause.")
    d.xor("rs_outcome_join", "", RES, 15)
    d.user("rs_outcome", "Decide outcome and redress", RES, 16,
           form="outcome-resolution.schema.json", pre=assign(stage="Outcome"),
           doc="R24/R25/R28: Upheld, Part Upheld or Not Upheld; redress; special payment.")
    entry, done = _payments(d, "rs", RES, 17)
    d.user("rs_tell", "Tell the client the outcome", RES, 25, form="tell-outcome.schema.json",
           pre=assign(stage="Outcome Communicated"),
           doc="R26: amount and how it is paid; always signpost Complaint Review.")
    d.xor("rs_conf_gw", "Case conference?", RES, 26)
    d.user("rs_conference", "Hold case conference", TL, 27, form="case-conference.schema.json",
           doc="R27")
    d.xor("rs_conf_join", "", RES, 28)
    d.letter("rs_letter", "OUTCOME_RESOLUTION", RES, 29, name="Send outcome letter",
             doc="R26: signposts Complaint Review.")
    d.service("rs_systemic", "Record subject (systemic check)", RES, 30, op="systemic.record",
              doc="R29: third closure on one subject within 30 days.")
    d.xor("rs_sys_gw", "Systemic issue raised?", RES, 31)
    d.user("rs_sys_confirm", "Confirm systemic issue", TL, 32,
           form="systemic-confirm.schema.json", doc="R29: the CRT manager keeps the details.")
    d.xor("rs_sys_join", "", RES, 33)
    d.script("rs_close", "Close the complaint", RES, 34, script=assign(
        answered_late=Expr("date_before(response_due, today())"),
        escalate_to_review=Expr("outcome == 'not_upheld' and client_still_dissatisfied "
                                "and not conference_resolved"),
        feedback_due=Expr("days_after(today(), 7 if feedback.get('complexity') == 'simple' "
                          "else 14) if feedback else None"),
        stage="Closed", sr_status="Closed") + "\n" + history("resolution"),
        doc="R26: not upheld and still dissatisfied - escalate proactively; R28: feedback "
            "deadline one week simple, two weeks complex.")
    d.end("rs_end", "Complaint answered", RES, 35, terminate=True,
          doc="Ends any open chase task too.")

    # Stage scripts sit before tasks with deadline timers: a timer keeps the data it started with.
    d.shift(14)
    d.script("rs_investigate_stage", "Start investigation", RES, 14,
             script=assign(stage="Investigate"))
    d.shift(9)
    d.xor("rs_contact_join", "", RES, 9)
    d.user("rs_contact_late", "Initial contact call (late)", RES, 9, 1,
           form="initial-contact.schema.json", pre=assign(contact_overdue=True),
           doc="R20: the 48-hour target was missed.")
    d.shift(8)
    d.script("rs_contact_stage", "Start initial contact", RES, 8, script=assign(
        stage="Initial Contact", contact_channel=Expr("'written' if upcc else 'phone'")))
    _overdue(d, "rs", "rs_investigate", "15", 18)

    d.chain("rs_start", "rs_open", "rs_caselist", "rs_kind_gw")
    row2 = d.center(RES, 0, 2)[1]
    d.flow("rs_kind_gw", "rs_outcome_join", "yes", cond="referral_type == 'consolatory_payment'",
           via=[(d.nodes["rs_kind_gw"].cx, row2 + 15),
                (d.nodes["rs_outcome_join"].cx, row2 + 15)])
    d.flow("rs_kind_gw", "rs_staff_gw", "no", default=True)
    d.flow("rs_staff_gw", "rs_own", "yes", cond="staff_complaint")
    d.flow("rs_staff_gw", "rs_ack", "no", default=True)
    d.chain("rs_own", "rs_staff_ack", "rs_ack_join")
    d.flow("rs_ack", "rs_ack_join")
    d.chain("rs_ack_join", "rs_contact_stage", "rs_contact", "rs_contact_join",
            "rs_resolved_gw")
    d.chain("rs_contact_deadline", "rs_contact_late", "rs_contact_join")
    d.flow("rs_resolved_gw", "rs_outcome_join", "yes", cond="resolved_on_call",
           via=[(d.nodes["rs_resolved_gw"].cx, row2 - 15),
                (d.nodes["rs_outcome_join"].cx, row2 - 15)])
    d.flow("rs_resolved_gw", "rs_plan_gw", "no", default=True)
    d.flow("rs_plan_gw", "rs_holding_plan", "yes",
           cond="staff_complaint and likely_to_exceed_target")
    d.flow("rs_plan_gw", "rs_plan_join", "no", default=True)
    d.chain("rs_holding_plan", "rs_holding", "rs_plan_join")
    d.chain("rs_plan_join", "rs_investigate_stage", "rs_investigate", "rs_outcome_join",
            "rs_outcome", entry)
    d.flow(done, "rs_tell")
    d.flow("rs_tell", "rs_conf_gw")
    d.flow("rs_conf_gw", "rs_conference", "yes", cond="case_conference_worthwhile")
    d.flow("rs_conf_gw", "rs_conf_join", "no", default=True)
    d.flow("rs_conference", "rs_conf_join")
    d.chain("rs_conf_join", "rs_letter", "rs_systemic", "rs_sys_gw")
    d.flow("rs_sys_gw", "rs_sys_confirm", "yes", cond="systemic_issue_raised")
    d.flow("rs_sys_gw", "rs_sys_join", "no", default=True)
    d.flow("rs_sys_confirm", "rs_sys_join")
    d.chain("rs_sys_join", "rs_close", "rs_end")
    return d


def review() -> Diagram:
    d = Diagram("complaint_review", "Complaint review (tier 2)",
                [(REV, 4), (TL, 3), (SPT, 1)], "Tier 2: complaint review (CCRT)",
                doc="Seeds 001/003: R30-R35. Receipt date is the date of the review request.")
    d.start("rv_start", "Review requested", REV, 0)
    d.script("rv_open", "Open complaint review record", REV, 1, script=defaults(
        upcc=False, special_payment={}) + "\n" + assign(
        tier="review", stage="Acknowledge Review", sr_status="In Progress",
        owner_role=Expr("'team_leader' if staff_complaint else 'review_case_manager'"),
        target_days=Expr("20 if correspondence_type == 'pos' else 15"),
        response_due=Expr("working_days_after(received_date, target_days, division)"),
        outcome=None, overdue=False, payment_needs_review=False, spt_approved=False,
        revised_plan_needed=False),
        doc="R31: 15 working days; 20 for POS cases (prepared for a Director's signature).")
    d.service("rv_caselist", "Update DG caselist", REV, 2, op="caselist.update",
              params={"stage": "'Acknowledge Review'"}, doc="R09")
    d.xor("rv_kind_gw", "Official correspondence?", REV, 3)
    # R35 official correspondence: answered, not escalated (rows 2-3 of the lane)
    d.script("rv_draft_stage", "Start the reply", REV, 9, 2, script=assign(
        stage="Draft Reply"))
    d.user("rv_draft", "Draft the reply", REV, 11, 2, form="draft-correspondence.schema.json",
           due="response_due",
           doc="R35: draft (or phone a Treat Official); no signposting to a further tier.")
    d.boundary_timer("rv_corr_deadline", "15/20 working days", "rv_draft",
                     date="working_day_deadline(received_date, target_days, division)",
                     doc="R31: flags overdue work.")
    d.user("rv_corr_chase", "Chase overdue reply", TL, 12, 2, form="overdue-chase.schema.json",
           pre="overdue = True")
    d.end("rv_corr_chase_end", "Chased", TL, 13, 2)
    d.user("rv_agree", "Agree the final version", TL, 12, form="agree-final.schema.json",
           doc="R35: the team leader agrees the final version.")
    d.xor("rv_pos_gw", "POS case?", REV, 13, 2)
    d.user("rv_director", "Send to the Director for signature", REV, 14, 3,
           form="director-signature.schema.json", doc="R35: POS replies are signed by the "
                                                      "appropriate Director.")
    d.xor("rv_sign_join", "", REV, 15, 2)
    d.xor("rv_method_gw", "Reply in writing?", REV, 17, 2)
    d.letter("rv_reply", "OUTCOME_REVIEW", REV, 18, 3, name="Send the reply",
             doc="R35: official correspondence letters carry no signposting.")
    d.xor("rv_reply_join", "", REV, 20, 2)
    d.script("rv_answered", "Record correspondence answered", REV, 21, 2, script=assign(
        stage="Answered", correspondence_answered=True, sr_status="Closed",
    ) + "\n" + history("review"))
    # complaint review (rows 0-1)
    d.xor("rv_staff_gw", "Staff complaint?", REV, 4)
    d.letter("rv_ack", "ACK_REVIEW", REV, 5, name="Acknowledge the review request", doc="R31")
    d.user("rv_own", "Take ownership of the staff complaint", TL, 6,
           form="staff-ownership.schema.json", pre=assign(owner_role=TL),
           doc="R06: warm transfer to a complaint review team leader.")
    d.letter("rv_staff_ack", "STAFF_ACK", TL, 7, name="Acknowledge staff complaint by letter",
             doc="R06/R22")
    d.xor("rv_ack_join", "", REV, 8)
    d.user("rv_contact", "Initial contact", REV, 9, form="initial-contact.schema.json",
           pre=assign(stage="Initial Contact",
                      contact_channel=Expr("'written or SMS' if upcc else 'phone'")),
           doc="R32: UPCC clients get written or SMS contact only.")
    d.user("rv_investigate", "Review the resolution team's handling", REV, 10,
           form="review-investigate.schema.json",
           due="response_due", doc="R30: did the resolution team take all appropriate "
                                   "action?")
    d.xor("rv_revised_gw", "More can be done?", REV, 11)
    d.user("rv_revised", "Issue revised resolution plan", REV, 12, 1,
           form="revised-plan.schema.json", doc="R30: for the client's agreement.")
    d.xor("rv_revised_join", "", REV, 13)
    d.user("rv_outcome", "Decide outcome and redress", REV, 14,
           form="outcome-review.schema.json", pre=assign(stage="Outcome"),
           doc="R24/R32: adds Justified; same redress and special payment rules.")
    entry, done = _payments(d, "rv", REV, 15)
    d.user("rv_tell", "Tell the client the outcome", REV, 23, form="tell-outcome.schema.json",
           pre=assign(stage="Outcome Communicated"), doc="R33: always signpost ICE.")
    d.xor("rv_just_gw", "Justified?", REV, 24)
    d.user("rv_feedback", "Feed back to the resolution team", REV, 25, 1,
           form="justified-feedback.schema.json", doc="R34")
    d.xor("rv_just_join", "", REV, 26)
    d.letter("rv_letter", "OUTCOME_REVIEW", REV, 27, name="Send outcome letter",
             doc="R33: signposts the Independent Case Examiner.")
    d.service("rv_systemic", "Record subject (systemic check)", REV, 28, op="systemic.record",
              doc="R34: third complaint in a row within a month goes on the Systemic Log.")
    d.xor("rv_sys_gw", "Systemic issue raised?", REV, 29)
    d.user("rv_sys_confirm", "Record on the Systemic Log", TL, 30,
           form="systemic-confirm.schema.json", doc="R34")
    d.xor("rv_sys_join", "", REV, 31)
    d.script("rv_close", "Close the review", REV, 32, script=assign(
        answered_late=Expr("date_before(response_due, today())"),
        stage="Closed", sr_status="Closed") + "\n" + history("review"))
    d.xor("rv_end_join", "", REV, 33)
    d.end("rv_end", "Review answered", REV, 34, terminate=True,
          doc="Ends any open chase task too.")

    d.shift(10)
    d.script("rv_investigate_stage", "Start the review", REV, 10,
             script=assign(stage="Investigate"))
    _overdue(d, "rv", "rv_investigate", "target_days", 13, side=-1,
             label="15/20 working days")

    d.chain("rv_start", "rv_open", "rv_caselist", "rv_kind_gw")
    d.flow("rv_kind_gw", "rv_draft_stage", "yes", cond=OFFICIAL)
    d.flow("rv_draft_stage", "rv_draft")
    d.flow("rv_kind_gw", "rv_staff_gw", "no", default=True)
    d.flow("rv_corr_deadline", "rv_corr_chase")
    d.flow("rv_corr_chase", "rv_corr_chase_end")
    d.chain("rv_draft", "rv_agree", "rv_pos_gw")
    d.flow("rv_pos_gw", "rv_director", "yes", cond="correspondence_type == 'pos'")
    d.flow("rv_pos_gw", "rv_sign_join", "no", default=True)
    d.flow("rv_director", "rv_sign_join")
    d.flow("rv_sign_join", "rv_method_gw")
    d.flow("rv_method_gw", "rv_reply", "yes", default=True)
    d.flow("rv_method_gw", "rv_reply_join", "phoned", cond="reply_method == 'phone'")
    d.flow("rv_reply", "rv_reply_join")
    d.flow("rv_reply_join", "rv_answered")
    d.flow("rv_answered", "rv_end_join")
    d.flow("rv_staff_gw", "rv_own", "yes", cond="staff_complaint")
    d.flow("rv_staff_gw", "rv_ack", "no", default=True)
    d.chain("rv_own", "rv_staff_ack", "rv_ack_join")
    d.flow("rv_ack", "rv_ack_join")
    d.chain("rv_ack_join", "rv_contact", "rv_investigate_stage", "rv_investigate",
            "rv_revised_gw")
    d.flow("rv_revised_gw", "rv_revised", "yes", cond="revised_plan_needed")
    d.flow("rv_revised_gw", "rv_revised_join", "no", default=True)
    d.flow("rv_revised", "rv_revised_join")
    d.chain("rv_revised_join", "rv_outcome", entry)
    d.flow(done, "rv_tell")
    d.flow("rv_tell", "rv_just_gw")
    d.flow("rv_just_gw", "rv_feedback", "yes", cond="outcome == 'justified'")
    d.flow("rv_just_gw", "rv_just_join", "no", default=True)
    d.flow("rv_feedback", "rv_just_join")
    d.chain("rv_just_join", "rv_letter", "rv_systemic", "rv_sys_gw")
    d.flow("rv_sys_gw", "rv_sys_confirm", "yes", cond="systemic_issue_raised")
    d.flow("rv_sys_gw", "rv_sys_join", "no", default=True)
    d.flow("rv_sys_confirm", "rv_sys_join")
    d.chain("rv_sys_join", "rv_close", "rv_end_join", "rv_end")
    return d
