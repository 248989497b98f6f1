"""Form rendering shared by every screen: a JSON Schema form drawn with GOV.UK Frontend macros.

The pieces live in two modules: :mod:`web.form_kinds` (which widget each property gets, typed
JSON to and from the posted fields) and :mod:`web.form_fields` (the fields to draw, with the
engine's errors put beside them in words). Templates draw a :class:`Form` with the macros of
``_form.html``; :func:`render_form` does it in one call for a page that only needs the fields
(the modeller's form preview, the new-complaint page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from markupsafe import Markup

from web.form_fields import Field, Form, build_form, friendly
from web.form_kinds import (
    DATE_PARTS,
    SPARE_ROWS,
    Submission,
    Values,
    choices,
    date_parts,
    form_values,
    initial_data,
    join,
    kind_of,
    label_of,
    parse_form,
    properties,
    row_count,
    text_of,
)

__all__ = [
    "DATE_PARTS",
    "SPARE_ROWS",
    "Field",
    "Form",
    "Submission",
    "Values",
    "build_form",
    "choices",
    "date_parts",
    "form_values",
    "friendly",
    "initial_data",
    "join",
    "kind_of",
    "label_of",
    "parse_form",
    "properties",
    "render_fields",
    "render_form",
    "row_count",
    "text_of",
]


def render_fields(form: Form) -> Markup:
    """The fields of a built form as GOV.UK Frontend markup (no ``<form>``, no summary)."""
    macros = current_app.jinja_env.get_template("_form.html").module
    return Markup(macros.fields(form))  # type: ignore[attr-defined]


def render_form(schema: Mapping[str, Any], data: Mapping[str, Any] | None = None,
                errors: Sequence[str] = ()) -> Markup:
    """The fields of ``schema`` filled with ``data`` (typed JSON), each engine error beside its
    field. Needs an app context (the templates are the app's)."""
    values: Values = form_values(schema, data or {})
    return render_fields(build_form(schema, values, errors=errors, spare_rows=SPARE_ROWS))
