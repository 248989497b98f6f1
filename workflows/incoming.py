"""What arrives from outside, recorded from the case page: each a short form and a message.

Each event names the message a diagram waits for (``workflows.case_data.MESSAGES``), the
queues that may record it, and a small JSON Schema drawn by the shared form renderer. A case
offers only the events it is waiting for now (its message subscriptions); recording one
correlates the message by the case's reference, as the API does for other systems.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine import CorrelationResult, Engine
from engine.tables import message_subscriptions

__all__ = ["EVENTS", "Event", "record_event", "waiting_events"]

_DATE = {"type": "string", "format": "date"}
_OUTCOME = {"type": "string", "title": "Outcome", "oneOf": [
    {"const": "upheld", "title": "Upheld"}, {"const": "part_upheld", "title": "Partly upheld"},
    {"const": "not_upheld", "title": "Not upheld"}]}


def _form(title: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"title": title, "type": "object", "properties": props, "required": required,
            "additionalProperties": False}


@dataclass(frozen=True)
class Event:
    message: str
    title: str  # the button and the form's heading
    roles: frozenset[str]
    schema: dict[str, Any]

    def allowed(self, roles: Collection[str]) -> bool:
        return not self.roles.isdisjoint(roles)


_TIER0 = frozenset({"caseworker", "team_leader"})
_APPEALS = frozenset({"disputes_team", "legal_team"})
EVENTS: dict[str, Event] = {e.message: e for e in (
    Event("client_reply", "The client replied", _TIER0, _form("The client replied", {
        "received_date": {**_DATE, "title": "Reply received on"},
        "reply_notes": {"type": "string", "title": "What the client said", "minLength": 1,
                        "maxLength": 5000}}, ["received_date", "reply_notes"])),
    Event("review_requested", "A review was requested",
          frozenset({"caseworker", "team_leader", "resolution_case_manager",
                     "review_case_manager"}),
          _form("A review was requested", {
              "received_date": {**_DATE, "title": "Request received on"},
              "request_notes": {"type": "string", "title": "Why the client wants a review",
                                "maxLength": 5000}}, ["received_date"])),
    Event("ice_referral", "ICE referral received",
          frozenset({"ice_liaison", "review_case_manager"}),
          _form("ICE referral received", {
              "received_date": {**_DATE, "title": "Referral received on"}}, ["received_date"])),
    Event("ice_outcome", "ICE outcome received", frozenset({"ice_liaison"}),
          _form("ICE outcome received", {"outcome": _OUTCOME}, ["outcome"])),
    Event("phso_summary", "Ombudsman's summary received", frozenset({"phso_team"}),
          _form("Ombudsman's summary received", {
              "received_date": {**_DATE, "title": "Summary received on"},
              "referred_by_mp": {"type": "boolean", "title": "Did an MP refer the complaint?"}},
              ["received_date", "referred_by_mp"])),
    Event("phso_outcome", "Ombudsman's report received", frozenset({"phso_team"}),
          _form("Ombudsman's report received", {"outcome": _OUTCOME}, ["outcome"])),
    Event("hmcts_contact", "HMCTS contacted us", _APPEALS,
          _form("HMCTS contacted us", {
              "received_date": {**_DATE, "title": "Contact received on"},
              "contact_notes": {"type": "string", "title": "What HMCTS said",
                                "maxLength": 5000}}, ["received_date"])),
    Event("tribunal_decision", "Tribunal decision received", _APPEALS,
          _form("Tribunal decision received", {
              "outcome": {"type": "string", "title": "The tribunal's decision", "oneOf": [
                  {"const": "appeal_allowed", "title": "Appeal allowed"},
                  {"const": "appeal_dismissed", "title": "Appeal dismissed"}]},
              "received_date": {**_DATE, "title": "Decision received on"}},
              ["outcome", "received_date"])),
    Event("judicial_review_claimed", "Judicial review claimed", frozenset({"legal_team"}),
          _form("Judicial review claimed", {
              "matter": {"type": "string", "title": "What the claim is about", "minLength": 1,
                         "maxLength": 500}}, ["matter"])),
)}


def waiting_events(engine: Engine, business_key: str) -> list[Event]:
    """The events the case with this reference is waiting for now, in table order."""
    query = select(message_subscriptions.c.message_name).where(
        message_subscriptions.c.business_key == business_key).distinct()
    with engine.reads.connect() as conn:
        names = set(conn.execute(query).scalars())
    return [e for name, e in EVENTS.items() if name in names]


def record_event(engine: Engine, event: Event, business_key: str, payload: Mapping[str, Any],
                 *, user: str) -> CorrelationResult:
    """Correlate the event's message, saying who recorded it."""
    return engine.correlate(event.message, business_key, {**payload, "recorded_by": user})
