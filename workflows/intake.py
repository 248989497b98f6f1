"""Log a new complaint: the parties, the contact record the rules ask for (R03, R10), triage.

The page collects the parties (client; the representative or MP who raised it) and the
contact record of the deployed "Log contact" form. Everything is checked before the case is
started, so a refused submission leaves nothing behind: the reference against the open cases
(a second open case with one reference is refused), the division against the list, the
contact record against its JSON Schema. Then one act: start the journey with the parties,
complete its "Log contact" task as the person logging, and read the triage result back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jsonschema
from referencing import Registry

from engine import ConflictError, Engine, InstanceRecord, RedressError, ValidationError
from workflows.search import index_parties
from workflows.start_checks import OpenCaseExists, check_start

__all__ = [
    "DIVISIONS",
    "INTAKE_ROLES",
    "JOURNEY",
    "LOG_FORM",
    "PARTIES_SCHEMA",
    "REFUSALS",
    "ROUTES",
    "SOURCES",
    "Intake",
    "IntakeRefused",
    "check_reference",
    "contact_schema",
    "log_complaint",
    "open_case",
    "schema_errors",
    "triage_result",
]

JOURNEY = "complaint_journey"
LOG_TASK = "in_log"
LOG_FORM = "log-contact.schema.json"
# Who may log first contact: caseworkers and their team leaders; MP correspondence goes to the
# Complaints Resolution Team's specialists (R03), review requests to the review team.
INTAKE_ROLES = frozenset({"caseworker", "team_leader", "resolution_case_manager",
                          "review_case_manager"})
DIVISIONS = {"england-and-wales": "England and Wales", "scotland": "Scotland",
             "northern-ireland": "Northern Ireland"}
SOURCES = {"client": "The client", "representative": "The client's representative",
           "mp": "A Member of Parliament", "ice": "The Independent Case Examiner",
           "phso": "The Parliamentary and Health Service Ombudsman"}
REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,49}$")
ROUTES = {"dissatisfaction": "Dissatisfaction: the caseworker works it",
          "new_complaint": "New complaint: to the complaints resolution team",
          "application_complaint": "Application complaint: its own record, the application "
                                   "goes on",
          "review": "Straight to complaint review",
          "mp_correspondence": "MP correspondence: complaints resolution specialists",
          "official_correspondence": "Official correspondence: answered, not escalated",
          "high_profile": "High profile: referred to the Operations Director's office",
          "appeal": "Appealable decision: mandatory reconsideration or dispute",
          "options_referral": "About CM Options: the client is told to contact Options",
          "refused": "Not accepted",
          "consolatory_payment_referral": "Consolatory payment referral"}
REFUSALS = {"out_of_time": "It was raised more than 14 months after the case closed, and not "
                           "by an MP, ICE or the ombudsman.",
            "not_a_complaint": "It is an enquiry, not a complaint.",
            "options_service": "It is only about the CM Options service: the client has been "
                               "told to contact Options."}

_TEXT = {"type": "string", "maxLength": 200}
_ADDRESS = {"type": "array", "title": "Address", "items": {"type": "string", "maxLength": 200},
            "maxItems": 6, "description": "Each line of the address on its own line, "
                                          "without the postcode."}
_POSTCODE = {"type": "string", "title": "Postcode", "maxLength": 10}


def _when(source: str, party: str, required: list[str]) -> dict[str, Any]:
    return {"if": {"properties": {"source": {"const": source}}, "required": ["source"]},
            "then": {"required": [party], "properties": {party: {"required": required}}}}


# The page's own questions: the complaint's reference and receipt, and the parties. The keys
# are the case data keys the letters are addressed from (``client``, ``representative``, ``mp``).
PARTIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reference": {"type": "string", "title": "Complaint reference", "maxLength": 50,
                      "pattern": "^[A-Za-z0-9][A-Za-z0-9/-]{2,49}$",
                      "description": "Letters, numbers and hyphens, like CMS-0001."},
        "received_date": {"type": "string", "format": "date", "title": "Received on"},
        "division": {"type": "string", "title": "Where the client lives", "oneOf": [
            {"const": k, "title": v} for k, v in DIVISIONS.items()],
            "description": "This sets the bank holidays the deadlines skip."},
        "source": {"type": "string", "title": "Who raised it", "oneOf": [
            {"const": k, "title": v} for k, v in SOURCES.items()]},
        "client": {"type": "object", "title": "The client", "properties": {
            "title": {**_TEXT, "title": "Title", "description": "For example, Ms, Mr, Mx, Dr."},
            "name": {**_TEXT, "title": "Full name", "minLength": 1},
            "address": _ADDRESS, "postcode": _POSTCODE,
            "reference": {**_TEXT, "title": "Client reference number"},
            "contact_preference": {"type": "string", "title": "How the client wants us to "
                                   "contact them", "oneOf": [
                {"const": "post", "title": "Post"}, {"const": "email", "title": "Email"},
                {"const": "phone", "title": "Phone"},
                {"const": "large_print", "title": "Post, in large print"}]},
            "email": {**_TEXT, "title": "Email address", "format": "email"},
            "phone": {**_TEXT, "title": "Phone number", "pattern": "^[0-9 +()-]{6,20}$"}},
            "required": ["name", "contact_preference"], "additionalProperties": False,
            "allOf": [
                {"if": {"properties": {"contact_preference": {"enum": ["post", "large_print"]}},
                        "required": ["contact_preference"]},
                 "then": {"required": ["address", "postcode"]}},
                {"if": {"properties": {"contact_preference": {"const": "email"}},
                        "required": ["contact_preference"]}, "then": {"required": ["email"]}},
                {"if": {"properties": {"contact_preference": {"const": "phone"}},
                        "required": ["contact_preference"]}, "then": {"required": ["phone"]}}]},
        "representative": {"type": "object", "title": "The representative",
                           "description": "Only if a representative raised it.", "properties": {
            "title": {**_TEXT, "title": "Title"}, "name": {**_TEXT, "title": "Full name"},
            "organisation": {**_TEXT, "title": "Organisation"},
            "address": _ADDRESS, "postcode": _POSTCODE}, "additionalProperties": False},
        "mp": {"type": "object", "title": "The Member of Parliament",
               "description": "Only if an MP raised it.", "properties": {
            "title": {**_TEXT, "title": "Title", "description": "For example, Ms, Mr, Sir, "
                                                                "Dame."},
            "name": {**_TEXT, "title": "Full name"},
            "constituency": {**_TEXT, "title": "Constituency"},
            "address": {**_ADDRESS, "description": "Leave empty for the House of Commons."},
            "postcode": _POSTCODE}, "additionalProperties": False},
    },
    "required": ["reference", "received_date", "division", "source", "client"],
    "additionalProperties": False,
    "allOf": [_when("representative", "representative", ["name", "address", "postcode"]),
              _when("mp", "mp", ["name", "constituency"])],
}


class IntakeRefused(RedressError):
    """The case was not started; ``open_case`` is the open case with the same reference."""

    def __init__(self, message: str, open_case: InstanceRecord | None = None) -> None:
        super().__init__(message)
        self.open_case = open_case


@dataclass
class Intake:
    """What was logged and what triage decided."""

    record: InstanceRecord
    route: str | None
    tier: str | None
    owner_role: str | None
    response_due: str | None
    refusal_reason: str | None
    open_tasks: list[Any] = field(default_factory=list)


def contact_schema(engine: Engine) -> dict[str, Any]:
    """The "Log contact" form of the latest deployed journey."""
    with engine.reads.connect() as conn:
        definition = engine.definitions.get(conn, engine.definitions.latest_id(conn, JOURNEY))
    schema = definition.forms.get(LOG_FORM)
    if schema is None:
        raise RedressError(f"the deployed journey has no {LOG_FORM}")
    return schema


def schema_errors(schema: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The engine's ``"path: message"`` errors for ``data``, without fetching any ``$ref``."""
    validator = jsonschema.Draft202012Validator(schema, registry=Registry(),
                                                format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(form)'}: {e.message}"
            for e in sorted(validator.iter_errors(dict(data)), key=lambda e: list(e.path))]


