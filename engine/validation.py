"""Check a package as a deployment would, without storing anything (the modeller's save check)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping

from engine.definitions import _check_files, _parse
from engine.exceptions import DeploymentError, SandboxError
from engine.handlers import HandlerRegistry
from engine.sandbox import _compile

__all__ = ["check_expression", "check_package"]


def check_package(files: Mapping[str, bytes], registry: HandlerRegistry | None) -> list[str]:
    """The problems a deploy of ``files`` would refuse with (empty when it would deploy)."""
    try:
        _parse(_check_files(files), registry)
    except DeploymentError as exc:
        return [str(exc)]
    return []


def check_expression(text: str, known_functions: Iterable[str]) -> str | None:
    """Why a timer or condition expression would fail before it runs, or None when it parses.

    It must compile under the sandbox's rules, and every function it calls by name must be one
    the script environment provides (a typo in ``working_day_deadline`` is caught while editing,
    not when the timer is due).
    """
    source = text.strip()
    if not source:
        return "the expression is empty"
    try:
        _compile(source, "eval", "expression")
        tree = ast.parse(source, mode="eval")
    except (SandboxError, SyntaxError) as exc:
        return str(exc).splitlines()[0]
    known = set(known_functions) | set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id not in known:
            return f"unknown function {node.func.id}()"
    return None
