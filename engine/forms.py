"""Form schemas: checked at deploy, validated at completion, nothing ever fetched or backtracked.

A form is a JSON Schema file an analyst uploads beside the diagrams; a caseworker's submission
is validated against it. Both are untrusted input, so:

* ``$ref`` may point only inside the same schema (``#/$defs/x``) or to another form file of
  the same deployment (``address.json`` or ``address.json#/$defs/x``). Validation uses a
  :class:`referencing.Registry` holding just the deployment's forms and no ``retrieve``: a
  reference to anything else is unresolvable, never a file read or an HTTP request.
* ``pattern`` is matched by RE2 (linear time, no backtracking), so ``^(a+)+$`` on a long value
  costs microseconds; a pattern RE2 cannot compile (back-references, look-around) is refused at
  deploy. ``patternProperties`` is refused: a form has named fields, and jsonschema would match
  its keys with Python's backtracking ``re``.
* A schema and a submission are bounded in nesting depth (jsonschema and the serializers
  recurse), and a bad file is a one-line :class:`DeploymentError`, never a ``RecursionError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Final

import jsonschema
import re2
from jsonschema import _keywords
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.data_limits import shape_problem
from engine.exceptions import DeploymentError, ValidationError

__all__ = ["MAX_SCHEMA_DEPTH", "check_data_depth", "check_form", "validate"]

MAX_SCHEMA_DEPTH: Final = 40
MAX_PATTERN_LENGTH: Final = 1000
_REF_KEYS: Final = ("$ref", "$dynamicRef")


def _re2_options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 writes refused patterns to stderr otherwise
    return options


_OPTIONS: Final = _re2_options()


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


def _re2_pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _compiled(patrn).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")


def _re2_regex_format(instance: object) -> bool:
    if isinstance(instance, str):
        _compiled(instance)  # re2.error: the format checker reports it as not a regex
    return True


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _re2_pattern}
)
_FORMATS = jsonschema.FormatChecker()
_FORMATS.checkers["regex"] = (_re2_regex_format, (re2.error,))
# The one keyword we replace must still be the library's own, or the override is stale.
assert jsonschema.Draft202012Validator.VALIDATORS["pattern"] is _keywords.pattern


def check_form(name: str, content: bytes, all_names: Mapping[str, object]) -> dict[str, Any]:
    """Parse and check one form file of a deployment whose files are ``all_names``.

    Raises:
        DeploymentError: one line naming the file: not JSON, too deep, not a JSON Schema, a
            ``$ref`` outside the deployment, or a pattern RE2 cannot compile.
    """
    try:
        schema = json.loads(content)
    except RecursionError:
        raise DeploymentError(
            f"{name}: nested more than {MAX_SCHEMA_DEPTH} levels deep"
        ) from None
    except ValueError as exc:
        raise DeploymentError(f"{name}: not valid JSON: {str(exc).splitlines()[0]}") from exc
    if not isinstance(schema, dict):
        raise DeploymentError(f"{name}: a form schema must be a JSON object")
    too_deep = shape_problem(schema, max_depth=MAX_SCHEMA_DEPTH, max_nodes=None,
                             case_data=False)
    if too_deep is not None:
        raise DeploymentError(f"{name}: {too_deep}")
    for node in _nodes(schema):
        _check_node(name, node, all_names)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise DeploymentError(
            f"{name}: not a valid JSON Schema: {str(exc).splitlines()[0]}"
        ) from exc
    return schema


def _check_node(name: str, node: Mapping[str, Any], all_names: Mapping[str, object]) -> None:
    for key in _REF_KEYS:
        ref = node.get(key)
        if isinstance(ref, str) and not _local_ref(ref, all_names):
            raise DeploymentError(
                f"{name}: {key} {_short(ref)} points outside the deployment; use '#/…' or "
                "the name of another form file in it"
            )
    if isinstance(node.get("$id"), str):
        raise DeploymentError(f"{name}: $id is not supported in forms; refer to files by name")
    if "patternProperties" in node:
        raise DeploymentError(
            f"{name}: patternProperties is not supported in forms; name each field"
        )
    pattern = node.get("pattern")
    if isinstance(pattern, str):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise DeploymentError(
                f"{name}: pattern {_short(pattern)} is longer than {MAX_PATTERN_LENGTH} characters"
            )
        try:
            _compiled(pattern)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise DeploymentError(
                f"{name}: pattern {_short(pattern)} is not supported ({reason}); back-references "
                "and look-around are not allowed"
            ) from None


def _local_ref(ref: str, all_names: Mapping[str, object]) -> bool:
    target, _, _fragment = ref.partition("#")
    return target == "" or target in all_names


def _nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every object in the schema, without recursion (depth is checked first anyway)."""
    stack = [schema]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def check_data_depth(data: Any, what: str = "the data") -> None:
    """Refuse data too deep or too large to store (see :mod:`engine.data_limits`).

    Raises:
        ValidationError: naming ``what`` and the limit.
    """
    problem = shape_problem(data)
    if problem is not None:
        raise ValidationError(f"{what} is {problem}", [f"(data): {problem}"])


def validate(forms: Mapping[str, Mapping[str, Any]], form: str, data: Mapping[str, Any]) -> None:
    """Validate ``data`` against the deployment's form ``form``; refs resolve among ``forms``.

    Raises:
        ValidationError: the data does not satisfy the schema (``errors`` lists each field).
    """
    check_data_depth(data)
    schema = forms[form]
    registry: Registry[Any] = Registry().with_resources(
        (other, Resource.from_contents(contents, default_specification=DRAFT202012))
        for other, contents in forms.items()
    )
    validator = _Validator(schema, registry=registry, format_checker=_FORMATS)
    try:
        errors = sorted(validator.iter_errors(dict(data)), key=lambda e: list(e.absolute_path))
    except Unresolvable as exc:
        raise ValidationError(f"form {form} cannot be checked: {exc}", [str(exc)]) from None
    if errors:
        messages = [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(form)'}: {e.message}" for e in errors
        ]
        raise ValidationError("the form data is not valid", messages)


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
