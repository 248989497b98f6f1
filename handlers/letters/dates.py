"""Dates and money as letters print them (GOV.UK style)."""

from __future__ import annotations

from datetime import date, datetime

__all__ = ["long_date", "money", "parse_date"]


def parse_date(value: object) -> date | None:
    """An ISO date (or datetime) from task data; ``None`` when missing or unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def long_date(value: object, missing: str = "the date we received it") -> str:
    """27 March 2026; ``missing`` when there is no date."""
    when = parse_date(value)
    return f"{when.day} {when:%B %Y}" if when else missing


def money(amount: object) -> str:
    """£150 or £150.50."""
    value = float(amount) if isinstance(amount, int | float) else 0.0
    return f"£{value:,.0f}" if value.is_integer() else f"£{value:,.2f}"
