"""The letter catalogue analysts read: every template of a deployment, who sends it, why, a preview.

Everything is read from the deployment's own files (templates and diagrams), so the catalogue
of an old deployment shows the wording its cases were written with. Previews use synthetic
sample cases, one per kind of reader, never a real case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine import safe_xml
from engine.resources import ServiceCall, service_calls
from handlers.letters import (
    ENCLOSURE_RULES,
    SUFFIX,
    RenderedLetter,
    TemplateInfo,
    compose,
    template_info,
)
from workflows.catalogue import Catalogue

__all__ = ["SAMPLES", "LetterEntry", "Sender", "letter_entries", "preview"]

_CLIENT = {"title": "Ms", "name": "Alex Example", "role": "paying_parent",
           "address": ["1 High Street", "Leeds"], "postcode": "LS1 1AA",
           "reference": "CR-100200", "contact_preference": "post"}
_BASE: dict[str, Any] = {
    "client": _CLIENT, "source": "client", "division": "england-and-wales",
    "received_date": "2026-03-27", "response_due": "2026-04-21", "tier": "resolution",
    "stage": "Stage 1 - Caseworker", "case_open": True, "outcome": "part_upheld",
    "outcome_explanation": "We found that two payments were taken late because of a system "
                           "error, and we have corrected it.",
    "reply_summary": "We found that two payments were taken late; we have corrected it.",
    "issues": ["Two payments were taken late", "Nobody called back"],
    "resolution_plan": [
        {"type": "apology", "description": "Written apology", "status": "done"},
        {"type": "corrective_action", "description": "Correct the payment schedule",
         "due_date": "2026-04-30", "status": "draft"}],
    "payment_total": 150.5, "payment_status": "approved", "refusal_reason": "out_of_time",
    "information_requested": ["Your bank statements for February"],
    "dispute": {"date": "2026-02-02", "decision": "your child maintenance calculation",
                "steps": ["Recalculate using your current income"], "days_to_act": 21,
                "decision_changed": True},
}
# Sample cases the analyst can switch between: (label, case data on top of _BASE).
SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "client": ("Client, by post", {}),
    "large-print": ("Client who asked for large print",
                    {"client": {**_CLIENT, "contact_preference": "large_print"}}),
    "representative": ("Raised by a representative (client copied)", {
        "source": "representative",
        "representative": {"title": "Mr", "name": "Sam Advocate",
                           "organisation": "Example Advice Centre",
                           "address": ["2 Market Street", "Leeds"], "postcode": "LS2 2BB"}}),
    "mp": ("MP correspondence to the Director General (R35)", {
        "source": "mp", "correspondence_type": "mp_to_dg",
        "mp": {"title": "Ms", "name": "Jane Member", "constituency": "Leeds Example"}}),
    "consolatory": ("Consolatory payment referral (R17)", {
        "referral_type": "consolatory_payment", "dissatisfaction_result": "consolatory_payment"}),
    "northern-ireland": ("Client in Northern Ireland (R48)", {"division": "northern-ireland"}),
}
SAMPLE_REFERENCE = "SAMPLE-0001"


@dataclass(frozen=True)
class Sender:
    """A service task that sends the letter."""

    filename: str
    process_id: str
    element_id: str
    element_name: str


@dataclass(frozen=True)
class LetterEntry:
    info: TemplateInfo
    senders: tuple[Sender, ...]
    enclosure_rules: tuple[tuple[str, str], ...]  # (enclosure code, its rule in words)
    source: str  # the template file as the analyst wrote it


def _letter_code(call: ServiceCall) -> str:
    return call.params.get("letter_code", "").strip().strip("'\"")


def _calls(files: Mapping[str, bytes]) -> list[ServiceCall]:
    trees = {name: safe_xml.parse_untrusted(content, name)
             for name, content in files.items() if name.lower().endswith(".bpmn")}
    return [c for c in service_calls(trees) if c.operator == "letters.send"]


def letter_entries(catalogue: Catalogue, deployment_id: int) -> list[LetterEntry]:
    """Every template of the deployment, letters first, then enclosures, then shared files."""
    files = catalogue.files(deployment_id)
    calls = _calls(files)
    entries = []
    for name in sorted(n for n in files if n.endswith(SUFFIX)):
        text = files[name].decode("utf-8")
        info = template_info(name, text)
        senders = tuple(Sender(c.filename, c.process_id, c.element_id, c.element_name)
                        for c in calls if _letter_code(c) == info.code)
        rules = tuple((code, ENCLOSURE_RULES[code][0]) if code in ENCLOSURE_RULES
                      else (code, "Always, when the template or the diagram offers it.")
                      for code in info.enclosures)
        entries.append(LetterEntry(info, senders, rules, text))
    order = {"letter": 0, "enclosure": 1, "letterhead": 2, "partial": 3}
    return sorted(entries, key=lambda e: (order.get(e.info.kind, 9), e.info.code))


def preview(catalogue: Catalogue, deployment_id: int, code: str, sample: str,
            today: date) -> RenderedLetter:
    """The letter ``code`` of this deployment written for sample case ``sample``.

    Raises:
        KeyError: no such sample.
        ValueError: no such letter in the deployment, or it fails on the sample.
    """
    files = catalogue.files(deployment_id)
    data = {**_BASE, **SAMPLES[sample][1]}

    def source(name: str) -> str | None:
        content = files.get(name)
        return None if content is None else content.decode("utf-8")

    return compose(source, code, data, reference=SAMPLE_REFERENCE, today=today)
