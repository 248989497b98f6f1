"""Case data as people read it: the parties, the payment, labelled values for the timeline.

Pure functions over the case data (no Flask, no engine), so the task page, the case page and
the tests share one reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from web.case_history import readable

__all__ = ["PARTY_TITLES", "case_facts", "money", "payment_facts", "readable"]

PARTY_TITLES = {"client": "Client", "representative": "Representative",
                "mp": "Member of Parliament"}
_CONTACT = {"post": "Post", "email": "Email", "phone": "Phone",
            "large_print": "Post, in large print"}
_STATUS = {"none": "No payment", "approved": "Approved", "awaiting_spt":
           "Waiting for the Special Payment Team", "paid": "Paid", "declined": "Declined"}


def money(value: Any) -> str:
    try:
        return f"£{float(value):,.2f}"
    except (TypeError, ValueError):
        return "—"


def _party(kind: str, party: Mapping[str, Any]) -> list[tuple[str, str]]:
    name = " ".join(str(party.get(k) or "") for k in ("title", "name")).strip()
    raw = party.get("address")
    lines: list[Any] = raw if isinstance(raw, list) else []
    address = [str(x) for x in lines] + ([str(party["postcode"])] if party.get("postcode") else [])
    rows = [("Name", name or "—")]
    if kind == "representative" and party.get("organisation"):
        rows.append(("Organisation", str(party["organisation"])))
    if kind == "mp" and party.get("constituency"):
        rows.append(("Constituency", str(party["constituency"])))
    rows.append(("Address", "\n".join(address) or "—"))
    if kind == "client":
        if party.get("reference"):
            rows.append(("Client reference", str(party["reference"])))
        preference = str(party.get("contact_preference") or "")
        rows.append(("Contact by", _CONTACT.get(preference, preference or "—")))
        for key, label in (("email", "Email"), ("phone", "Phone")):
            if party.get(key):
                rows.append((label, str(party[key])))
    return rows


def case_facts(data: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The parties of a case, each a heading and its rows (absent parties left out)."""
    found = []
    for kind, title in PARTY_TITLES.items():
        party = data.get(kind)
        if isinstance(party, Mapping) and party.get("name"):
            found.append((title, _party(kind, party)))
    return found


def payment_facts(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What an approver needs to see: amounts, type, outcome, reasons (empty if no payment)."""
    award = data.get("special_payment")
    if not isinstance(award, Mapping) or not any(award.values()):
        return []
    rows = []
    for key, label in (("financial_loss", "Actual financial loss"),
                       ("consolatory", "Consolatory payment")):
        if award.get(key):
            rows.append((label, money(award[key])))
    rows.append(("Total", money(sum(float(v or 0) for v in award.values()
                                    if isinstance(v, int | float)))))
    kinds = [label for key, label in (("financial_loss", "financial loss"),
                                      ("consolatory", "consolatory")) if award.get(key)]
    rows.append(("Type", " and ".join(kinds).capitalize() or "—"))
    rows.append(("Status", _STATUS.get(str(data.get("payment_status")), "—")))
    outcome = readable(data.get("outcome"))
    rows.append(("Outcome", outcome[:1].upper() + outcome[1:]))
    rows.append(("Why (the case manager's explanation)", readable(data.get("outcome_explanation"))))
    reasons = data.get("reasons") or data.get("issues")
    rows.append(("Reasons and issues", readable(reasons)))
    if data.get("redress"):
        rows.append(("Redress", readable(data.get("redress"))))
    return rows
