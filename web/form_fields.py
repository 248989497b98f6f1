"""The form a task page draws: fields with labels, hints, the values to show and the errors.

Built from the task's JSON Schema with the widget kinds of :mod:`web.forms`; the engine's
``"path: message"`` validation errors are put next to their fields in words a caseworker can
act on, and listed in page order for the error summary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from web.form_kinds import (
    Values,
    choices,
    date_parts,
    join,
    kind_of,
    label_of,
    properties,
    row_count,
    text_of,
)

__all__ = ["Field", "Form", "build_form", "friendly"]

MIN_ROWS: Final = 3
_REQUIRED = re.compile(r"^'([^']+)' is a required property$")
_MINIMUM = re.compile(r"is less than the minimum of (\S+)$")
_EXPECTED = re.compile(r"^(.*) was expected$")


@dataclass
class Field:
    """One thing to draw: an input, a group of inputs or a set of rows."""

    name: str
    label: str
    kind: str
    required: bool = False
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    values: list[str] = field(default_factory=list)  # as submitted (or as stored)
    children: list[Field] = field(default_factory=list)  # group fields, or the rows
    errors: list[str] = field(default_factory=list)
    min_items: int = 0
    widget: str = ""  # how ``kind`` is drawn: a select may be "radios"
    context: str = ""  # for a cell of a row: which row, in the error summary
    parts: dict[str, str] = field(default_factory=dict)  # a date's day, month and year

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def anchor(self) -> str:
        """Where the error summary's link goes: the first input of the field."""
        return f"{self.id}-day" if self.widget == "date" else self.id

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    def walk(self) -> list[Field]:
        return [self, *(f for child in self.children for f in child.walk())]


@dataclass
class Form:
    title: str
    description: str
    fields: list[Field]
    summary: list[tuple[str, str]]  # (id to link to, message) for the error summary

    def walk(self) -> list[Field]:
        return [f for top in self.fields for f in top.walk()]



# -- the form to draw, with errors in place ----------------------------------------------------

def _fields(schema: Mapping[str, Any], values: Values, prefix: str, in_row: bool,
            spare_rows: int) -> list[Field]:
    required = set(schema.get("required") or ())
    return [_field(key, prop, join(prefix, key), values, key in required, in_row, spare_rows)
            for key, prop in properties(schema)]


def _field(key: str, prop: Mapping[str, Any], name: str, values: Values, required: bool,
           in_row: bool, spare_rows: int) -> Field:
    kind = kind_of(prop, key=key, in_row=in_row)
    items: Mapping[str, Any] = prop["items"] if isinstance(prop.get("items"), Mapping) else {}
    made = Field(name=name, label=label_of(prop, key), kind=kind, required=required,
                 hint=str(prop.get("description") or ""),
                 options=[(text_of(v), t) for v, t in choices(items if kind == "checkboxes"
                                                                else prop)],
                 values=[v for v in values.get(name, ()) if isinstance(v, str)],
                 min_items=int(prop.get("minItems") or 0))
    # A few required choices read best as radios; optional ones need a select to be cleared.
    radios = kind == "select" and required and not in_row and len(made.options) <= 4
    made.widget = "radios" if radios else kind
    if kind == "lines" and "one per line" not in made.label.lower():
        made.hint = " ".join(filter(None, ["One per line.", made.hint]))
    if kind == "date":
        made.parts = date_parts(values, name)
    if kind == "group":
        made.children = _fields(prop, values, name, False, spare_rows)
    elif kind == "rows":
        count = max(MIN_ROWS, row_count(values, name) + spare_rows)
        noun = str(items.get("title") or "Entry")
        for i in range(count):
            cells = _fields(items, values, f"{name}.{i}", True, 0)
            for cell in cells:
                cell.context = f"{made.label}, {_lower(noun)} {i + 1}"
            made.children.append(Field(name=f"{name}.{i}", label=f"{noun} {i + 1}",
                                       kind="group", widget="group", children=cells))
    return made


