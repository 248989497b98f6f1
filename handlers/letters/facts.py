"""The case facts a letter may print, read once from task data so templates stay simple."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.calendar import parse_division
from handlers._data import OFFICIAL_CORRESPONDENCE, as_list, as_mapping, text

__all__ = ["CaseFacts", "PlanAction", "parse_date"]


def parse_date(value: object) -> date | None:
    """An ISO date (or datetime) from task data; ``None`` when missing or unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class PlanAction:
    """One resolution-plan action (R14) as a letter describes it."""

    type: str
    description: str
    due_date: date | None
    done: bool


@dataclass(frozen=True)
class CaseFacts:
    """Everything a template needs; nothing here is written anywhere but the letter itself."""

    reference: str
    today: date
    addressee: str
    address: tuple[str, ...]
    role: str
    division: str
    tier: str
    correspondence_type: str
    case_open: bool
    received: date | None = None
    response_due: date | None = None
    outcome: str = ""
    explanation: str = ""
    issues: tuple[str, ...] = ()
    plan: tuple[PlanAction, ...] = ()
    payment_total: float = 0.0
    payment_status: str = "none"
    refusal_reason: str = ""
    information_requested: tuple[str, ...] = ()
    dispute: Mapping[str, Any] = field(default_factory=dict)
    signatory: tuple[str, str] = ("", "")

    @property
    def official(self) -> bool:
        """R35: official correspondence is answered, never signposted onwards."""
        return self.correspondence_type in OFFICIAL_CORRESPONDENCE

    @property
    def northern_ireland(self) -> bool:
        return self.division == "northern-ireland"

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, reference: str, today: date) -> CaseFacts:
        """Read the case-data keys of docs/handlers.md, tolerating missing optional ones."""
        client = as_mapping(data.get("client"))
        recipient = as_mapping(data.get("recipient")) or client
        name = " ".join(p for p in (text(recipient, "title"), text(recipient, "name")) if p)
        address = [str(line).strip() for line in as_list(recipient.get("address")) if line]
        if text(recipient, "postcode"):
            address.append(text(recipient, "postcode").upper())
        signatory = as_mapping(data.get("signatory"))
        total = data.get("payment_total")
        return cls(
            reference=reference, today=today, addressee=name or "The Occupier",
            address=tuple(address), role=text(client, "role"),
            division=parse_division(text(data, "division", "england-and-wales")),
            tier=text(data, "tier"),
            correspondence_type=text(data, "correspondence_type", "client"),
            case_open=data.get("case_open", True) is not False,
            received=parse_date(data.get("received_date")),
            response_due=parse_date(data.get("response_due")),
            outcome=text(data, "outcome"), explanation=text(data, "outcome_explanation"),
            issues=tuple(str(i) for i in as_list(data.get("issues")) if i),
            plan=tuple(_plan(data.get("resolution_plan"))),
            payment_total=float(total) if isinstance(total, int | float) else 0.0,
            payment_status=text(data, "payment_status", "none"),
            refusal_reason=text(data, "refusal_reason"),
            information_requested=tuple(
                str(i) for i in as_list(data.get("information_requested")) if i
            ),
            dispute=as_mapping(data.get("dispute")),
            signatory=(text(signatory, "name"), text(signatory, "title")),
        )


def _plan(value: object) -> list[PlanAction]:
    actions = []
    for item in as_list(value):
        item = as_mapping(item)
        if not item:
            continue
        actions.append(PlanAction(
            type=text(item, "type", "corrective_action"),
            description=text(item, "description"),
            due_date=parse_date(item.get("due_date")),
            done=text(item, "status").lower() == "done",
        ))
    return actions
