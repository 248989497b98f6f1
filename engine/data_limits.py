"""Bounds on the shape of case data: it is stored as JSON and walked recursively.

Task data comes from requests (start data, form submissions, messages' payloads), from diagram
scripts and expressions (a message thrown inside a case carries an expression's value) and from
service-task handlers' results (which may carry what another system sent). All are untrusted,
and JSON encoders, ``deepcopy`` and jsonschema recurse: data nested thousands of levels deep
ends in a ``RecursionError`` (a 500), and a value that refers to itself, or shares one list
many times over, serializes to nothing or to gigabytes. So data is walked once,
iteratively, with a budget: at most :data:`MAX_DATA_DEPTH` levels and :data:`MAX_DATA_NODES`
values as JSON would write them (a shared list counts each time it appears).

One key is reserved: SpiffWorkflow stores a date, a duration or an id in the workflow state as a
dict with a ``typename`` key, and restores every such dict as one. A dict of case data with that
key could never be loaded again (every later step of the case would fail), so it is refused.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["MAX_DATA_DEPTH", "MAX_DATA_NODES", "RESERVED_KEY", "shape_problem"]

#: A form of nested groups needs a handful of levels; deeper is a mistake or an attack.
MAX_DATA_DEPTH: Final = 32
MAX_DATA_NODES: Final = 200_000
#: The key that marks a typed value in a stored workflow state.
RESERVED_KEY: Final = "typename"


def shape_problem(value: Any, *, max_depth: int = MAX_DATA_DEPTH,
                  max_nodes: int | None = MAX_DATA_NODES, case_data: bool = True) -> str | None:
    """What is wrong with the shape of ``value`` (JSON-like data), or None if nothing is.

    ``max_nodes=None`` checks the depth only (a form schema, whose size the upload limit bounds).
    ``case_data=False`` allows :data:`RESERVED_KEY` (a form schema may name a field so).
    """
    budget = max_nodes
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            if case_data and RESERVED_KEY in item:
                return (f"holding the key {RESERVED_KEY!r}, which the stored workflow state "
                        "reserves for dates and ids: rename it")
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if level > max_depth:
            return f"nested more than {max_depth} levels deep"
        if budget is not None:
            budget -= len(children)
            if budget < 0:
                return f"more than {max_nodes:,} values"
        stack.extend((child, level + 1) for child in children)
    return None
