"""Task forms from JSON Schema: which widget each property gets, and typed JSON both ways.

Pure functions over the form schema and the submitted fields (``name -> [values]``, what
``request.form.to_dict(flat=False)`` gives), so they are tested without Flask or an engine.
``web.form_fields`` turns the same kinds into the fields a page draws; ``web.forms`` renders them.

Field names are dotted paths: ``subject``, ``special_payment.consolatory``,
``resolution_plan.0.reason``. Each schema property gets one *kind* of widget:

=============  ==================================================================
kind           drawn as / read back as
=============  ==================================================================
text           one-line input (``subject``, row cells, ``maxLength`` <= 200)
textarea       free text
date           GOV.UK day, month and year fields ``name-day`` etc. (``format: date``)
integer        text input, whole number; number: text input, decimal
select         ``oneOf``/``enum`` choices: radios (few, required) or a select
yesno          Yes/No radios; nothing chosen means "not answered" (omitted)
checkbox       a boolean with a default; unticked means false
confirm        a boolean that must be true (``const: true``); unticked is omitted
lines          an array of text, one item per line of a textarea
checkboxes     an array of choices
group          a nested object: a fieldset of its own fields; omitted when blank
rows           an array of flat objects: a fixed number of fieldsets, blank rows dropped
json           anything else: a JSON textarea
=============  ==================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

__all__ = [
    "DATE_PARTS",
    "SPARE_ROWS",
    "Submission",
    "Values",
    "choices",
    "date_parts",
    "form_values",
    "initial_data",
    "join",
    "kind_of",
    "label_of",
    "parse_form",
    "properties",
    "row_count",
    "text_of",
]

Values = Mapping[str, Sequence[str]]

SPARE_ROWS: Final = 2  # blank rows offered after the existing ones on a fresh form
_SCALARS: Final = frozenset({"text", "textarea", "date", "integer", "number", "select", "yesno",
                             "checkbox", "confirm"})
_SHORT_KEY = re.compile(r"(subject|team|name|title|reference|decision|matter|event|code|type|"
                        r"addressee)$")
_MISSING: Final = object()
DATE_PARTS: Final = ("day", "month", "year")


@dataclass
class Submission:
    """Typed data from a posted form, what could not be read, and which rows were kept."""

    data: dict[str, Any]
    problems: dict[str, str] = field(default_factory=dict)  # field name -> message
    rows: dict[str, list[int]] = field(default_factory=dict)  # array name -> posted row numbers


# -- kinds -------------------------------------------------------------------------------------

def _type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def choices(schema: Mapping[str, Any]) -> list[tuple[Any, str]]:
    if isinstance(schema.get("enum"), list):
        return [(v, str(v)) for v in schema["enum"]]
    choices = schema.get("oneOf") or schema.get("anyOf") or []
    if choices and all(isinstance(c, Mapping) and "const" in c for c in choices):
        return [(c["const"], str(c.get("title", c["const"]))) for c in choices]
    if "const" in schema and _type(schema) != "boolean":
        return [(schema["const"], str(schema["const"]))]
    return []


def _string_kind(schema: Mapping[str, Any], key: str, in_row: bool) -> str:
    if choices(schema):
        return "select"
    if schema.get("format") == "date":
        return "date"
    limit = schema.get("maxLength")
    if isinstance(limit, int):
        return "text" if limit <= 200 or in_row else "textarea"
    return "text" if in_row or _SHORT_KEY.search(key) else "textarea"


def _flat(schema: Mapping[str, Any], in_row: bool) -> bool:
    props = schema.get("properties")
    if not isinstance(props, Mapping) or not props:
        return False
    allowed = _SCALARS if in_row else _SCALARS | {"lines", "checkboxes", "group"}
    return all(kind_of(p, key=k, in_row=in_row) in allowed for k, p in props.items())


def kind_of(schema: Mapping[str, Any], *, key: str = "", in_row: bool = False) -> str:
    """Which widget draws this property (see the module docstring)."""
    kind = _type(schema)
    if kind == "boolean":
        if schema.get("const") is True:
            return "confirm"
        return "checkbox" if "default" in schema and not in_row else "yesno"
    if kind == "string" or (kind is None and choices(schema)):
        return _string_kind(schema, key, in_row)
    if kind in ("integer", "number"):
        return kind
    items = schema.get("items")
    if kind == "array" and isinstance(items, Mapping) and not in_row:
        if _type(items) == "string":
            return "checkboxes" if choices(items) else "lines"
        if _type(items) == "object" and _flat(items, in_row=True):
            return "rows"
    if kind == "object" and not in_row and _flat(schema, in_row=False):
        return "group"
    return "json"


def properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    props = schema.get("properties")
    return [(k, p) for k, p in props.items() if isinstance(p, Mapping)] if isinstance(
        props, Mapping) else []


def label_of(schema: Mapping[str, Any], key: str) -> str:
    return str(schema.get("title") or key.replace("_", " ").capitalize())


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def row_count(values: Values, name: str) -> int:
    pattern = re.compile(re.escape(name) + r"\.(\d+)\.")
    found = [int(m.group(1)) for key in values if (m := pattern.match(key))]
    return max(found) + 1 if found else 0


def _blank(values: Values, prefix: str) -> bool:
    start = prefix + "."
    return all(not v.strip() for key, vs in values.items() if key.startswith(start) for v in vs)


# -- typed data -> submitted fields --------------------------------------------------------------

def initial_data(schema: Mapping[str, Any], case_data: Mapping[str, Any]) -> dict[str, Any]:
    """What a fresh form shows: the case's current values for its fields, else the defaults.

    A yes/no question (a boolean with no default) is always asked afresh: a value the diagram
    set beforehand (``spt_approved = False``) must not read as the person's answer.
    """
    found: dict[str, Any] = {}
    for key, prop in properties(schema):
        if kind_of(prop, key=key) == "yesno":
            continue
        if case_data.get(key) is not None:
            found[key] = case_data[key]
        elif "default" in prop:
            found[key] = prop["default"]
    return found


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _flatten(schema: Mapping[str, Any], data: Any, prefix: str, out: dict[str, list[str]],
             in_row: bool) -> None:
    if not isinstance(data, Mapping):
        return
    for key, prop in properties(schema):
        if data.get(key) is not None:
            _flatten_value(prop, data[key], join(prefix, key), out,
                           kind_of(prop, key=key, in_row=in_row))


def _flatten_value(prop: Mapping[str, Any], value: Any, name: str, out: dict[str, list[str]],
                   kind: str) -> None:
    listed = value if isinstance(value, list) else [value]
    if kind == "group":
        _flatten(prop, value, name, out, in_row=False)
    elif kind == "rows":
        for i, item in enumerate(listed):
            _flatten(prop["items"], item, f"{name}.{i}", out, in_row=True)
    elif kind == "lines":
        out[name] = ["\n".join(text_of(v) for v in listed)]
    elif kind == "checkboxes":
        out[name] = [text_of(v) for v in listed]
    elif kind in ("checkbox", "confirm"):
        out[name] = ["true"] if value is True else []
    elif kind == "json":
        out[name] = [json.dumps(value, indent=2, ensure_ascii=False)]
    else:
        out[name] = [text_of(value)]


def form_values(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The submitted fields that would mean ``data`` (the inverse of :func:`parse_form`)."""
    out: dict[str, list[str]] = {}
    _flatten(schema, data, "", out, in_row=False)
    return out


