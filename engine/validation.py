"""Check a package as a deployment would, without storing anything (the modeller's save check)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping

from engine import safe_xml
from engine.definitions import _check_files, _parse
from engine.exceptions import DeploymentError, SandboxError
from engine.handlers import HandlerRegistry
from engine.sandbox import _compile
from engine.versions import sources

__all__ = ["check_expression", "check_package", "static_problems"]

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def check_package(files: Mapping[str, bytes], registry: HandlerRegistry | None) -> list[str]:
    """The problems a deploy of ``files`` would refuse with (empty when it would deploy)."""
    try:
        _parse(_check_files(files), registry)
        return static_problems(files)
    except DeploymentError as exc:
        return [str(exc)]


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


_SCRIPT_TAGS = (f"{{{_BPMN}}}script", f"{{{_SPIFF}}}preScript", f"{{{_SPIFF}}}postScript")


def _script_problem(source: str) -> str | None:
    try:
        _compile(source, "exec", "script")
        tree = ast.parse(source, mode="exec")
    except (SandboxError, SyntaxError) as exc:
        return str(exc).splitlines()[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = ", ".join(a.name for a in node.names) if isinstance(node, ast.Import) \
                else node.module or "a module"
            return f"imports {names}: diagram scripts may not import modules"
    return None


def _cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One call cycle (a, b, ..., a) if the processes call each other round, else None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(pid: str) -> list[str] | None:
        state[pid] = 1
        path.append(pid)
        for called in graph.get(pid, ()):
            if state.get(called) == 1:
                return [*path[path.index(called):], called]
            if called not in state and (found := visit(called)):
                return found
        path.pop()
        state[pid] = 2
        return None

    for pid in sorted(graph):
        if pid not in state and (found := visit(pid)):
            return found
    return None


def static_problems(files: Mapping[str, bytes]) -> list[str]:
    """Scripts that import or do not compile in the sandbox, and call cycles, one line each.

    Raises:
        DeploymentError: a diagram is not safe, well-formed XML.
    """
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for name, content in sorted(files.items()):
        if not name.lower().endswith((".bpmn", ".bpmn20.xml")):
            continue
        root = safe_xml.parse_untrusted(content, name)
        for tag in _SCRIPT_TAGS:
            for script in root.iter(tag):
                owner = script.getparent()
                while owner is not None and owner.get("id") is None:
                    owner = owner.getparent()
                problem = _script_problem(script.text or "")
                if problem:
                    where = owner.get("id") if owner is not None else "?"
                    problems.append(f"{name}: the script of {where} {problem}")
        for pid, source in sources({name: root}).items():
            graph[pid] = set(source.calls)
    cycle = _cycle(graph)
    if cycle:
        problems.append(
            f"call activities call round in a cycle ({' → '.join(cycle)}): "
            "a process may not call itself, directly or through others"
        )
    return problems
