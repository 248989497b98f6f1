"""Drive the deployed complaints diagrams through the engine like the people in the lanes would.

Each helper completes the open user task with the given id as a user holding that task's lane
role, with form data valid for its JSON Schema; tests read the case data and letters back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine import Engine, SimulatedClock, TaskRecord
from tests.handlers.pdfs import pdf_text

# Synthetic parties, in the shape the caseworker's intake records them (docs/handlers.md).
CLIENT = {"title": "Ms", "name": "Alex Example", "role": "receiving_parent",
          "address": ["1 High Street", "Leeds"], "postcode": "LS1 1AA",
          "reference": "CR-100200", "contact_preference": "post",
          "email": "alex.example@example.com", "phone": "01632 960001"}
REPRESENTATIVE = {"title": "Mr", "name": "Sam Advocate", "organisation": "Example Advice Centre",
                  "address": ["2 Market Street", "Leeds"], "postcode": "LS2 2BB"}
MP = {"title": "Ms", "name": "Jane Member", "constituency": "Leeds Example",
      "address": ["House of Commons", "London"], "postcode": "SW1A 0AA"}


@dataclass
class Case:
    engine: Engine
    clock: SimulatedClock
    instance_id: int
    business_key: str

    # -- reading --------------------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        return self.engine.instance(self.instance_id).data

    @property
    def status(self) -> str:
        return self.engine.instance(self.instance_id).status

    def open_tasks(self) -> list[TaskRecord]:
        return self.engine.tasks(instance_id=self.instance_id)

    def task(self, spec_id: str) -> TaskRecord:
        found = [t for t in self.open_tasks() if t.spec_id == spec_id]
        assert found, f"no open task {spec_id}; open: {[t.spec_id for t in self.open_tasks()]}"
        return found[0]

    def letters(self) -> list[str]:
        """Letter codes in the order they were stored (from the document names)."""
        docs = [d for d in self.engine.documents(self.instance_id) if d.kind == "letter"]
        return [d.name.removeprefix(f"{self.business_key}-").removesuffix(".pdf")
                for d in docs]

    def letter_text(self, code: str) -> str:
        """The text of the (last) stored letter ``code``, read from its PDF."""
        name = f"{self.business_key}-{code}.pdf"
        docs = [d for d in self.engine.documents(self.instance_id) if d.name == name]
        assert docs, f"no letter {code}; sent: {self.letters()}"
        return pdf_text(self.engine.document_content(docs[-1].id))

    # -- acting ---------------------------------------------------------------------------

    def complete(self, spec_id: str, data: dict[str, Any] | None = None) -> Case:
        task = self.task(spec_id)
        lane = task.lane or "caseworker"
        self.engine.complete(task.id, data or {}, user=f"{lane}-user", roles={lane})
        return self

    def send(self, message: str, payload: dict[str, Any] | None = None) -> Case:
        result = self.engine.correlate(message, self.business_key, payload or {})
        assert result.status == "delivered", f"{message} was not awaited"
        return self

    def advance(self, days: int) -> int:
        self.clock.advance(timedelta(days=days))
        return self.engine.fire_due_timers()


def start(engine: Engine, clock: SimulatedClock, key: str, **data: Any) -> Case:
    payload = {"received_date": clock.now().date().isoformat(),
               "division": "england-and-wales", "client": CLIENT, **data}
    inst = engine.start("complaint_journey", business_key=key, data=payload, user="postroom")
    return Case(engine, clock, inst.id, key)


def log_contact(case: Case, **facts: Any) -> Case:
    """The caseworker logs the contact (R10); ``facts`` add triage facts."""
    form = {"source": "client", "contact_type": "dissatisfaction", "subject": "payment_delay",
            "complaint_details": "Payments to the receiving parent arrived late twice.",
            "issues": ["Late payments"], **facts}
    return case.complete("in_log", form)


PLAN = [{"type": "apology", "reason": "Late payments", "due_date": "2026-04-10",
         "status": "draft", "client_approved": False}]


def dissatisfaction_unresolved(case: Case, *, told_by_phone: bool = False) -> Case:
    """Tier 0 ends with the team leader authorising a complaint (R17-R19)."""
    case.complete("ds_call", {"phone_contact_made": True})
    case.complete("ds_investigate", {"reasons": [{"reason": "Late payments", "type": "delay"}],
                                     "root_cause": "caseworker_error"})
    case.complete("ds_plan", {"resolution_plan": PLAN, "plan_discussed_by_phone": True,
                              "client_agrees": False})
    case.complete("ds_tl", {"tl_decision": "unable_to_resolve"})
    case.complete("ds_chronology", {"chronology": [{"date": "2026-03-27", "event": "Logged"}],
                                    "referral_summary": "Client unhappy with the plan."})
    case.complete("ds_g7", {"case_conference": False, "escalation_authorised": True})
    return case.complete("ds_inform", {"client_told_by_phone": told_by_phone})


def resolution(case: Case, *, outcome: str = "not_upheld", dissatisfied: bool = True,
               payment: dict[str, float] | None = None, **outcome_form: Any) -> Case:
    """Tier 1 from the initial call to the outcome call (R20-R29)."""
    case.complete("rs_contact", {"contact_method": "phone", "issues": ["Late payments"],
                                 "resolved_on_call": False})
    case.complete("rs_investigate", {"findings": "Two payments were sent late.",
                                     "root_cause": "system_error"})
    form: dict[str, Any] = {"outcome": outcome, "outcome_explanation": "We looked into it.",
                            "issues": ["Late payments"], **outcome_form}
    if payment:
        form["special_payment"] = payment
    case.complete("rs_outcome", form)
    if case.data.get("payment_status") == "awaiting_spt":
        return case
    return tell_resolution(case, dissatisfied=dissatisfied)


def tell_resolution(case: Case, *, dissatisfied: bool = True) -> Case:
    return case.complete("rs_tell", {"contact_method": "phone",
                                     "client_still_dissatisfied": dissatisfied,
                                     "case_conference_worthwhile": False})


def review(case: Case, *, outcome: str = "not_upheld") -> Case:
    """Tier 2 complaint review (R30-R34)."""
    case.complete("rv_contact", {"contact_method": "phone", "issues": ["Late payments"],
                                 "resolved_on_call": False})
    case.complete("rv_investigate", {"findings": "The resolution team acted properly.",
                                     "all_appropriate_action_taken": True,
                                     "revised_plan_needed": False})
    case.complete("rv_outcome", {"outcome": outcome, "outcome_explanation": "Reviewed.",
                                 "issues": ["Late payments"]})
    return case.complete("rv_tell", {"contact_method": "phone",
                                     "client_still_dissatisfied": True})


def ice(case: Case) -> Case:
    """Tier 3: gateway passed, ICE reports, recommendations carried out (R40-R42)."""
    case.complete("ic_gateway", {"gateway_passed": True})
    case.complete("ic_papers", {"papers_sent_date": "2026-06-01"})
    case.send("ice_outcome", {"outcome": "part_upheld"})
    return case.complete("ic_actions", {"ice_actions_done": True})
