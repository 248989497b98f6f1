"""web.forms: which widget each schema property gets, and typed JSON back from the fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from web.forms import form_values, kind_of, parse_form

FORMS = Path(__file__).resolve().parents[2] / "bpmn"
ALL_FORMS = sorted(FORMS.glob("*/forms/*.schema.json"))
PLAN_ITEM = {
    "type": "object", "additionalProperties": False,
    "required": ["type", "reason", "due_date", "status", "client_approved"],
    "properties": {
        "type": {"type": "string", "oneOf": [{"const": "apology", "title": "Apology"},
                                             {"const": "corrective_action", "title": "Fix"}]},
        "description": {"title": "What we will do", "type": "string"},
        "reason": {"title": "Reason it answers", "type": "string", "minLength": 1},
        "due_date": {"title": "Due date", "type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["draft", "approved", "done"]},
        "client_approved": {"title": "Client approved", "type": "boolean"},
    },
}
SCHEMA: dict[str, Any] = {
    "title": "Test form", "type": "object", "required": ["details", "plan", "agreed"],
    "properties": {
        "details": {"title": "Complaint details", "type": "string", "minLength": 1},
        "subject": {"title": "Subject", "type": "string"},
        "received": {"title": "Received on", "type": "string", "format": "date"},
        "agreed": {"title": "Client agrees", "type": "boolean"},
        "vulnerable": {"title": "Vulnerable", "type": "boolean", "default": False},
        "done": {"title": "All done", "type": "boolean", "const": True},
        "days": {"title": "Days", "type": "integer", "minimum": 1},
        "amount": {"title": "Amount", "type": "number", "minimum": 0},
        "issues": {"title": "Issues", "type": "array", "items": {"type": "string"}},
        "redress": {"title": "Redress", "type": "array",
                    "items": {"type": "string", "enum": ["apology", "payment"]}},
        "payment": {"title": "Payment", "type": "object",
                    "properties": {"loss": {"type": "number"}, "consolatory": {"type": "number"}}},
        "plan": {"title": "Resolution plan", "type": "array", "minItems": 1, "items": PLAN_ITEM},
        "extra": {"title": "Extra", "type": "object"},
    },
}


def test_each_property_gets_the_widget_its_schema_asks_for() -> None:
    kinds = {key: kind_of(prop, key=key) for key, prop in SCHEMA["properties"].items()}
    assert kinds == {"details": "textarea", "subject": "text", "received": "date",
                     "agreed": "yesno", "vulnerable": "checkbox", "done": "confirm",
                     "days": "integer", "amount": "number", "issues": "lines",
                     "redress": "checkboxes", "payment": "group", "plan": "rows",
                     "extra": "json"}
    assert kind_of({"type": "string", "maxLength": 2000}, key="subject") == "textarea"
    assert kind_of({"type": "array", "items": {"type": "array"}}) == "json"


def test_typed_values_survive_the_round_trip_through_form_fields() -> None:
    data = {"details": "Late twice.\nStill late.", "subject": "payments",
            "received": "2026-03-27", "agreed": False, "vulnerable": True, "done": True,
            "days": 14, "amount": 12.5, "issues": ["Late", "Rude"], "redress": ["payment"],
            "payment": {"loss": 250, "consolatory": 99.99},
            "plan": [{"type": "apology", "reason": "Late", "due_date": "2026-04-10",
                      "status": "draft", "client_approved": False}],
            "extra": {"any": ["json", 1]}}
    fields = form_values(SCHEMA, data)
    assert fields["agreed"] == ["false"] and fields["plan.0.client_approved"] == ["false"]
    assert fields["issues"] == ["Late\nRude"] and fields["amount"] == ["12.5"]
    assert parse_form(SCHEMA, fields).data == data


def test_empty_optional_fields_are_left_out_and_an_unticked_default_is_false() -> None:
    posted = {"details": ["  Late payments\r\nagain  "], "subject": [""], "received": [""],
              "days": [""], "issues": ["\r\n \r\n"], "payment.loss": [""],
              "payment.consolatory": [""], "extra": [""],
              **{f"plan.0.{k}": [""] for k in ("type", "description", "reason", "due_date",
                                               "status")}}
    submission = parse_form(SCHEMA, posted)
    assert submission.data == {"details": "Late payments\nagain", "vulnerable": False}
    assert submission.problems == {} and submission.rows == {"plan": []}


def test_blank_rows_are_dropped_and_kept_rows_remember_their_place() -> None:
    posted = {
        **{f"plan.0.{k}": [""] for k in ("type", "reason", "due_date", "status")},
        "plan.1.type": ["apology"], "plan.1.reason": ["Late"], "plan.1.due_date": ["2026-04-01"],
        "plan.1.status": ["draft"], "plan.1.client_approved": ["true"],
        **{f"plan.2.{k}": [""] for k in ("type", "reason", "due_date", "status")},
        "plan.3.reason": ["Rude"], "plan.3.type": [""],
    }
    submission = parse_form(SCHEMA, posted)
    assert submission.data["plan"] == [
        {"type": "apology", "reason": "Late", "due_date": "2026-04-01", "status": "draft",
         "client_approved": True},
        {"reason": "Rude"},
    ]
    assert submission.rows == {"plan": [1, 3]}


def test_numbers_and_json_that_cannot_be_read_are_problems_not_guesses() -> None:
    submission = parse_form(SCHEMA, {"days": ["2.5"], "amount": ["£1,250.50"], "extra": ["{x"]})
    assert submission.data == {"amount": 1250.5, "vulnerable": False}
    assert submission.problems == {"days": "Enter a whole number for ‘Days’",
                                   "extra": "Enter valid JSON for ‘Extra’"}


@pytest.mark.parametrize("path", ALL_FORMS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_production_form_round_trips_a_sample_answer(path: Path) -> None:
    schema = json.loads(path.read_text())
    sample = _sample(schema)
    assert parse_form(schema, form_values(schema, sample)).data == sample


def _sample(schema: dict[str, Any]) -> Any:
    """One answer of the right shape for every property (not necessarily a valid one)."""
    if "const" in schema:
        return schema["const"]
    choices = schema.get("oneOf") or schema.get("enum")
    if choices:
        first = choices[0]
        return first["const"] if isinstance(first, dict) else first
    kind = schema.get("type")
    if kind == "object":
        return {k: _sample(p) for k, p in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(schema.get("items", {"type": "string"}))]
    return {"string": "2026-03-27" if schema.get("format") == "date" else "some text",
            "boolean": True, "integer": 3, "number": 12.5}.get(str(kind), "x")
