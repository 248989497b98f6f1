"""Date functions that diagrams may call from timer and gateway expressions and scripts.

The engine registers :data:`EXPRESSION_FUNCTIONS` in the sandbox, so an analyst can write a
boundary timer as ``working_day_deadline(received, 15, division)`` instead of asking for Python.
Task data is JSON, so every function takes and returns ISO 8601 text (``date``/``datetime``
values from a script are accepted too). Time is read from :func:`engine.clock.current_clock`, so
a simulated clock moves these answers as well as SpiffWorkflow's timers.

Dates are UK dates: a datetime argument stands for its Europe/London calendar day (naive
datetimes are read as London wall-clock time). Bad input raises ``ValueError`` with a message
naming the argument, which the sandbox reports as the script's error.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from engine.calendar import add_working_days, parse_division
from engine.clock import current_clock

__all__ = [
    "EXPRESSION_FUNCTIONS",
    "LONDON",
    "add_months",
    "date_before",
    "days_after",
    "now",
    "to_uk_date",
    "today",
    "within_months",
    "working_day_deadline",
    "working_days_after",
]

LONDON: Final = ZoneInfo("Europe/London")
_END_OF_DAY: Final = time(23, 59, 59)


def to_uk_date(value: str | date, what: str = "date") -> date:
    """The Europe/London calendar date an ISO date or datetime (text or object) stands for.

    Raises:
        ValueError: ``value`` is not an ISO 8601 date or datetime; the message names ``what``.
    """
    if isinstance(value, datetime):
        return _london(value).date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an ISO date text such as '2026-03-27', got {value!r}")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return _london(datetime.fromisoformat(text)).date()
    except ValueError:
        raise ValueError(
            f"{what} must be an ISO date or datetime such as '2026-03-27', got {value!r}"
        ) from None


def _london(when: datetime) -> datetime:
    return when.replace(tzinfo=LONDON) if when.tzinfo is None else when.astimezone(LONDON)


def _whole_number(value: Any, what: str) -> int:
    # bool is an int subclass; True as a day count is a diagram bug, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return value


def now() -> str:
    """The current moment as ISO UTC text, e.g. ``2026-03-27T09:00:00+00:00``."""
    return current_clock().now().astimezone(UTC).isoformat()


def today() -> str:
    """Today's date in Europe/London as ISO text."""
    return current_clock().now().astimezone(LONDON).date().isoformat()


def working_days_after(start: str | date, n: int, division: str = "england-and-wales") -> str:
    """The date ``n`` working days after ``start`` in ``division`` (day 1 is the first working
    day after ``start``)."""
    day = to_uk_date(start, "start")
    return add_working_days(day, _whole_number(n, "n"), parse_division(division)).isoformat()


def working_day_deadline(start: str | date, n: int, division: str = "england-and-wales") -> str:
    """The end (23:59:59 Europe/London) of the ``n``-th working day after ``start``, as ISO UTC.

    Made for a BPMN ``timeDate`` timer: the timer fires once the whole last day has passed.
    """
    due = date.fromisoformat(working_days_after(start, n, division))
    return datetime.combine(due, _END_OF_DAY, tzinfo=LONDON).astimezone(UTC).isoformat()


def days_after(start: str | date, n: int) -> str:
    """The date ``n`` calendar days after ``start`` (negative ``n`` goes back)."""
    return (to_uk_date(start, "start") + timedelta(days=_whole_number(n, "n"))).isoformat()


def _add_months(day: date, n: int) -> date:
    months = day.year * 12 + (day.month - 1) + n
    year, month = divmod(months, 12)
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_months(start: str | date, n: int) -> str:
    """The date ``n`` calendar months after ``start``, clamped to the end of a shorter month
    (31 August + 6 months is 28 February)."""
    return _add_months(to_uk_date(start, "start"), _whole_number(n, "n")).isoformat()


def within_months(earlier: str | date, later: str | date, months: int) -> bool:
    """Whether ``later`` is at most ``months`` calendar months after ``earlier``, inclusive.

    DOMAIN.md reads "within 6 months" and "14 months" as calendar months with inclusive limits.
    A ``later`` before ``earlier`` counts as within (e.g. a complaint raised before the case
    closed is within "14 months after closure").
    """
    first, second = to_uk_date(earlier, "earlier"), to_uk_date(later, "later")
    return second <= _add_months(first, _whole_number(months, "months"))


def date_before(a: str | date, b: str | date) -> bool:
    """Whether the UK date of ``a`` is strictly before that of ``b``."""
    return to_uk_date(a, "a") < to_uk_date(b, "b")


EXPRESSION_FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
    "now": now,
    "today": today,
    "working_days_after": working_days_after,
    "working_day_deadline": working_day_deadline,
    "days_after": days_after,
    "add_months": add_months,
    "within_months": within_months,
    "date_before": date_before,
}
