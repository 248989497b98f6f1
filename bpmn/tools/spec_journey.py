"""The journey (``complaint_journey``) and intake/triage (``complaint_intake``) diagrams."""

from __future__ import annotations

from bpmngen import Diagram
from common import Expr, assign, defaults

CW, TL, RES, REV = "caseworker", "team_leader", "resolution_case_manager", "review_case_manager"
ICE, PHSO, DISP, LEGAL = "ice_liaison", "phso_team", "disputes_team", "legal_team"


def journey() -> Diagram:
    d = Diagram(
        "complaint_journey", "Child maintenance complaint journey",
        [(CW, 2), (RES, 2), (REV, 1), (ICE, 2), (PHSO, 2), (DISP, 1), (LEGAL, 1)],
        "Child Maintenance Service: complaint journey",
        doc="Every tier is its own diagram, called here by call activity. Rules: DOMAIN.md "
            "R01-R57; rule-to-element table: docs/rules.md.",
    )
    d.start("j_start", "Contact received", CW, 0)
    d.script("j_open", "Open case record", CW, 1, script=defaults(
        received_date=Expr("today()"), division="england-and-wales", case_open=True,
        correspondence_type="client", staff_complaint=False, high_profile=False,
        parliamentary_contact=False, subject="general", tier_history=[], overdue=False,
        outcome=None, response_due=None,
    ) + "\n" + assign(tier="dissatisfaction", stage="Log Complaint", owner_role=CW),
        doc="Gives every case-data key the diagrams read a value (R10); keeps what the "
            "caller sent.")
    d.call("j_intake", "Intake and triage", CW, 2, called="complaint_intake",
           doc="R01-R07, R09: log the contact and triage it (triage.dmn).")
    d.xor("j_route", "Route?", CW, 3)
    d.end("j_end_refused", "Not accepted (letter sent)", CW, 4, 1,
          doc="R01/R04: closed with its reason and a REFUSAL letter in intake.")
    d.call("j_dissat", "Dissatisfaction (tier 0)", CW, 4, called="complaint_dissatisfaction",
           doc="R10-R19")
    d.xor("j_dissat_gw", "Resolved?", CW, 5)
    d.xor("j_res_join", "", RES, 5)
    d.call("j_resolution", "Complaint resolution (tier 1)", RES, 6,
           called="complaint_resolution", doc="R20-R29")
    d.xor("j_res_gw", "Escalate proactively?", RES, 7)
    d.receive("j_await_review", "Await review request", RES, 8, 1, message="review_requested",
              var="review_request",
              doc="R26: the outcome letter signposts Complaint Review; R03: within 6 months.")
    d.boundary_timer("j_review_timeout", "6 months, no request", "j_await_review",
                     duration='"P6M"', interrupting=True)
    d.script("j_review_logged", "Log review request", RES, 9, 1, script=(
        "received_date = review_request.get('received_date') or today()\n"
        "escalate_to_review = True"), doc="Receipt date of tier 2 = date of the request.")
    d.xor("j_rev_join", "", REV, 10)
    d.call("j_review", "Complaint review (tier 2)", REV, 11, called="complaint_review",
           doc="R30-R35")
    d.xor("j_rev_gw", "Official correspondence?", REV, 12,
          doc="R35: official correspondence is answered, not escalated.")
    d.receive("j_await_ice", "Await ICE referral", ICE, 13, message="ice_referral",
              var="ice_referral", doc="R33/R40: the review outcome signposts ICE.")
    d.boundary_message("j_phso_first", "PHSO summary (MP referral)", "j_await_ice",
                       message="phso_summary", var="phso_summary", interrupting=True, side=-1,
                       doc="R45: ICE is offered, not required, before the PHSO.")
    d.boundary_timer("j_ice_timeout", "6 months, no referral", "j_await_ice",
                     duration='"P6M"', interrupting=True)
    d.call("j_ice", "Independent Case Examiner (tier 3)", ICE, 14, called="complaint_ice",
           doc="R40-R42")
    d.xor("j_ice_gw", "Passed the ICE gateway?", ICE, 15)
    d.receive("j_await_phso", "Await PHSO summary", PHSO, 16, message="phso_summary",
              var="phso_summary", doc="R45: only an MP can refer a complaint to the PHSO.")
    d.boundary_timer("j_phso_timeout", "12 months, no referral", "j_await_phso",
                     duration='"P12M"', interrupting=True)
    d.xor("j_phso_join", "", PHSO, 17, 1)
    d.call("j_phso", "Ombudsman (tier 4)", PHSO, 18, 1, called="complaint_phso",
           doc="R45-R48")
    d.call("j_appeal", "Appeal branch", DISP, 4, called="complaint_appeal", doc="R50-R57")
    d.xor("j_close_join", "", CW, 19, 1)
    d.script("j_close", "Close case", CW, 20, 1, script=assign(
        closed_at_tier=Expr("tier"), tier="closed", stage="Closed", owner_role=None))
    d.service("j_caselist_closed", "Close DG caselist entry", CW, 21, 1, op="caselist.update",
              params={"closed": "True"}, doc="R09")
    d.end("j_end", "Case closed", CW, 22, 1)

    # The stage is set before each wait: a boundary timer keeps the data it started with.
    d.shift(16)
    d.script("j_phso_wait_stage", "Await ombudsman", PHSO, 16, script=assign(
        stage="Awaiting PHSO summary", owner_role=PHSO))
    d.shift(13)
    d.script("j_ice_wait_stage", "Await ICE", ICE, 13, script=assign(
        stage="Awaiting ICE referral", owner_role=ICE))
    d.shift(8)
    d.script("j_review_wait_stage", "Await review request", RES, 8, 1, script=assign(
        stage="Awaiting review request"))
    d.chain("j_start", "j_open", "j_intake", "j_route")
    d.flow("j_route", "j_end_refused", "refused",
           cond="route in ('refused', 'options_referral')")
    d.flow("j_route", "j_dissat", "dissatisfaction", cond="route == 'dissatisfaction'")
    d.flow("j_route", "j_appeal", "appealable decision", cond="route == 'appeal'")
    d.flow("j_route", "j_rev_join", "review / official correspondence",
           cond="route in ('review', 'official_correspondence')")
    d.flow("j_route", "j_res_join", "new complaint", default=True)
    d.flow("j_dissat", "j_dissat_gw")
    d.flow("j_dissat_gw", "j_res_join", "escalated", default=True)
    d.flow("j_dissat_gw", "j_close_join", "resolved",
           cond="dissatisfaction_result == 'resolved'")
    d.chain("j_res_join", "j_resolution", "j_res_gw")
    d.flow("j_res_gw", "j_rev_join", "yes", cond="escalate_to_review")
    d.flow("j_res_gw", "j_review_wait_stage", "no", default=True)
    d.flow("j_review_wait_stage", "j_await_review")
    d.flow("j_await_review", "j_review_logged")
    d.flow("j_review_logged", "j_rev_join")
    d.flow("j_review_timeout", "j_close_join")
    d.chain("j_rev_join", "j_review", "j_rev_gw")
    close_x = d.nodes["j_close_join"].cx  # flows from lower lanes rise into the close
    d.flow("j_rev_gw", "j_close_join", "yes", cond="correspondence_type in "
           "('mp_to_dg', 'treat_official', 'pos')", via=[(close_x, d.nodes["j_rev_gw"].cy)])
    d.flow("j_rev_gw", "j_ice_wait_stage", "no", default=True)
    d.flow("j_ice_wait_stage", "j_await_ice")
    d.flow("j_await_ice", "j_ice")
    d.flow("j_phso_first", "j_phso_join")
    d.flow("j_ice_timeout", "j_close_join")
    d.flow("j_ice", "j_ice_gw")
    d.flow("j_ice_gw", "j_phso_wait_stage", "yes", default=True)
    d.flow("j_phso_wait_stage", "j_await_phso")
    d.flow("j_ice_gw", "j_close_join", "no: referred back",
           cond="ice_result == 'gateway_failed'", via=[(close_x, d.nodes["j_ice_gw"].cy)])
    d.flow("j_await_phso", "j_phso_join")
    d.flow("j_phso_timeout", "j_close_join")
    d.chain("j_phso_join", "j_phso")
    d.flow("j_phso", "j_close_join", via=[(close_x, d.nodes["j_phso"].cy)])
    d.flow("j_appeal", "j_close_join", via=[(close_x, d.nodes["j_appeal"].cy)])
    d.chain("j_close_join", "j_close", "j_caselist_closed", "j_end")

    sp = d.event_subprocess("j_jr", "Judicial review (any time, R56)", LEGAL, (0, 2))
    d.start("j_jr_claimed", "Judicial review claimed", LEGAL, 0, parent=sp,
            message="judicial_review_claimed", var="judicial_review", interrupting=False)
    d.user("j_jr_respond", "Respond to judicial review claim", LEGAL, 1, parent=sp,
           form="judicial-review.schema.json", doc="R56: any time, any matter of the case.")
    d.end("j_jr_done", "Claim answered", LEGAL, 2, parent=sp)
    d.chain("j_jr_claimed", "j_jr_respond", "j_jr_done")
    return d