def _lower(label: str) -> str:
    """"Complaint details" -> "complaint details", but "ICE gateway" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _ask(f: Field) -> str:
    """What to say when a field was left empty."""
    if f.kind == "confirm":
        return f"Tick ‘{f.label}’ to continue"
    if f.kind == "yesno":
        return f"Select yes or no for ‘{f.label}’"
    if f.kind in ("select", "checkboxes"):
        return f"Select {_lower(f.label)}"
    if f.kind == "date":
        return f"Enter a date for ‘{f.label}’"
    if f.kind == "group":
        return f"Fill in ‘{f.label}’"
    if f.kind == "rows":
        n = max(f.min_items, 1)
        return f"Fill in at least {n} {'entry' if n == 1 else 'entries'} for ‘{f.label}’"
    if f.kind == "lines" and f.min_items > 1:
        return f"Enter at least {f.min_items} lines for ‘{f.label}’"
    return f"Enter {_lower(f.label)}"


def friendly(message: str, f: Field) -> str:
    """A validator's message about ``f`` in words a caseworker can act on."""
    if _REQUIRED.match(message) or message.endswith("should be non-empty"):
        return _ask(f)
    if message.endswith("is too short"):
        return _ask(f) if f.kind in ("rows", "lines") else f"Enter {_lower(f.label)}"
    if message.endswith("is not a 'date'"):
        return f"Enter a real date for ‘{f.label}’"
    if message.endswith("is not a 'email'"):
        return "Enter an email address in the correct format, like name@example.com"
    if " does not match " in message:
        return " ".join(filter(None, [f"Enter {_lower(f.label)} in the right format.", f.hint]))
    if minimum := _MINIMUM.search(message):
        return f"‘{f.label}’ must be {minimum.group(1)} or more"
    if expected := _EXPECTED.match(message):
        if f.kind == "confirm":
            return _ask(f)
        wanted = expected.group(1).strip("'")
        shown = {"True": "Yes", "False": "No"}.get(wanted, wanted)
        shown = next((t for v, t in f.options if v == wanted), shown)
        return f"‘{f.label}’ must be ‘{shown}’ with the other answers given"
    if "is not valid under any of the given schemas" in message or "is not one of" in message:
        return f"Select {_lower(f.label)} from the list"
    return f"{f.label}: {message}"


def _locate(message: str, rows: Mapping[str, list[int]]) -> tuple[str, str]:
    """``"resolution_plan/0/reason: ..."`` -> (``"resolution_plan.<posted row>.reason"``, ...)."""
    path, _, text = message.partition(": ")
    parts = [] if path in ("(form)", "") else path.split("/")
    if required := _REQUIRED.match(text):
        parts.append(required.group(1))
    name = ""
    for part in parts:
        kept = rows.get(name)
        if kept is not None and part.isdigit() and int(part) < len(kept):
            part = str(kept[int(part)])
        name = join(name, part)
    return name, text


def build_form(schema: Mapping[str, Any], values: Values, *, errors: Sequence[str] = (),
               problems: Mapping[str, str] | None = None,
               rows: Mapping[str, list[int]] | None = None, spare_rows: int = 0) -> Form:
    """The form to draw, with ``values`` filled in and each error next to its field.

    Args:
        errors: the engine's ``"path: message"`` validation errors.
        problems: field name -> message, for fields :func:`parse_form` could not read.
        rows: from :func:`parse_form`, to map the engine's item numbers back to posted rows.
        spare_rows: blank rows to offer after the filled ones (on a fresh form).
    """
    form = Form(str(schema.get("title") or ""), str(schema.get("description") or ""),
                _fields(schema, values, "", False, spare_rows), [])
    by_name = {f.name: f for f in form.walk()}
    for name, text in (problems or {}).items():
        if name in by_name:
            _place(form, by_name[name], text)
    for message in errors:
        name, text = _locate(message, rows or {})
        while name and name not in by_name:
            name = name.rpartition(".")[0]
        if name in (problems or {}):
            continue  # already said why it could not be read
        if name in by_name:
            _place(form, by_name[name], friendly(text, by_name[name]))
        else:
            form.summary.append(("task-form", message))
    order = {f.anchor: i for i, f in enumerate(by_name.values())}
    form.summary.sort(key=lambda item: order.get(item[0], len(order)))  # as the page reads
    return form


def _place(form: Form, target: Field, text: str) -> None:
    target.errors.append(text)
    form.summary.append((target.anchor,
                         f"{target.context}: {text}" if target.context else text))