# -- submitted fields -> typed data --------------------------------------------------------------

def parse_form(schema: Mapping[str, Any], values: Values) -> Submission:
    """Typed JSON from submitted fields; empty optional fields are left out."""
    submission = Submission({})
    submission.data = _parse_object(schema, values, "", submission, in_row=False)
    return submission


def _parse_object(schema: Mapping[str, Any], values: Values, prefix: str, sub: Submission,
                  in_row: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prop in properties(schema):
        name = join(prefix, key)
        value = _parse_value(prop, values, name, sub, kind_of(prop, key=key, in_row=in_row))
        if value is not _MISSING:
            out[key] = value
    return out


def _parse_value(prop: Mapping[str, Any], values: Values, name: str, sub: Submission,
                 kind: str) -> Any:
    raw = [v for v in values.get(name, ()) if isinstance(v, str)]
    first = raw[0].replace("\r\n", "\n").strip() if raw else ""
    if kind == "group":
        return _MISSING if _blank(values, name) else _parse_object(prop, values, name, sub, False)
    if kind == "rows":
        return _parse_rows(prop["items"], values, name, sub)
    if kind == "lines":
        lines = [line.strip() for v in raw for line in v.splitlines() if line.strip()]
        return lines or _MISSING
    if kind == "checkboxes":
        known = {text_of(v): v for v, _ in choices(prop["items"])}
        return [known.get(v, v) for v in raw if v] or _MISSING
    if kind == "checkbox":
        return first == "true"
    if kind in ("confirm", "yesno"):
        answer = {"true": True, "false": False}.get(first, _MISSING)
        return _MISSING if kind == "confirm" and answer is False else answer
    if kind == "date" and any(f"{name}-{p}" in values for p in DATE_PARTS):
        return _parse_date(prop, values, name, sub)
    if not first:
        return _MISSING
    if kind == "select":
        return {text_of(v): v for v, _ in choices(prop)}.get(first, first)
    return _convert(prop, first, name, sub, kind)


def _parse_rows(items: Mapping[str, Any], values: Values, name: str, sub: Submission) -> Any:
    rows, kept = [], []
    for i in range(row_count(values, name)):
        if not _blank(values, f"{name}.{i}"):
            rows.append(_parse_object(items, values, f"{name}.{i}", sub, in_row=True))
            kept.append(i)
    sub.rows[name] = kept
    return rows or _MISSING


def date_parts(values: Values, name: str) -> dict[str, str]:
    """The day, month and year as posted, else split from an ISO date under ``name``."""
    posted = {p: next(iter(values.get(f"{name}-{p}", ())), "") for p in DATE_PARTS}
    if any(f"{name}-{p}" in values for p in DATE_PARTS):
        return {p: str(v).strip() for p, v in posted.items()}
    stored = next(iter(values.get(name, ())), "")
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(stored))
    if not match:
        return dict.fromkeys(DATE_PARTS, "")
    year, month, day = match.groups()
    return {"day": str(int(day)), "month": str(int(month)), "year": year}