INTAKE_DEFAULTS = dict(
    source="client", addressee="business_in_general", contact_type="dissatisfaction",
    case_closed_date=None, about_options="no", appealable_decision=False, decision_date=None,
    resolution_closed_date=None, contests_outcome=False, previous_dissatisfaction_date=None,
    before_provisional_calculation=False, high_profile=False, parliamentary_contact=False,
    staff_complaint=False, correspondence_type="client", upcc=False, vulnerable=False,
)


def intake() -> Diagram:
    d = Diagram("complaint_intake", "Intake and triage", [(CW, 3), (TL, 1)],
                "Intake and triage (Log Complaint)",
                doc="Seed 002 'Log Complaint': R01-R07, R09. The triage rules are the decision "
                    "table triage.dmn.")
    d.start("in_start", "Contact received", CW, 0)
    d.script("in_prepare", "Prepare contact record", CW, 1,
             script=defaults(**INTAKE_DEFAULTS) + "\n" + assign(stage="Log Complaint",
                                                                  owner_role=CW),
             doc="Defaults for the triage facts the caseworker may leave out.")
    d.user("in_log", "Log contact and triage facts", CW, 2, form="log-contact.schema.json",
           doc="R03/R10: source, addressee, parliamentary contact, complaint details "
               "(mandatory), the facts triage needs.")
    d.rule("in_triage", "Triage", CW, 3, decision="triage",
           doc="R01-R05, R07: decision table 'triage' sets route and refusal_reason.")
    d.script("in_record", "Record triage decision", CW, 4, script=(
        "parliamentary_contact = parliamentary_contact or source == 'mp'\n"
        "high_profile = high_profile or route == 'high_profile'"), doc="R07/R09")
    d.xor("in_route", "Accepted?", CW, 5)
    d.script("in_refuse", "Close as not accepted", CW, 6, 2, script=assign(
        tier="refused", stage="Closed - not accepted", outcome=None),
        doc="R01/R04: a refused complaint is closed with its reason and a letter.")
    d.letter("in_refusal_letter", "REFUSAL", CW, 7, 2, name="Send REFUSAL letter")
    d.end("in_end_refused", "Not accepted", CW, 8, 2)
    d.xor("in_hp_gw", "High profile?", CW, 6)
    d.service("in_hp_mail", "Refer to CMG Operations Director's Office", CW, 7, 1,
              op="notify.email", params={"to": "\"CMG Operations Director's Office\"",
                                         "template": "'high_profile_referral'"}, doc="R03")
    d.xor("in_hp_join", "", CW, 8)
    d.xor("in_options_gw", "Part about CM Options?", CW, 9)
    d.service("in_options_mail", "Refer Options part to CM Options", CW, 10, 1,
              op="notify.email", params={"to": "'CM Options'", "template": "'options_referral'"},
              doc="R04: internal e-mail; the address never reaches a client.")
    d.xor("in_options_join", "", CW, 11)
    d.xor("in_staff_gw", "About a member of staff?", CW, 12)
    d.user("in_staff_confidential", "Redact and secure staff complaint", TL, 13,
           form="staff-confidential.schema.json",
           pre=assign(owner_role=TL), doc="R06: team leader owns it; no staff details.")
    d.service("in_remove_staff_data", "Removal of Data request", TL, 14,
              op="confidential.remove_staff_data", doc="R06")
    d.xor("in_staff_join", "", CW, 15)
    d.service("in_caselist", "Update DG caselist", CW, 16, op="caselist.update",
              params={"stage": "'Log Complaint'"}, doc="R09: no-op unless on the caselist.")
    d.end("in_end", "Triaged", CW, 17)

    d.chain("in_start", "in_prepare", "in_log", "in_triage", "in_record", "in_route")
    d.flow("in_route", "in_refuse", "no", cond="route in ('refused', 'options_referral')")
    d.chain("in_refuse", "in_refusal_letter", "in_end_refused")
    d.flow("in_route", "in_hp_gw", "yes", default=True)
    d.flow("in_hp_gw", "in_hp_mail", "yes", cond="high_profile")
    d.flow("in_hp_gw", "in_hp_join", "no", default=True)
    d.flow("in_hp_mail", "in_hp_join")
    d.flow("in_hp_join", "in_options_gw")
    d.flow("in_options_gw", "in_options_mail", "mixed", cond="about_options == 'mixed'")
    d.flow("in_options_gw", "in_options_join", "no", default=True)
    d.flow("in_options_mail", "in_options_join")
    d.flow("in_options_join", "in_staff_gw")
    d.flow("in_staff_gw", "in_staff_confidential", "yes", cond="staff_complaint")
    d.flow("in_staff_gw", "in_staff_join", "no", default=True)
    d.chain("in_staff_confidential", "in_remove_staff_data", "in_staff_join")
    d.chain("in_staff_join", "in_caselist", "in_end")
    return d
