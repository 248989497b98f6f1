"""What each registered handler is and which parameters it takes, for the modeller's panel.

Read from the handler functions themselves (keyword-only parameters after the context, and the
first line of the docstring), so the list can never drift from the code.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from engine.handlers import HandlerRegistry

__all__ = ["HandlerInfo", "ParameterInfo", "describe_handlers"]


@dataclass(frozen=True)
class ParameterInfo:
    name: str
    required: bool
    type: str
    default: str | None


@dataclass(frozen=True)
class HandlerInfo:
    operator: str
    description: str
    parameters: list[ParameterInfo]


def _type_name(annotation: object) -> str:
    if annotation is inspect.Parameter.empty:
        return "any"
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "any")


def describe_handlers(registry: HandlerRegistry) -> list[HandlerInfo]:
    """Every handler by operator id, with its one-line description and parameters."""
    found: list[HandlerInfo] = []
    for operator, func in sorted(registry.handlers.items()):
        doc = (inspect.getdoc(func) or "").strip().splitlines()
        params = [
            ParameterInfo(
                p.name,
                p.default is inspect.Parameter.empty,
                _type_name(p.annotation),
                None if p.default is inspect.Parameter.empty else repr(p.default),
            )
            for p in inspect.signature(func).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        found.append(HandlerInfo(operator, doc[0] if doc else "", params))
    return found
