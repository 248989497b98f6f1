"""Complaint-handling figures for operations (DOMAIN.md "What operations must see").

Volumes per tier, time to resolve in working days, share answered within target, overdue
cases, outcomes and upheld rate, special payment totals and the systemic-issue trend, computed
from the instance summaries the engine keeps (no workflow state is loaded). "Non complaint
consolatory payment referral only" records are left out, as R19 requires.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import Engine, InstanceRecord
from engine.calendar import Division, parse_division, working_days_between
from workflows.services import InstanceView, describe_many, parse_due

__all__ = ["EXCLUDED_ROUTES", "Figures", "compute"]

EXCLUDED_ROUTES = frozenset({"consolatory_payment_referral"})  # R19
UPHELD = frozenset({"upheld", "part_upheld"})
SYSTEMIC_WINDOW = timedelta(days=30)  # R29: third closure on one subject within 30 days
SYSTEMIC_COUNT = 3


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


def _division(value: Any) -> Division:
    try:
        return parse_division(str(value or "england-and-wales"))
    except ValueError:
        return "england-and-wales"


def _all_instances(engine: Engine) -> Iterator[InstanceRecord]:
    after: int | None = None
    while True:
        page = engine.instances(after_id=after, limit=500)
        yield from page
        if len(page) < 500:
            return
        after = page[-1].id


def _day(value: Any) -> date | None:
    due = parse_due(value)
    return due.date() if isinstance(due, datetime) else due


def _received(view: InstanceView) -> date:
    return _day(view.record.summary.get("received_date")) or view.record.started_at.date()


def _in(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def compute(engine: Engine, *, start: date | None = None, end: date | None = None) -> Figures:
    """Figures for complaints received (volumes) or closed (outcomes) between two dates."""
    now = engine.clock.now()
    views = [v for v in describe_many(engine, list(_all_instances(engine)))
             if v.record.summary.get("route") not in EXCLUDED_ROUTES]
    open_views = [v for v in views if v.record.status in ("active", "suspended")]
    closed = [v for v in views if v.record.ended_at is not None
              and _in(v.record.ended_at.date(), start, end)]
    return Figures(
        as_of=now, period_from=start, period_to=end,
        received=sum(1 for v in views if _in(_received(v), start, end)),
        closed=len(closed),
        open_by_tier=dict(Counter(v.tier or "unknown" for v in open_views)),
        days_to_resolve=_days_to_resolve(closed),
        within_target=_within_target(closed),
        overdue=[{"id": v.record.id, "business_key": v.record.business_key, "tier": v.tier,
                  "deadline": v.deadline} for v in open_views if v.overdue],
        outcomes=dict(Counter(v.outcome for v in closed if v.outcome)),
        upheld_rate=_rate(closed),
        special_payments=_payments(closed),
        systemic=_systemic(views, now.date()),
    )


def _days_to_resolve(closed: list[InstanceView]) -> dict[str, float | int | None]:
    days = [working_days_between(_received(v), v.record.ended_at.date(),  # type: ignore[union-attr]
                                 _division(v.record.summary.get("division")))
            for v in closed]
    return {"count": len(days), "mean": round(statistics.fmean(days), 1) if days else None,
            "median": statistics.median(days) if days else None}


def _within_target(closed: list[InstanceView]) -> dict[str, float | int | None]:
    judged = 0
    met = 0
    for v in closed:
        due = _day(v.record.summary.get("response_due"))
        if due is None or v.record.ended_at is None:
            continue
        judged += 1
        met += v.record.ended_at.date() <= due
    return {"count": judged, "met": met, "share": round(met / judged, 3) if judged else None}


def _rate(closed: list[InstanceView]) -> float | None:
    decided = [v for v in closed if v.outcome]
    if not decided:
        return None
    return round(sum(1 for v in decided if v.outcome in UPHELD) / len(decided), 3)


def _payments(closed: list[InstanceView]) -> dict[str, Any]:
    by_status: dict[str, float] = defaultdict(float)
    count = 0
    for v in closed:
        amount = v.record.summary.get("payment_total")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0:
            count += 1
            by_status[str(v.record.summary.get("payment_status") or "unknown")] += amount
    return {"count": count, "total": round(sum(by_status.values()), 2),
            "by_status": {k: round(v, 2) for k, v in sorted(by_status.items())}}


def _systemic(views: list[InstanceView], today: date) -> list[dict[str, Any]]:
    """Closures per subject per month (last six months); subjects at the R29 threshold flagged."""
    months: dict[str, Counter[str]] = defaultdict(Counter)
    recent: Counter[str] = Counter()
    first_month = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
    for v in views:
        subject = v.record.summary.get("subject")
        ended = v.record.ended_at
        if not isinstance(subject, str) or not subject or ended is None:
            continue
        if ended.date() >= first_month:
            months[subject][ended.strftime("%Y-%m")] += 1
        if today - ended.date() <= SYSTEMIC_WINDOW:
            recent[subject] += 1
    return [{"subject": s, "by_month": dict(sorted(months[s].items())),
             "closed_last_30_days": recent[s], "flagged": recent[s] >= SYSTEMIC_COUNT}
            for s in sorted(months)]
