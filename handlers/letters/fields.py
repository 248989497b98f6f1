"""The fields a letter template may read: declared once, checked at deploy, filled at render.

A template sees only these names. Case-data fields (``CASE_FIELDS``) are the keys of
``workflows/case_data.py`` (a test keeps the two in step); the rest are worked out here from
the case (the reader, the parties, dates). A template that names anything else is refused when
its package is deployed, with the field named, so a letter never fails on a client's case for
a field no case can have.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from handlers._data import OFFICIAL_CORRESPONDENCE, as_list, as_mapping, text
from handlers.letters.dates import long_date, parse_date
from handlers.letters.parties import Party, Recipients

__all__ = ["CASE_FIELDS", "DERIVED_FIELDS", "FIELDS", "NESTED_FIELDS", "template_context"]

# Case-data keys a letter may print (workflows/case_data.py), with their value when absent.
CASE_FIELDS: dict[str, Any] = {
    "division": "england-and-wales",
    "tier": "",
    "source": "client",
    "received_date": None,
    "response_due": None,
    "subject": "",
    "stage": "",
    "issues": [],
    "outcome": "",
    "outcome_explanation": "",
    "reply_summary": "",
    "resolution_plan": [],
    "payment_total": 0.0,
    "payment_status": "none",
    "refusal_reason": "",
    "information_requested": [],
    "dispute": {},
    "correspondence_type": "client",
    "case_open": True,
    "staff_complaint": False,
    "signatory": {},
    "dissatisfaction_result": "",
    "referral_type": "",
    "ice_result": "",
    "phso_result": "",
}

# Worked out from the case for every letter.
DERIVED_FIELDS = frozenset({
    "reference",  # the complaint reference (business key), printed on every page
    "today",  # the letter's date
    "days",  # the service task's "number of days" parameter, or None
    "to",  # the reader: a party (client, representative or MP)
    "client", "representative", "mp",  # the case's parties (empty when not recorded)
    "copy_to",  # the party a copy goes to, or None
    "official",  # R35: official correspondence (answered, never signposted)
    "northern_ireland",  # R48
    "plan_lines",  # resolution_plan as sentences the client reads
})

FIELDS = frozenset(CASE_FIELDS) | DERIVED_FIELDS

_PARTY = frozenset(Party.FIELDS)
# Attributes a template may read on a field (``to.salutation``, ``dispute.decision``).
NESTED_FIELDS: dict[str, frozenset[str]] = {
    "to": _PARTY, "client": _PARTY, "representative": _PARTY, "mp": _PARTY, "copy_to": _PARTY,
    "dispute": frozenset({"date", "decision", "steps", "days_to_act", "decision_changed"}),
    "signatory": frozenset({"name", "title"}),
}

_PLAN_NAMES = {"corrective_action": "We will put this right", "apology": "Apology",
               "application_fee_refund": "Refund of your application fee",
               "admin_account_payment": "Payment to you"}


def _plan_lines(plan: list[Any]) -> list[str]:
    lines = []
    for item in plan:
        item = as_mapping(item)
        if not item:
            continue
        label = text(item, "description") or _PLAN_NAMES.get(text(item, "type"), "Action")
        due = parse_date(item.get("due_date"))
        done = text(item, "status").lower() == "done"
        when = "done" if done else (f"by {long_date(due)}" if due else "")
        lines.append(f"{label} ({when})" if when else label)
    return lines


def _case_value(data: Mapping[str, Any], key: str, default: Any) -> Any:
    value = data.get(key)
    if value is None or value == "":
        return default
    if key in ("received_date", "response_due"):
        return parse_date(value)
    if key in ("issues", "information_requested", "resolution_plan"):
        return [x for x in as_list(value) if x]
    if key in ("dispute", "signatory"):
        found = dict(as_mapping(value))
        if key == "dispute":
            found.setdefault("decision", "")
            found["date"] = parse_date(found.get("date"))
            found["steps"] = [str(s) for s in as_list(found.get("steps")) if s]
            found.setdefault("days_to_act", None)
            found.setdefault("decision_changed", False)
        return found
    if key == "payment_total":
        return float(value) if isinstance(value, int | float) else 0.0
    if key in ("case_open", "staff_complaint"):
        return value is not False if key == "case_open" else value is True
    return value


def template_context(data: Mapping[str, Any], *, reference: str, today: date,
                     recipients: Recipients, to: Party, days: int | None) -> dict[str, Any]:
    """Every declared field, filled from the case (defaults where the case has none)."""
    ctx: dict[str, Any] = {key: _case_value(data, key, default)
                           for key, default in CASE_FIELDS.items()}
    ctx["dispute"] = ctx["dispute"] or {"date": None, "decision": "", "steps": [],
                                        "days_to_act": None, "decision_changed": False}
    ctx["signatory"] = {"name": "", "title": "", **ctx["signatory"]}
    division = str(ctx["division"]).replace("_", "-")
    ctx.update(
        reference=reference, today=today, days=days, to=to.as_dict(),
        client=recipients.client.as_dict(), representative=recipients.representative.as_dict(),
        mp=recipients.mp.as_dict(),
        copy_to=recipients.copies[0].as_dict() if recipients.copies else None,
        official=ctx["correspondence_type"] in OFFICIAL_CORRESPONDENCE,
        northern_ireland=division == "northern-ireland",
        plan_lines=_plan_lines(ctx["resolution_plan"]),
    )
    return ctx
