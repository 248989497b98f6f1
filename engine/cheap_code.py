"""Which diagram code provably costs little, so it may run in the server process.

Nearly every step evaluates a gateway condition (``route == 'appeal'``), a timer expression
(``working_day_deadline(received_date, 15, division)``) or a one-line script
(``stage = 'Investigate'``). Sending each to the sandbox worker process would cost a process
round trip; running arbitrary code in-process lets one C-level call (``10 ** 10 ** 8``,
``'a' * 10 ** 10``) outrun the time limit and the memory cap. So code runs in-process only when
its syntax tree is made of parts whose cost is at most linear in the size of the task data and
the source, with no way to repeat work:

* no loops, comprehensions, lambdas, function or class definitions (no repetition);
  ``try``/``except`` is fine (the sandbox already refuses ``finally``);
* ``+ * % **`` (and ``+= *= %= **=``) only through the sandbox's guards, which hand anything
  that would grow past :data:`MAX_FAST_SIZE` items or 64,000 bits, and every ``%``-format of
  text, to the worker; no ``<< >> @ & | ^`` in-process;
* calls only to the provided functions (trusted Python code whose loops call Python functions,
  so the sandbox's trace deadline stops them), to a few linear builtins, and to linear methods;
  ``replace`` only with constant text that does not grow the string; no f-strings
  (a format spec can ask for a gigabyte of padding);
* at most :data:`MAX_FAST_NODES` syntax nodes, which bounds the values one run can allocate.

Everything else (and anything that would grow too large) runs in the worker process under hard
CPU and memory limits (:mod:`engine.sandbox_worker`).
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import Final

__all__ = ["MAX_FAST_NODES", "MAX_FAST_SIZE", "is_cheap"]

MAX_FAST_NODES: Final = 400
#: Longest text or list ``+`` may build in-process; longer results are built in the worker.
MAX_FAST_SIZE: Final = 10_000

_NODES: Final = (
    ast.Module, ast.Expression, ast.Assign, ast.AugAssign, ast.Expr, ast.If, ast.Pass,
    ast.Try, ast.ExceptHandler,
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Name, ast.Constant,
    ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Subscript, ast.Slice, ast.Attribute, ast.Call,
    ast.keyword, ast.Load, ast.Store,
    ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Div, ast.FloorDiv,
    ast.Mult, ast.Mod, ast.Pow,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
)
_BUILTINS: Final = frozenset({"len", "bool", "str", "int", "float", "abs", "min", "max"})
#: Methods whose cost is linear in their object and which cannot grow it beyond that.
_METHODS: Final = frozenset({
    "get", "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "keys",
    "values", "items", "isoformat", "split", "date", "replace",
})


def is_cheap(source: str, mode: str, functions: Collection[str]) -> bool:
    """Whether ``source`` (``"exec"`` or ``"eval"``) may run in-process; see the module doc."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False  # the restricted compile reports the error
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_FAST_NODES:
        return False
    for node in nodes:
        if not isinstance(node, _NODES):
            return False
        if isinstance(node, ast.BinOp | ast.AugAssign) and not isinstance(
            node.op, ast.Add | ast.Sub | ast.Div | ast.FloorDiv | ast.Mult | ast.Mod | ast.Pow
        ):
            return False
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) for t in targets):
                return False
        if isinstance(node, ast.Call) and not _cheap_call(node, functions):
            return False
    return True


def _cheap_call(call: ast.Call, functions: Collection[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in functions or (func.id in _BUILTINS and not call.keywords)
    if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
        return False
    if func.attr == "replace":
        # Replacing with longer text multiplies the size by the number of matches.
        args = call.args
        if len(args) != 2 or call.keywords or not all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args
        ):
            return False
        return len(_text(args[0])) > 0 and len(_text(args[1])) <= len(_text(args[0]))
    return True


def _text(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
