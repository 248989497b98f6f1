"""Operations repair case data: each value is checked against what the forms (or, for the data
a case starts with, the case data model) say that key may hold, then set with a reason.

A key no form and no start-data rule knows is refused: operations fix data, they do not invent
new fields a diagram never reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema
from referencing import Registry

from engine import Engine, InstanceRecord, ValidationError
from engine.calendar import DIVISIONS
from engine.inspection import forms_of
from engine.variables import set_variables

__all__ = ["START_DATA_RULES", "edit_variable", "parse_value", "rules_for"]

# Data a case starts with (no form asks for it), as JSON Schema.
START_DATA_RULES: dict[str, dict[str, Any]] = {
    "division": {"type": "string", "enum": list(DIVISIONS)},
    "received_date": {"type": "string", "format": "date"},
    "subject": {"type": "string", "minLength": 1, "maxLength": 200},
    "client": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}},
}


def rules_for(engine: Engine, instance_id: int, key: str) -> list[dict[str, Any]]:
    """Every schema that says what ``key`` may hold: the forms' properties, start-data rules."""
    found: list[dict[str, Any]] = []
    for schema in forms_of(engine, instance_id).values():
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and isinstance(properties.get(key), Mapping):
            found.append(dict(properties[key]))
    if key in START_DATA_RULES:
        found.append(START_DATA_RULES[key])
    return found


def parse_value(text: str, rules: list[dict[str, Any]]) -> Any:
    """The typed value for text typed by a person: a string where the rules want one, else
    JSON (a number, true/false, a list or an object)."""
    if any(r.get("type") == "string" for r in rules):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def edit_variable(engine: Engine, instance_id: int, key: str, text: str, *, user: str,
                  reason: str) -> InstanceRecord:
    """Check and set one case data value.

    Raises:
        ValidationError: unknown key, a value the rules refuse, or no reason.
    """
    key = key.strip()
    rules = rules_for(engine, instance_id, key)
    if not rules:
        raise ValidationError(f"no form or start-data rule knows the field {key!r}",
                              [f"key: {key or '(empty)'}"])
    value = parse_value(text, rules)
    problems = []
    for rule in rules:
        # An empty registry: a $ref in a deployed form is never fetched (security review #2).
        validator = jsonschema.Draft202012Validator(rule, registry=Registry(),
                                                    format_checker=jsonschema.FormatChecker())
        try:
            problems += [f"{key}: {e.message}" for e in validator.iter_errors(value)]
        except jsonschema.exceptions.SchemaError as exc:  # pragma: no cover - deploy checks
            problems.append(f"{key}: the form's rule is broken ({exc.message})")
        except Exception as exc:  # an unresolvable $ref: refuse rather than guess
            problems.append(f"{key}: the form's rule cannot be checked ({type(exc).__name__})")
    if problems:
        raise ValidationError(f"the value is not valid for {key}", sorted(set(problems)))
    return set_variables(engine, instance_id, {key: value}, user=user, reason=reason)
