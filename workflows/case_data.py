"""The case data the complaints diagrams keep, as types (``docs/diagrams.md`` explains each key).

Task data is JSON: dates are ISO ``YYYY-MM-DD`` text, deadlines for timers ISO date-times. The
diagrams set the keys; forms add what caseworkers record; handlers add what they return
(``docs/handlers.md``). Every key is optional at some point of a case, hence ``total=False``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "MESSAGES",
    "CaseCore",
    "CaseData",
    "Division",
    "Outcome",
    "PlanAction",
    "Redress",
    "RefusalReason",
    "Route",
    "Tier",
    "TierRecord",
    "TierState",
    "TriageFacts",
]

Tier = Literal["dissatisfaction", "resolution", "review", "ice", "phso", "appeal", "closed",
               "refused"]
Route = Literal["dissatisfaction", "new_complaint", "application_complaint", "review",
                "mp_correspondence", "official_correspondence", "high_profile", "appeal",
                "options_referral", "refused", "consolatory_payment_referral"]
RefusalReason = Literal["out_of_time", "not_a_complaint", "options_service"]
Outcome = Literal["upheld", "part_upheld", "not_upheld", "justified"]
# engine.calendar reads either spelling ("northern-ireland" or "northern_ireland").
Division = Literal["england-and-wales", "scotland", "northern-ireland"]

# Messages the journey waits for, correlated by business key (the complaint reference).
MESSAGES: dict[str, str] = {
    "client_reply": "tier 0: the client answers CMSL5700 (R13)",
    "review_requested": "the client asks for a complaint review (R26); payload received_date",
    "ice_referral": "ICE tells CMG the client went to ICE (R40); payload received_date",
    "ice_outcome": "ICE's findings (R42); payload outcome",
    "phso_summary": "the ombudsman's summary of complaint (R45/R46); payload referred_by_mp",
    "phso_outcome": "the ombudsman's final report (R47); payload outcome",
    "hmcts_contact": "HMCTS contacts CMG about a directly lodged appeal (R51)",
    "tribunal_decision": "the tribunal's decision (R50); payload outcome",
    "judicial_review_claimed": "a judicial review claim, any time (R56)",
    "csa_escalation": "CSA: the client's covering letter to the next stage",
    "hmrc_escalation": "HMRC: the client asks for tier 2",
    "adjudicator_referral": "HMRC: the Adjudicator takes the complaint on (R62)",
    "adjudicator_outcome": "HMRC: the Adjudicator's recommendation (R62)",
    "ombudsman_referral": "HMRC: an MP refers the complaint to the Ombudsman (R62)",
    "ombudsman_outcome": "HMRC: the Ombudsman's report (R62)",
}


class PlanAction(TypedDict, total=False):
    """R14: one resolution-plan action."""

    type: Literal["corrective_action", "apology", "application_fee_refund",
                  "admin_account_payment"]
    description: str
    reason: str
    due_date: str
    status: Literal["draft", "approved", "done", "not_required"]
    client_approved: bool


class TierRecord(TypedDict):
    """One closed tier, appended to ``tier_history`` when the tier closes."""

    tier: str
    received_date: str
    response_due: str | None
    closed_date: str
    outcome: str | None


class CaseCore(TypedDict, total=False):
    """What the case starts with and what every screen shows."""

    client: dict[str, object]  # the parties (docs/handlers.md): title, name, address, …
    representative: dict[str, object]  # when a representative raised it
    mp: dict[str, object]  # when an MP raised it
    division: str
    received_date: str  # receipt date of the current tier
    case_open: bool
    subject: str
    issues: list[str]
    complaint_details: str  # R10: mandatory
    tier: Tier
    stage: str  # R11 stage names, e.g. "Acknowledge Issue", "Resolution Plan"
    owner_role: str | None  # a lane role id
    response_due: str | None  # target reply date of the current tier
    route: Route
    refusal_reason: RefusalReason | None
    tier_history: list[TierRecord]


class TriageFacts(TypedDict, total=False):
    """Recorded by "Log contact and triage facts"; read by triage.dmn (R01-R07)."""

    source: Literal["client", "representative", "mp", "ice", "phso"]
    addressee: str
    contact_type: Literal["dissatisfaction", "complaint", "enquiry", "effective_date_challenge"]
    correspondence_type: Literal["client", "mp", "mp_to_dg", "treat_official", "pos"]
    case_closed_date: str | None
    about_options: Literal["no", "only", "mixed"]
    appealable_decision: bool
    decision_date: str | None
    resolution_closed_date: str | None
    contests_outcome: bool
    previous_dissatisfaction_date: str | None
    before_provisional_calculation: bool
    parliamentary_contact: bool
    high_profile: bool
    staff_complaint: bool
    vulnerable: bool
    upcc: bool


class TierState(TypedDict, total=False):
    """Bookkeeping the tier diagrams keep while a tier runs."""

    sr_status: str
    sr_sub_status: str
    lock_assignment: bool  # R12
    resolution_code: str | None  # R16/R19
    dissatisfaction_result: Literal["resolved", "escalated", "consolatory_payment"] | None
    referral_type: Literal["complaint", "consolatory_payment"] | None
    area: Literal["Complaints", "Application Complaints"]
    contact_due: str
    contact_overdue: bool
    target_days: int
    answered_late: bool
    escalate_to_review: bool
    ice_result: Literal["gateway_failed", "completed"] | None
    phso_result: Literal["no_mp_referral", "completed"] | None
    ombudsman: Literal["PHSO", "NI Public Services Ombudsman"]
    closed_at_tier: str


class Redress(TypedDict, total=False):
    """Outcome and redress (R24-R28)."""

    outcome: Outcome | None
    outcome_explanation: str
    information_requested: list[str]  # CMSL5700: what we ask the client for (R13)
    dispute: dict[str, object]  # R52/R53: date, decision, steps, days_to_act, decision_changed
    signatory: dict[str, str]  # name and title under "Yours sincerely" (POS: a Director, R35)
    reply_summary: str  # CSA stage reply, printed in its letter
    resolution_plan: list[PlanAction]
    special_payment: dict[str, float]
    payment_status: Literal["none", "approved", "awaiting_spt", "paid", "declined"]
    payment_total: float
    spt_approved: bool
    feedback_due: str | None
    systemic_issue_raised: bool


class CaseData(CaseCore, TriageFacts, TierState, Redress, total=False):
    """Everything together, as ``Engine.instance(id).data`` returns it."""
