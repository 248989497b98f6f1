"""Script snippets shared by the diagram descriptions (kept short: analysts read them)."""

from __future__ import annotations

from typing import Any


def defaults(**values: Any) -> str:
    """A script giving each missing task-data key a default; keys already set are kept."""
    lines = []
    for key, value in values.items():
        literal = value if isinstance(value, Expr) else repr(value)
        lines += ["try:", f"    {key}", "except NameError:", f"    {key} = {literal}"]
    return "\n".join(lines)


class Expr(str):
    """A default that is a Python expression (written as is), not a literal value."""


def assign(**values: Any) -> str:
    """A script of plain assignments; ``Expr`` values are written as expressions."""
    return "\n".join(f"{k} = {v if isinstance(v, Expr) else repr(v)}" for k, v in values.items())


def history(tier: str) -> str:
    """Append this tier's dates and outcome to ``tier_history`` (the figures read it)."""
    return (
        "tier_history = tier_history + [{'tier': " + repr(tier) + ", "
        "'received_date': received_date, 'response_due': response_due, "
        "'closed_date': today(), 'outcome': outcome}]"
    )


NI = "division.lower().replace('_', '-') in ('northern-ireland', 'ni', 'nir')"