def open_case(engine: Engine, reference: str) -> InstanceRecord | None:
    """The open (active or suspended) case with this reference, if there is one."""
    for status in ("active", "suspended"):
        found = engine.instances(business_key=reference, status=status, limit=1)
        if found:
            return found[0]
    return None


def check_reference(engine: Engine, reference: str) -> str | None:
    """Why this reference cannot be used (format), or None; duplicates raise on logging."""
    if not REFERENCE.match(reference):
        return ("Enter the complaint reference using letters, numbers and hyphens only, "
                "like CMS-0001")
    return None


def log_complaint(engine: Engine, *, reference: str, division: str, received: date,
                  source: str, parties: Mapping[str, Any], contact: Mapping[str, Any],
                  user: str) -> Intake:
    """Start the journey with the parties and log its first contact as ``user``.

    Raises:
        IntakeRefused: an open case has the reference, or the division is not one we know.
    """
    if division not in DIVISIONS:
        raise IntakeRefused("Select England and Wales, Scotland or Northern Ireland")
    start: dict[str, Any] = {
        "division": division, "received_date": received.isoformat(), "source": source,
        **{k: dict(v) for k, v in parties.items() if isinstance(v, Mapping) and v}}
    mp = start.get("mp")
    if isinstance(mp, dict) and not mp.get("address"):
        mp.update(address=["House of Commons", "London"], postcode="SW1A 0AA")
    try:
        check_start(engine, JOURNEY, reference, start)  # the API's rule: one open case per key
    except OpenCaseExists as exc:
        raise IntakeRefused(f"Case {reference} is already open: add to that case instead",
                            engine.instance(exc.instance_id, with_data=False)) from None
    except ValidationError as exc:
        raise IntakeRefused(str(exc)) from None
    try:
        inst = engine.start(JOURNEY, business_key=reference, data=start, user=user)
    except ConflictError as exc:  # started by someone else a moment ago
        raise IntakeRefused(f"Case {reference} is already open: add to that case instead",
                            open_case(engine, reference)) from exc
    client = parties.get("client")
    index_parties(engine, inst.id, reference, client if isinstance(client, Mapping) else {})
    log = next((t for t in engine.tasks(instance_id=inst.id) if t.spec_id == LOG_TASK), None)
    if log is not None:
        engine.claim(log.id, user=user)
        engine.complete(log.id, {**contact, "source": source,
                                 "received_date": received.isoformat()}, user=user)
    return triage_result(engine, engine.instance(inst.id, with_data=False))


def triage_result(engine: Engine, record: InstanceRecord) -> Intake:
    """What triage decided for a case, from its summary, with the tasks now open."""
    s = record.summary
    return Intake(record, s.get("route"), s.get("tier"), s.get("owner_role"),
                  s.get("response_due"), s.get("refusal_reason"),
                  engine.tasks(instance_id=record.id))
