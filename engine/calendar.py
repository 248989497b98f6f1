"""UK working days per division, from the ``holidays`` package.

Complaint deadlines are counted in working days of the client's UK division (DOMAIN.md
"Working day"): Monday to Friday, excluding that division's bank holidays. The divisions differ
(Scotland has 2 January and St Andrew's Day but not Easter Monday; Northern Ireland has
St Patrick's Day and the Battle of the Boyne), so every function takes a division.

Holidays come from the pinned ``holidays`` package, including one-off days it lists (the 2022
State Funeral, the 2023 Coronation); upgrading the package can therefore move a deadline.

Convention (DOMAIN.md): "N working days from receipt" counts the first working day *after* the
day of receipt as day 1, whatever kind of day the receipt fell on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final, Literal, get_args

import holidays

__all__ = [
    "DIVISIONS",
    "Division",
    "add_working_days",
    "is_working_day",
    "parse_division",
    "working_days_between",
]

Division = Literal["england-and-wales", "scotland", "northern-ireland"]
DIVISIONS: Final[tuple[Division, ...]] = get_args(Division)

# England and Wales share their bank holidays; the package's ENG list is the one we use.
_SUBDIVISION: Final[dict[Division, str]] = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}

_ALIASES: Final[dict[str, Division]] = {
    **{division: division for division in DIVISIONS},
    "england-wales": "england-and-wales",
    "england": "england-and-wales",
    "wales": "england-and-wales",
    "ew": "england-and-wales",
    "e&w": "england-and-wales",
    "eng": "england-and-wales",
    "wls": "england-and-wales",
    "sct": "scotland",
    "scot": "scotland",
    "ni": "northern-ireland",
    "nir": "northern-ireland",
}


def parse_division(value: str) -> Division:
    """Map a division name or common abbreviation (case-insensitive) to a :data:`Division`.

    Raises:
        ValueError: the value names no UK division; the message lists the accepted values.
    """
    key = "-".join(str(value).strip().lower().replace("_", " ").split())
    division = _ALIASES.get(key)
    if division is None:
        allowed = ", ".join(sorted(_ALIASES))
        raise ValueError(f"unknown UK division {value!r}: expected one of {allowed}")
    return division


@lru_cache(maxsize=256)
def _holidays(division: Division, year: int) -> frozenset[date]:
    # A frozenset per (division, year): lookups are cheap and the cache is thread-safe, unlike a
    # shared ``holidays`` object with expand=True, which mutates itself on lookup.
    found = holidays.country_holidays("GB", subdiv=_SUBDIVISION[division], years=year)
    return frozenset(found.keys())


def is_working_day(day: date, division: Division) -> bool:
    """Whether ``day`` is Monday to Friday and not a bank holiday in ``division``.

    Raises:
        TypeError: ``day`` is a datetime; which date it means depends on a time zone.
        ValueError: unknown division.
    """
    _require_date(day)
    return _working(day, parse_division(division))


def _require_date(day: date) -> None:
    # A datetime is a date subclass but never equals one: it would silently miss every holiday.
    if isinstance(day, datetime):
        raise TypeError("pass a date, not a datetime: convert it to a local date first")


def _working(day: date, division: Division) -> bool:
    return day.weekday() < 5 and day not in _holidays(division, day.year)


def add_working_days(start: date, n: int, division: Division) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts).

    ``n == 0`` returns ``start`` unchanged; a negative ``n`` counts backwards the same way
    (``-1`` is the last working day before ``start``).
    """
    division = parse_division(division)
    _require_date(start)
    step = timedelta(days=1 if n >= 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if _working(day, division):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, division: Division) -> int:
    """Working days after ``start`` up to and including ``end``.

    So ``add_working_days(start, k)`` gives ``k`` for any k >= 0. ``end == start`` gives 0, and
    an ``end`` before ``start`` gives the negated count of working days after ``end`` up to and
    including ``start``.
    """
    division = parse_division(division)
    _require_date(start)
    _require_date(end)
    if end < start:
        return -working_days_between(end, start, division)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if _working(day, division):
            count += 1
    return count
