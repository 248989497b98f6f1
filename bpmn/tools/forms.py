"""JSON Schema (draft 2020-12) forms for every user task, written next to the diagrams.

Each form closes its object (``additionalProperties: false``): a caseworker cannot add a field
the diagram does not expect, which is also how no staff identity reaches a record (R06).
Choices carry a machine value and the label caseworkers know (``oneOf`` of ``const``/``title``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def form(title: str, props: Schema, required: list[str], description: str = "",
         **extra: Any) -> Schema:
    schema: Schema = {"$schema": DRAFT, "title": title}
    if description:
        schema["description"] = description
    schema.update({"type": "object", "properties": props, "required": required,
                   "additionalProperties": False, **extra})
    return schema


def choice(title: str, *options: tuple[str, str], description: str = "") -> Schema:
    field: Schema = {"title": title, "type": "string",
                     "oneOf": [{"const": value, "title": label} for value, label in options]}
    if description:
        field["description"] = description
    return field


def text(title: str, description: str = "", *, required: bool = True) -> Schema:
    field: Schema = {"title": title, "type": "string"}
    if required:
        field["minLength"] = 1
    if description:
        field["description"] = description
    return field


def flag(title: str, description: str = "", default: bool | None = None) -> Schema:
    field: Schema = {"title": title, "type": "boolean"}
    if description:
        field["description"] = description
    if default is not None:
        field["default"] = default
    return field


def confirm(title: str) -> Schema:
    return {"title": title, "type": "boolean", "const": True}


def day(title: str, description: str = "") -> Schema:
    field: Schema = {"title": title, "type": "string", "format": "date"}
    if description:
        field["description"] = description
    return field


def strings(title: str, min_items: int = 0) -> Schema:
    return {"title": title, "type": "array", "items": {"type": "string", "minLength": 1},
            "minItems": min_items}


def money(title: str) -> Schema:
    return {"title": title, "type": "number", "minimum": 0}


OUTCOMES = (("upheld", "Upheld"), ("part_upheld", "Part Upheld"), ("not_upheld", "Not Upheld"))
JUSTIFIED = ("justified", "Justified")
ROOT_CAUSES = (("caseworker_error", "Caseworker error"), ("system_error", "System error"),
               ("process", "Process or policy"), ("third_party", "Third party"),
               ("client", "Client action"), ("no_error", "No error found"))
ACTION_TYPES = (("corrective_action", "Corrective Action"), ("apology", "Apology"),
                ("application_fee_refund", "Application Fee Refund"),
                ("admin_account_payment", "Admin Account Payment"))
CONTACT = (("phone", "Phone"), ("letter", "Letter"), ("sms", "SMS text"))


def plan(statuses: tuple[tuple[str, str], ...] = (("draft", "Draft"), ("approved", "Approved"),
                                                  ("done", "Done")), min_items: int = 1
         ) -> Schema:
    """R14: a resolution plan is a list of actions, each linked to a reason."""
    item = {
        "type": "object",
        "properties": {
            "type": choice("Action", *ACTION_TYPES),
            "description": text("What we will do", required=False),
            "reason": text("Reason it answers"),
            "due_date": day("Due date"),
            "status": choice("Status", *statuses),
            "client_approved": flag("Client approved"),
        },
        "required": ["type", "reason", "due_date", "status", "client_approved"],
        "additionalProperties": False,
    }
    return {"title": "Resolution plan", "type": "array", "items": item, "minItems": min_items}


def reasons() -> Schema:
    item = {"type": "object", "properties": {
        "reason": text("Reason"),
        "type": choice("Type", ("service", "Service"), ("delay", "Delay"),
                       ("error", "Error"), ("communication", "Communication"),
                       ("other", "Other")),
    }, "required": ["reason", "type"], "additionalProperties": False}
    return {"title": "Reasons", "type": "array", "items": item, "minItems": 1}


def special_payment() -> Schema:
    return {"title": "Special payment (pounds)", "type": "object", "properties": {
        "financial_loss": money("Actual financial loss"),
        "consolatory": money("Consolatory payment"),
    }, "additionalProperties": False,
        "description": "R25: within £250 loss and £100 consolatory the case manager pays; "
                       "above goes to the Special Payment Team."}


def outcome_form(title: str, options: tuple[tuple[str, str], ...], *, review: bool) -> Schema:
    props: Schema = {
        "outcome": choice("Outcome", *options, description="R24"),
        "outcome_explanation": text("What we found and why"),
        "issues": strings("Issues raised (one per line)", 1),
        "redress": {"title": "Redress", "type": "array", "items": choice(
            "Redress", ("apology", "Apology"),
            ("assurance", "Assurance of remedial action"),
            ("corrective_action", "Corrective action"),
            ("special_payment", "Special payment"))},
        "special_payment": special_payment(),
        "additional_evidence_invited": flag(
            "Client invited to supply more evidence first",
            "R25: with insufficient evidence for a special payment."),
        "hr_assurance": choice("Staff complaint: assurance HR guidance was followed",
                               ("assured", "Assured"), ("not_assured", "Not assured"),
                               ("not_applicable", "Not a staff complaint")),
        "subject": text("Subject category (recategorise before closing)", "R29",
                        required=False),
        "feedback": {"title": "Feedback to a team", "type": "object", "properties": {
            "team": text("Team or site"),
            "recommendation": text("Remedial recommendation"),
            "complexity": choice("Complexity", ("simple", "Simple (one week)"),
                                 ("complex", "Complex (two weeks or more)")),
        }, "required": ["team", "recommendation", "complexity"], "additionalProperties": False,
            "description": "R28: the agreed deadline follows from the complexity."},
    }
    if review:
        props["payment_needs_review"] = flag(
            "Payment needs a review", "R32: such payments also go to the Special Payment Team.")
    rules = [
        {"if": {"properties": {"hr_assurance": {"const": "not_assured"}},
                "required": ["hr_assurance"]},
         "then": {"properties": {"outcome": {"const": "upheld"}}}},
        {"if": {"properties": {"outcome": {"const": "part_upheld"}}, "required": ["outcome"]},
         "then": {"properties": {"issues": {"minItems": 2}}}},
    ]
    return form(title, props, ["outcome", "outcome_explanation", "issues"],
                "R24: without assurance for a staff complaint it must be upheld; Part Upheld "
                "needs more than one issue.", allOf=rules)


def _dispute() -> Schema:
    """The dispute / reconsideration facts the letters print (R51-R53)."""
    return {"title": "Decision disputed", "type": "object", "properties": {
        "date": day("Date of the dispute"),
        "decision": text("Decision disputed"),
        "steps": strings("Steps we will take"),
        "days_to_act": {"title": "Days to act", "type": "integer", "minimum": 1},
        "decision_changed": flag("Decision changed"),
    }, "required": ["date", "decision", "decision_changed"], "additionalProperties": False}


COMPLAINTS: dict[str, Schema] = {
    "log-contact.schema.json": form("Log contact", {
        "source": choice("Raised by", ("client", "Client"),
                         ("representative", "Client's representative"),
                         ("mp", "Member of Parliament"), ("ice", "Independent Case Examiner"),
                         ("phso", "Parliamentary and Health Service Ombudsman")),
        "addressee": choice("Addressed to", ("cmg", "CMG"), ("minister", "Minister"),
                            ("chief_executive", "Chief Executive"),
                            ("treat_official", "Treat Official"),
                            ("business_in_general", "Business in general")),
        "contact_type": choice("Contact", ("dissatisfaction", "Dissatisfaction"),
                               ("complaint", "Complaint caseworker and team leader could "
                                             "not resolve"),
                               ("enquiry", "Enquiry, not a complaint"),
                               ("effective_date_challenge", "Effective Date - Client "
                                                            "Challenge")),
        "correspondence_type": choice("Correspondence", ("client", "Client contact"),
                                      ("mp", "MP letter"), ("mp_to_dg", "MP to Director General"),
                                      ("treat_official", "Treat Official"),
                                      ("pos", "POS (Director's signature)")),
        "complaint_details": text("Complaint details", "R10: mandatory notes on the client's "
                                                       "issue."),
        "subject": text("Subject category"),
        "issues": strings("Issues raised"),
        "parliamentary_contact": flag("Parliamentary contact involved", default=False),
        "high_profile": flag("High profile", "Credible threat of bad publicity, or a client "
                                             "who has harmed themselves or others.",
                             default=False),
        "staff_complaint": flag("About a member of staff", "R06: record no staff details.",
                                default=False),
        "vulnerable": flag("Vulnerable client", default=False),
        "upcc": flag("Unreasonable persistent customer contact (written contact only)",
                     default=False),
        "case_open": flag("Case open (payments continue)", default=True),
        "case_closed_date": day("Case closed on", "Leave empty while the case is open (R01)."),
        "about_options": choice("About the CM Options service", ("no", "No"),
                                ("only", "Only about Options"), ("mixed", "Partly")),
        "appealable_decision": flag("About an appealable decision", default=False),
        "decision_date": day("Date of the original decision", "R51/R52: a revision counts "
                                                              "from the decision it revises."),
        "resolution_closed_date": day("Resolution complaint on this issue closed on"),
        "contests_outcome": flag("Client contests that complaint's outcome", default=False),
        "previous_dissatisfaction_date": day("Previous dissatisfaction on this issue on"),
        "before_provisional_calculation": flag("Applications stage, before the provisional "
                                               "calculation", default=False),
        "received_date": day("Received on"),
    }, ["source", "contact_type", "complaint_details", "subject"],
        "Seed 002 'Log Complaint' (R03, R10).",
        allOf=[{"if": {"anyOf": [
            {"properties": {"appealable_decision": {"const": True}},
             "required": ["appealable_decision"]},
            {"properties": {"contact_type": {"const": "effective_date_challenge"}},
             "required": ["contact_type"]}]},
            "then": {"required": ["decision_date"]}}]),
    "staff-confidential.schema.json": form("Staff complaint: confidentiality", {
        "letter_redacted": confirm("Inbound letter redacted before it was attached"),
        "original_letter": choice("The original letter", (
            "sent_to_line_manager", "Sent by secure post to the line manager"),
            ("retained_by_team_leader", "Kept securely by the team leader, to be destroyed")),
        "manager_told_offline": confirm("Line manager told offline"),
    }, ["letter_redacted", "original_letter", "manager_told_offline"],
        "R06: no staff details and no disciplinary action are recorded."),
    "judicial-review.schema.json": form("Judicial review claim", {
        "matter": text("Matter of the case the claim concerns"),
        "response_summary": text("Response"),
        "response_date": day("Responded on"),
    }, ["matter", "response_summary"], "R56"),
    "dissat-call.schema.json": form("Call the client", {
        "phone_contact_made": flag("Reached the client by phone"),
        "complaint_details": text("Complaint details", required=False),
    }, ["phone_contact_made"], "R13: if not, CMSL5700 gives the client 14 days."),
    "dissat-investigate.schema.json": form("Reasons and root cause", {
        "reasons": reasons(),
        "root_cause": choice("Root cause", *ROOT_CAUSES),
        "complaint_details": text("Complaint details", required=False),
    }, ["reasons", "root_cause"], "R14"),
    "dissat-plan.schema.json": form("Resolution plan", {
        "resolution_plan": plan(),
        "plan_discussed_by_phone": flag("Plan discussed with the client by phone"),
        "client_agrees": flag("Client agrees (or, not reached, the plan stands)"),
    }, ["resolution_plan", "plan_discussed_by_phone", "client_agrees"], "R14/R15"),
    "tl-decision.schema.json": form("Team leader approval", {
        "tl_decision": choice("Decision", ("agreement_reached", "Agreement reached"),
                              ("consolatory_payment", "Agreement, but the client wants a "
                                                      "consolatory payment"),
                              ("unable_to_resolve", "Unable to resolve: complaint authorised")),
        "resolution_plan": plan(min_items=0),
        "complaint_details": text("Complaint details", required=False),
        "callback_arranged": flag("Call back arranged (team leader was not available)"),
    }, ["tl_decision"], "R17"),
    "dissat-action.schema.json": form("Carry out resolution action", {
        "resolution_plan": plan((("done", "Done"), ("not_required", "Not Required"))),
        "resolution_code": choice("Resolution code",
                                  ("Actions complete - Client OK", "Actions complete - Client OK"),
                                  ("Answered Enquiry", "Answered Enquiry")),
        "complaint_details": text("Complaint details", required=False),
    }, ["resolution_plan", "resolution_code"], "R16"),
    "referral-chronology.schema.json": form("Referral to the BAU G7", {
        "chronology": {"title": "Chronology of events", "type": "array", "minItems": 1,
                       "items": {"type": "object", "properties": {
                           "date": day("Date"), "event": text("What happened")},
                           "required": ["date", "event"], "additionalProperties": False}},
        "referral_summary": text("Referral summary"),
    }, ["chronology", "referral_summary"], "R18"),
    "bau-g7.schema.json": form("BAU G7 decision", {
        "case_conference": flag("Hold a case conference"),
        "escalation_authorised": flag("Escalation to Complaints Resolution authorised"),
        "g7_notes": text("Notes", required=False),
    }, ["case_conference", "escalation_authorised"], "R18"),
    "escalation-call.schema.json": form("Tell the client about the escalation", {
        "client_told_by_phone": flag("Client told by phone"),
    }, ["client_told_by_phone"], "R19: if not, CMSL5842."),
    "staff-ownership.schema.json": form("Take ownership of a staff complaint", {
        "ownership_accepted": confirm("I own this complaint"),
        "assurance_requested": flag("Assurance requested from line management",
                                    "R06: line management investigates; we seek assurance."),
    }, ["ownership_accepted"], "R06"),
    "initial-contact.schema.json": form("Initial contact", {
        "contact_method": choice("Contact made by", *CONTACT),
        "issues": strings("Issues the client wants investigated", 1),
        "resolution_sought": text("Resolution the client seeks", required=False),
        "resolved_on_call": flag("Resolved on this call"),
        "likely_to_exceed_target": flag("Likely to take longer than the target",
                                        "R23: staff complaints."),
        "vulnerability_considered": flag("Vulnerability considered before contact"),
    }, ["contact_method", "issues", "resolved_on_call"], "R20/R22/R32"),
    "holding-plan.schema.json": form("Resolution plan and holding reply", {
        "resolution_plan": plan(),
        "holding_reply_summary": text("Progress update for the client"),
    }, ["resolution_plan", "holding_reply_summary"], "R23"),
    "investigate.schema.json": form("Investigate the complaint", {
        "findings": text("What happened, what should have happened, where we went wrong"),
        "root_cause": choice("Root cause", *ROOT_CAUSES),
        "reasons": reasons(),
    }, ["findings", "root_cause"], "R21"),
    "outcome-resolution.schema.json": outcome_form("Outcome and redress", OUTCOMES,
                                                   review=False),
    "outcome-review.schema.json": outcome_form("Review outcome and redress",
                                               (*OUTCOMES, JUSTIFIED), review=True),
    "spt-approval.schema.json": form("Special Payment Team approval", {
        "spt_approved": flag("Approved"),
        "spt_notes": text("Notes", required=False),
    }, ["spt_approved"], "R25/R32"),
    "tell-outcome.schema.json": form("Tell the client the outcome", {
        "contact_method": choice("Told by", *CONTACT),
        "client_still_dissatisfied": flag("Client clearly remains dissatisfied"),
        "case_conference_worthwhile": flag("A little extra work could resolve it",
                                           "R27: consider a case conference."),
    }, ["client_still_dissatisfied"], "R26/R33"),
    "case-conference.schema.json": form("Case conference", {
        "conference_notes": text("Agreed extra steps"),
        "conference_resolved": flag("Resolved by the extra steps"),
    }, ["conference_notes", "conference_resolved"], "R27"),
    "overdue-chase.schema.json": form("Overdue complaint", {
        "action_agreed": text("Action agreed with the case manager"),
        "revised_date": day("Expected reply date"),
    }, ["action_agreed"], "R21/R31"),
    "systemic-confirm.schema.json": form("Systemic issue", {
        "systemic_confirmed": flag("A systemic issue"),
        "systemic_details": text("Details for the manager / Systemic Log"),
    }, ["systemic_confirmed", "systemic_details"], "R29/R34"),
    "review-investigate.schema.json": form("Review the resolution team's handling", {
        "findings": text("Findings"),
        "all_appropriate_action_taken": flag("The resolution team took all appropriate action"),
        "revised_plan_needed": flag("More can be done: revised resolution plan"),
        "hr_assurance": choice("Staff complaint: assurance HR guidance was followed",
                               ("assured", "Assured"), ("not_assured", "Not assured"),
                               ("not_applicable", "Not a staff complaint")),
    }, ["findings", "all_appropriate_action_taken", "revised_plan_needed"], "R30"),
    "revised-plan.schema.json": form("Revised resolution plan", {
        "resolution_plan": plan(),
        "client_agrees": flag("Client agrees"),
    }, ["resolution_plan", "client_agrees"], "R30"),
    "justified-feedback.schema.json": form("Feedback to the resolution team", {
        "feedback_summary": text("Feedback on their complaint handling"),
    }, ["feedback_summary"], "R34"),
    "draft-correspondence.schema.json": form("Draft the reply", {
        "reply_method": choice("Reply by", ("letter", "Letter"),
                               ("phone", "Phone (Treat Official only)")),
        "draft_summary": text("Draft reply"),
        "outcome": choice("Outcome on the points raised", *OUTCOMES, JUSTIFIED,
                          description="R24: printed in the reply; no further tier (R35)."),
        "signpost_to": {"title": "Point the client to", "type": "array", "items": choice(
            "Body", ("operations", "Operations (agreed contact)"),
            ("citizens_advice", "Citizens Advice"),
            ("other_department", "Another government department"))},
    }, ["reply_method", "draft_summary", "outcome"], "R35: no signposting to a further tier."),
    "agree-final.schema.json": form("Agree the final version", {
        "final_version_agreed": confirm("Final version agreed"),
    }, ["final_version_agreed"], "R35"),
    "director-signature.schema.json": form("Director's signature", {
        "sent_to_director": confirm("Documents e-mailed to the Director"),
        "signed": flag("Signed"),
    }, ["sent_to_director", "signed"], "R35"),
    "ice-gateway.schema.json": form("ICE gateway", {
        "gateway_passed": flag("Passes the ICE gateway"),
        "gateway_notes": text("Notes", required=False),
        "referred_to": choice("If not: referred to", ("resolution", "Complaints Resolution"),
                              ("review", "Complaint Review"), ("operations", "Operations")),
    }, ["gateway_passed"], "R41",
        allOf=[{"if": {"properties": {"gateway_passed": {"const": False}},
                       "required": ["gateway_passed"]},
                "then": {"required": ["referred_to"]}}]),
    "ice-papers.schema.json": form("Case papers to ICE", {
        "papers_sent_date": day("Sent on"),
    }, ["papers_sent_date"], "R42"),
    "ice-actions.schema.json": form("ICE recommendations", {
        "actions_completed": strings("Actions completed"),
        "ice_actions_done": confirm("All recommended actions done"),
    }, ["ice_actions_done"], "R42"),
    "phso-response.schema.json": form("Response to the ombudsman", {
        "draft_response_summary": text("Draft response"),
        "response_sent_date": day("Sent on"),
    }, ["draft_response_summary"], "R46/R48"),
    "phso-actions.schema.json": form("Ombudsman's recommendations", {
        "case_actions_completed": confirm("Case-specific actions done"),
        "systemic_recommendations": strings("Systemic recommendations"),
    }, ["case_actions_completed", "systemic_recommendations"],
        "R47: systemic recommendations go to the Director of Corporate Affairs."),
    "mr-decision.schema.json": form("Mandatory reconsideration", {
        "dispute": _dispute(),
        "mr_notes": text("Reconsideration notes", required=False),
    }, ["dispute"], "R51"),
    "dispute.schema.json": form("Dispute", {
        "dispute": _dispute(),
        "client_reached_by_phone": flag("Client reached by phone"),
        "client_agreed_plan": flag("Client agreed the plan"),
        "appeal_explained": flag("Appeal process, court attendance and outcomes explained"),
        "client_wants_appeal": flag("Client still wants to appeal"),
    }, ["dispute", "client_reached_by_phone", "client_agreed_plan", "appeal_explained",
        "client_wants_appeal"], "R52/R53",
        allOf=[{"if": {"properties": {"client_wants_appeal": {"const": True}},
                       "required": ["client_wants_appeal"]},
                "then": {"properties": {"appeal_explained": {"const": True}}}}]),
    "log-appeal.schema.json": form("Log the appeal", {
        "appeal_grounds": text("Grounds of appeal"),
        "appeal_logged_date": day("Logged on"),
    }, ["appeal_grounds"], "R52"),
    "appeal-review.schema.json": form("Review the appeal", {
        "resolved_without_tribunal": flag("Resolved without the tribunal"),
        "review_notes": text("Notes", required=False),
    }, ["resolved_without_tribunal"], "R54"),
    "tribunal-response.schema.json": form("Response to the tribunal", {
        "response_summary": text("Response"),
        "response_sent_date": day("Sent on"),
    }, ["response_summary"], "R54"),
    "tribunal-decision.schema.json": form("Tribunal decision", {
        "decision_implemented": confirm("Decision implemented"),
        "implementation_notes": text("Notes", required=False),
    }, ["decision_implemented"], "R50"),
}


def all_forms() -> dict[str, dict[str, Schema]]:
    """Forms by package folder (imported late: the legacy module builds on this one)."""
    import forms_legacy

    return {"complaints": COMPLAINTS, "csa": forms_legacy.CSA, "hmrc": forms_legacy.HMRC}
