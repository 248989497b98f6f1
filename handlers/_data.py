"""Small readers for task data, so every handler validates case data the same way."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["OFFICIAL_CORRESPONDENCE", "as_list", "as_mapping", "pence", "pounds", "text"]

# R35: answered, never escalated, so never signposted.
OFFICIAL_CORRESPONDENCE = frozenset({"mp_to_dg", "treat_official", "pos"})


def text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string value, or ``default`` when missing or empty."""
    value = data.get(key)
    return str(value).strip() if value not in (None, "") else default


def as_mapping(value: object) -> Mapping[str, Any]:
    """A mapping value, or an empty one (missing optional case data)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    """A list value, or an empty list (missing optional case data)."""
    return list(value) if isinstance(value, list | tuple) else []


def pence(value: object, field: str) -> int:
    """Pounds (number or numeric string) to whole pence; rejects negatives and non-numbers."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError(f"{field} must be an amount in pounds, not a boolean")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field} must be an amount in pounds") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{field} must be a non-negative amount in pounds")
    return int((amount * 100).quantize(Decimal(1)))


def pounds(amount_pence: int) -> float:
    """Whole pence back to pounds for task data (JSON numbers)."""
    return round(amount_pence / 100, 2)
