"""The case history says in plain words what happened to a message, by its event's title."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import AuditRecord
from web.case_history import timeline

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _entry(action: str) -> tuple[str, str, str]:
    record = AuditRecord(1, 7, AT, "message:client_reply", action, None,
                         {"message": "client_reply", "message_id": 3})
    [entry] = timeline([record], {})
    return entry.actor, entry.what, entry.subject


def test_a_refused_message_is_named_as_not_accepted_and_a_delivered_one_as_received() -> None:
    refused, delivered = _entry("message_refused"), _entry("message_delivered")
    assert refused[:2] == ("From outside", "Message not accepted (unusable contents)")
    assert delivered[:2] == ("From outside", "Received")
    assert refused[2] == delivered[2] != ""  # the same subject: the message's name
