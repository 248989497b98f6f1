"""Complaint-handling figures for operations (DOMAIN.md "What operations must see").

Volumes per tier, time to resolve in working days, share answered within target, overdue
cases, outcomes and upheld rate, special payment totals and the systemic-issue trend, computed
from the instance summaries the engine keeps (no workflow state is loaded). "Non complaint
consolatory payment referral only" records are left out, as R19 requires, and so are
cancelled cases. Per-tier figures (outcomes counted when each tier closes, payments by type,
per department) are :mod:`workflows.complaint_figures`.

At scale (100,000 open cases) no record, nor even a row, is read per open case: the database
counts the cases that have not ended per status and distinct JSON text of the two or three
summary values their figures need (:func:`engine.summaries.unfinished_groups`), each distinct
combination is judged once, and only the groups found overdue have their members decoded. The
ended cases (far fewer, and each needing working-day arithmetic) are read whole. R19 records
are left out by the database. Every figure follows the rules of
:func:`workflows.services.describe`, in id order, so the result is what describing every
instance one by one gives.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from engine import Engine
from engine.calendar import Division, parse_division, working_days_between
from engine.summaries import (
    EndedSummary,
    SummaryGroup,
    ended_summaries,
    snapshot,
    start_times,
    unfinished_groups,
)
from workflows.services import is_overdue, outcome_of, parse_due, tier_of

__all__ = ["EXCLUDED_ROUTES", "Figures", "compute"]

EXCLUDED_ROUTES = frozenset({"consolatory_payment_referral"})  # R19
UPHELD = frozenset({"upheld", "part_upheld"})
SYSTEMIC_WINDOW = timedelta(days=30)  # R29: third closure on one subject within 30 days
SYSTEMIC_COUNT = 3
OPEN = ("active", "suspended")
_KEYS = ("tier", "response_due", "received_date")  # what the figures need of every case
_EXCLUDE = {"route": EXCLUDED_ROUTES}


@dataclass(frozen=True)
class Figures:
    as_of: datetime
    period_from: date | None
    period_to: date | None
    received: int
    closed: int
    open_by_tier: dict[str, int]
    days_to_resolve: dict[str, float | int | None]
    within_target: dict[str, float | int | None]
    overdue: list[dict[str, Any]]
    outcomes: dict[str, int]
    upheld_rate: float | None
    special_payments: dict[str, Any]
    systemic: list[dict[str, Any]] = field(default_factory=list)


def compute(engine: Engine, *, start: date | None = None, end: date | None = None) -> Figures:
    """Figures for complaints received (volumes) or closed (outcomes) between two dates."""
    now = engine.clock.now()
    period = start is not None or end is not None
    with snapshot(engine.db) as conn:
        # Cancelled cases (a duplicate, a mistake) are not complaints handled: left out.
        groups = [g for g in unfinished_groups(conn, _KEYS if period else _KEYS[:2],
                                               exclude=_EXCLUDE) if g.status != "cancelled"]
        ended = [f for f in ended_summaries(conn, exclude=_EXCLUDE) if f.status != "cancelled"]
        received = sum(1 for f in ended if _in(_received(f), start, end))
        if not period:
            received += sum(g.size for g in groups)  # every case counts
        else:
            received += _received_unfinished(conn, groups, start, end)
    open_by_tier, overdue = _open(groups, [f for f in ended if f.status in OPEN], now)
    closed = [f for f in ended if _in(f.ended_at.date(), start, end)]
    return Figures(
        as_of=now, period_from=start, period_to=end,
        received=received,
        closed=len(closed),
        open_by_tier=open_by_tier,
        days_to_resolve=_days_to_resolve(closed),
        within_target=_within_target(closed),
        overdue=overdue,
        outcomes=dict(Counter(o for o in map(_outcome, closed) if o)),
        upheld_rate=_rate(closed),
        special_payments=_payments(closed),
        systemic=_systemic(ended, now.date()),
    )


def _open(groups: list[SummaryGroup], ended_open: list[EndedSummary],
          now: datetime) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Open cases per tier (tiers in order of their first case) and the overdue ones by id.

    ``ended_open`` are cases with an end time yet still marked open: they count as open too.
    """
    tiers: list[tuple[int, str, int]] = []  # first id, tier, how many
    late: list[tuple[int, str, str | None, str | None]] = []  # id, business key, tier, deadline
    for g in groups:
        if g.status in OPEN:
            tier, deadline, overdue = _judge(g.status, _decode(g.values[0]),
                                             _decode(g.values[1]), now)
            tiers.append((g.first_id, tier or "unknown", g.size))
            if overdue:
                late += [(i, key, tier, deadline) for i, key in g.members()]
    for f in ended_open:
        tier, deadline, overdue = _judge(f.status, f.summary.get("tier"),
                                         f.summary.get("response_due"), now)
        tiers.append((f.id, tier or "unknown", 1))
        if overdue:
            late.append((f.id, f.business_key, tier, deadline))
    by_tier: dict[str, int] = {}
    for _, name, count in sorted(tiers, key=itemgetter(0)):
        by_tier[name] = by_tier.get(name, 0) + count
    late.sort(key=itemgetter(0))
    return by_tier, [{"id": i, "business_key": key, "tier": tier, "deadline": deadline}
                     for i, key, tier, deadline in late]