def _parse_date(prop: Mapping[str, Any], values: Values, name: str, sub: Submission) -> Any:
    """UK day/month/year fields -> ISO ``YYYY-MM-DD``; a date that does not exist is a problem."""
    parts = date_parts(values, name)
    if not any(parts.values()):
        return _MISSING
    label = label_of(prop, name.rsplit(".", 1)[-1])
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        sub.problems[name] = f"‘{label}’ must include a {' and '.join(missing)}"
        return _MISSING
    try:
        when = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        sub.problems[name] = f"‘{label}’ must be a real date, like 27 3 2026"
        return _MISSING
    if when.year < 1900:
        sub.problems[name] = f"‘{label}’ must include a four-digit year, like 2026"
        return _MISSING
    return when.isoformat()


def _convert(prop: Mapping[str, Any], text: str, name: str, sub: Submission, kind: str) -> Any:
    label = label_of(prop, name.rsplit(".", 1)[-1])
    try:
        if kind == "json":
            return json.loads(text)
        if kind == "integer":
            return int(text.replace(",", ""))
        if kind == "number":
            number = text.replace(",", "").removeprefix("£")
            return int(number) if re.fullmatch(r"-?\d+", number) else float(number)
    except ValueError:
        sub.problems[name] = {"json": f"Enter valid JSON for ‘{label}’",
                              "integer": f"Enter a whole number for ‘{label}’"}.get(
                                  kind, f"Enter a number for ‘{label}’")
        return _MISSING
    return text
