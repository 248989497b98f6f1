"""Forms of the legacy CSA and the HMRC packages (shared ICE/PHSO forms come from complaints)."""

from __future__ import annotations

from forms import OUTCOMES, Schema, choice, confirm, flag, form, strings, text

CHASE = form("Chase an overdue reply", {
    "action_agreed": text("Action agreed"),
}, ["action_agreed"], "The target has passed: agree when the reply goes.")

CSA: dict[str, Schema] = {
    "chase.schema.json": CHASE,
    "csa-log.schema.json": form("Log the complaint", {
        "complaint_details": text("Complaint details"),
        "received_in_writing": flag("Received in writing"),
        "written_confirmation_requested": flag("Verbal complaint: written confirmation asked for"),
    }, ["complaint_details", "received_in_writing"], "Seed 004",
        allOf=[{"if": {"properties": {"received_in_writing": {"const": False}},
                       "required": ["received_in_writing"]},
                "then": {"properties": {"written_confirmation_requested": {"const": True}},
                         "required": ["written_confirmation_requested"]}}]),
    "csa-reply.schema.json": form("Reply to the complaint", {
        "outcome": choice("Outcome", *OUTCOMES),
        "reply_summary": text("Reply"),
        "special_payment_considered": flag("Special payment considered"),
    }, ["outcome", "reply_summary"], "Seed 004: within 15 working days."),
    "csa-escalated-reply.schema.json": form("Reply to the escalated complaint", {
        "covering_letter_received": confirm("Covering letter says why the last reply failed"),
        "earlier_letters_enclosed": flag("Copies of the earlier complaint letters enclosed"),
        "outcome": choice("Outcome", *OUTCOMES),
        "reply_summary": text("Reply"),
        "special_payment_considered": flag("Special payment considered"),
    }, ["covering_letter_received", "outcome", "reply_summary"],
        "Seed 004: escalation needs a covering letter; reply within 15 working days."),
}

HMRC: dict[str, Schema] = {
    "chase.schema.json": CHASE,
    "hmrc-investigate.schema.json": form("Investigate the complaint", {
        "findings": text("Findings"),
        "advice_needed": flag("Ask CCAST for advice (e.g. financial redress)"),
        "advice_question": text("Question for CCAST", required=False),
    }, ["findings", "advice_needed"], "R61",
        allOf=[{"if": {"properties": {"advice_needed": {"const": True}},
                       "required": ["advice_needed"]},
                "then": {"required": ["advice_question"]}}]),
    "hmrc-reply.schema.json": form("Reply to the complaint", {
        "outcome": choice("Outcome", *OUTCOMES),
        "reply_summary": text("Reply"),
        "redress": strings("Redress offered"),
    }, ["outcome", "reply_summary"], "R62: the reply explains the next tier."),
    "ccast-advice.schema.json": form("CCAST advice", {
        "advice": text("Advice to the business area"),
        "redress_advised": flag("Financial redress advised"),
    }, ["advice"], "R61: aim to respond within 5 working days."),
    "hmrc-support.schema.json": form("Support the external enquiry", {
        "enquiry_response": text("Information and advice given"),
    }, ["enquiry_response"], "R61/R62"),
    "hmrc-actions.schema.json": form("Recommendations carried out", {
        "actions_completed": strings("Actions completed"),
        "recommendations_done": confirm("All recommendations carried out"),
    }, ["recommendations_done"], "R62"),
}