def _received_unfinished(conn: Connection, groups: list[SummaryGroup], start: date | None,
                         end: date | None) -> int:
    """Unfinished cases received in the period: on their ``received_date``, else on the day
    they started."""
    count = 0
    undated: list[int] = []
    for g in groups:
        day = _day(_decode(g.values[2]))
        if day is None:
            undated += [i for i, _ in g.members()]
        elif _in(day, start, end):
            count += g.size
    started = start_times(conn, undated) if undated else {}
    return count + sum(1 for when in started.values() if _in(when.date(), start, end))


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _judge(status: str, tier_value: Any, due_value: Any,
           now: datetime) -> tuple[str | None, str | None, bool]:
    """Tier, deadline and whether overdue, as :func:`workflows.services.describe` has them."""
    tier = tier_of(status, tier_value)
    due = parse_due(due_value)
    return (tier, due.isoformat() if due is not None else None,
            is_overdue(due, now, tier, status))


# Ended cases share a handful of divisions and a few hundred dates: each is parsed once.


def _division(value: Any) -> Division:
    return _division_named(str(value or "england-and-wales"))


@lru_cache(maxsize=1024)
def _division_named(name: str) -> Division:
    try:
        return parse_division(name)
    except ValueError:
        return "england-and-wales"


def _day(value: Any) -> date | None:
    return _text_day(value) if isinstance(value, str) else _as_day(parse_due(value))


@lru_cache(maxsize=65_536)
def _text_day(value: str) -> date | None:
    return _as_day(parse_due(value))


def _as_day(due: datetime | date | None) -> date | None:
    return due.date() if isinstance(due, datetime) else due


def _received(f: EndedSummary) -> date:
    return _day(f.summary.get("received_date")) or f.started_at.date()


def _in(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _outcome(f: EndedSummary) -> str | None:
    return outcome_of(f.summary)


# Closed cases share receipt and closure days, so most working-day counts repeat too.
_working_days = lru_cache(maxsize=65_536)(working_days_between)


def _days_to_resolve(closed: list[EndedSummary]) -> dict[str, float | int | None]:
    days = [_working_days(_received(f), f.ended_at.date(), _division(f.summary.get("division")))
            for f in closed]
    return {"count": len(days), "mean": round(statistics.fmean(days), 1) if days else None,
            "median": statistics.median(days) if days else None}


def _within_target(closed: list[EndedSummary]) -> dict[str, float | int | None]:
    judged = 0
    met = 0
    for f in closed:
        due = _day(f.summary.get("response_due"))
        if due is None:
            continue
        judged += 1
        met += f.ended_at.date() <= due
    return {"count": judged, "met": met, "share": round(met / judged, 3) if judged else None}


def _rate(closed: list[EndedSummary]) -> float | None:
    decided = [o for o in map(_outcome, closed) if o]
    if not decided:
        return None
    return round(sum(1 for o in decided if o in UPHELD) / len(decided), 3)


def _payments(closed: list[EndedSummary]) -> dict[str, Any]:
    by_status: dict[str, float] = defaultdict(float)
    count = 0
    for f in closed:
        amount = f.summary.get("payment_total")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0:
            count += 1
            by_status[str(f.summary.get("payment_status") or "unknown")] += amount
    return {"count": count, "total": round(sum(by_status.values()), 2),
            "by_status": {k: round(v, 2) for k, v in sorted(by_status.items())}}


def _systemic(ended: Iterable[EndedSummary], today: date) -> list[dict[str, Any]]:
    """Closures per subject per month (last six months); subjects at the R29 threshold flagged."""
    months: dict[str, Counter[str]] = defaultdict(Counter)
    recent: Counter[str] = Counter()
    first_month = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
    for f in ended:
        subject = f.summary.get("subject")
        if not isinstance(subject, str) or not subject:
            continue
        if f.ended_at.date() >= first_month:
            months[subject][f.ended_at.strftime("%Y-%m")] += 1
        if today - f.ended_at.date() <= SYSTEMIC_WINDOW:
            recent[subject] += 1
    return [{"subject": s, "by_month": dict(sorted(months[s].items())),
             "closed_last_30_days": recent[s], "flagged": recent[s] >= SYSTEMIC_COUNT}
            for s in sorted(months)]
