"""Complaint figures per department package (DOMAIN.md "What operations must see"), counted by
the database.

* volumes: tiers received per tier per week (Monday);
* time to resolve: working days from receipt to close per tier (median, 90th percentile);
* within target: share of tiers closed on or before their response date;
* overdue now: open cases past their response date, by team (owner role) and owner (assignee);
* outcomes: counted when each tier closes (upheld, part upheld, not upheld, justified);
* special payments: by type (financial loss, consolatory) and status, in pounds;
* systemic log: entries raised per month and status.

Every figure leaves out cancelled cases and R19 consolatory-payment referrals
(:mod:`workflows.tier_records`). The database groups; Python only turns each distinct
(received, closed, division) into working days, which need the UK bank holidays.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import Engine
from engine.calendar import Division, parse_division, working_days_between
from engine.summaries import snapshot
from workflows.tier_records import kept, query, with_tier_rows

__all__ = ["DEPARTMENTS", "ComplaintFigures", "compute", "csv_rows"]

# Department -> the entry processes of its package (workflows.packages).
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "CMS": ("complaint_journey",),
    "CSA": ("csa_complaint",),
    "HMRC": ("hmrc_complaint",),
}
TIER_ORDER = ("dissatisfaction", "resolution", "review", "ice", "phso", "appeal", "complaint")
OUTCOMES = ("upheld", "part_upheld", "not_upheld", "justified")


@dataclass(frozen=True)
class ComplaintFigures:
    department: str
    as_of: datetime
    period_from: date | None
    period_to: date | None
    volumes: list[tuple[str, str, int]]  # tier, week (Monday ISO), received
    resolve_days: dict[str, dict[str, float | int | None]]  # tier -> count, median, p90
    within_target: dict[str, dict[str, float | int | None]]  # tier -> judged, met, share
    overdue: list[tuple[str, str, int]]  # team, owner, cases
    outcomes: dict[str, dict[str, int]]  # tier -> outcome -> tiers closed so
    payments: list[dict[str, Any]]  # tier, status, type, count, pounds
    systemic: list[tuple[str, str, int]]  # month, status, entries
    tiers: list[str] = field(default_factory=list)


def _tier_key(tier: str) -> tuple[int, str]:
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), tier)


def _period(column: str, start: date | None, end: date | None) -> tuple[str, dict[str, str]]:
    sql, values = "", {}
    if start is not None:
        sql += f" AND {column} >= :start"
        values["start"] = start.isoformat()
    if end is not None:
        sql += f" AND {column} <= :end"
        values["end"] = end.isoformat()
    return sql, values


class _WorkingDays:
    """Working days between dates in O(1): a running count of working days per division over
    the span the figures need (bank holidays from :mod:`engine.calendar`)."""

    def __init__(self) -> None:
        self._index: dict[Division, dict[date, int]] = {}

    def _division(self, name: str) -> Division:
        try:
            return parse_division(name)
        except ValueError:
            return "england-and-wales"

    def _build(self, division: Division, first: date, last: date) -> dict[date, int]:
        index, count, day = {}, 0, first
        while day <= last:
            count += working_days_between(day - timedelta(days=1), day, division)
            index[day] = count
            day += timedelta(days=1)
        return index

    def prepare(self, pairs: list[tuple[date, date, str]]) -> None:
        spans: dict[Division, tuple[date, date]] = {}
        for start, stop, name in pairs:
            division = self._division(name)
            low, high = min(start, stop), max(start, stop)
            old = spans.get(division)
            spans[division] = (low, high) if old is None else (min(old[0], low),
                                                               max(old[1], high))
        self._index = {d: self._build(d, low, high) for d, (low, high) in spans.items()}

    def between(self, start: date, stop: date, name: str) -> int:
        index = self._index[self._division(name)]
        return index[stop] - index[start]


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _volumes(conn: Any, with_t: str, procs: tuple[str, ...], start: date | None,
             end: date | None) -> list[tuple[str, str, int]]:
    week = ("to_char(date_trunc('week', to_date(received, 'YYYY-MM-DD')), 'YYYY-MM-DD')"
            if conn.dialect.name == "postgresql" else "date(received, 'weekday 0', '-6 days')")
    valid = ("received ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'" if conn.dialect.name == "postgresql"
             else "received GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'")
    extra, values = _period("received", start, end)
    sql = (f"{with_t} SELECT tier, {week} AS week, count(*) FROM t WHERE tier IS NOT NULL "
           f"AND {valid}{extra} GROUP BY tier, week")
    rows = [(str(t), str(w), int(n)) for t, w, n in conn.execute(query(sql, procs, **values))]
    return sorted(rows, key=lambda r: (r[1], _tier_key(r[0])))


def _closed(conn: Any, with_t: str, procs: tuple[str, ...], start: date | None,
            end: date | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    extra, values = _period("closed", start, end)
    closed = f"FROM t WHERE closed IS NOT NULL AND tier IS NOT NULL{extra}"
    # One pass over the tier rows: every closed-tier figure is derived from these groups.
    sql = (f"{with_t} SELECT tier, received, closed, division, outcome, count(*), count(due), "
           f"sum(CASE WHEN due IS NOT NULL AND closed <= due THEN 1 ELSE 0 END) {closed} "
           f"GROUP BY tier, received, closed, division, outcome")
    rows = []
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for tier, received, closed_on, division, outcome, n, due_n, met in conn.execute(
            query(sql, procs, **values)):
        tier = str(tier)
        judged[tier][0] += int(due_n)
        judged[tier][1] += int(met or 0)
        if outcome is not None:
            outcomes[tier][str(outcome)] = outcomes[tier].get(str(outcome), 0) + int(n)
        start_day, stop_day = _parse_day(str(received)), _parse_day(str(closed_on))
        if start_day is not None and stop_day is not None:
            rows.append((tier, start_day, stop_day, str(division), int(n)))
    days = _WorkingDays()
    days.prepare([(a, b, division) for _, a, b, division, _ in rows])
    spans: dict[str, list[int]] = defaultdict(list)
    for tier, a, b, division, n in rows:
        spans[tier] += [days.between(a, b, division)] * n
    resolve = {t: {"count": len(v), "median": statistics.median(v),
                   "p90": _nearest_rank(v, 0.9)} for t, v in spans.items()}
    within = {t: {"judged": j, "met": m, "share": round(m / j, 3) if j else None}
              for t, (j, m) in judged.items()}
    return resolve, within, dict(outcomes)


def _overdue(conn: Any, procs: tuple[str, ...], today: date) -> list[tuple[str, str, int]]:
    pg = conn.dialect.name == "postgresql"

    def get(key: str) -> str:
        return f"pi.summary->>'{key}'" if pg else f"json_extract(pi.summary, '$.{key}')"

    sql = f"""
        SELECT team, owner, count(*) FROM (
          SELECT COALESCE({get('owner_role')}, '') AS team,
                 COALESCE((SELECT max(ht.assignee) FROM human_tasks ht
                           WHERE ht.instance_id = pi.id AND ht.status = 'open'), '') AS owner
          FROM process_instances pi
          WHERE {kept(conn.dialect.name)} AND pi.status IN ('active', 'suspended')
            AND COALESCE({get('tier')}, '') NOT IN ('closed', 'refused')
            AND substr({get('response_due')}, 1, 10) < :today
            AND length({get('response_due')}) >= 10
        ) x GROUP BY team, owner ORDER BY count(*) DESC, team, owner"""
    return [(str(t), str(o), int(n))
            for t, o, n in conn.execute(query(sql, procs, today=today.isoformat()))]


def _payments(conn: Any, procs: tuple[str, ...], start: date | None,
              end: date | None) -> list[dict[str, Any]]:
    day = "to_char(sp.assessed_at, 'YYYY-MM-DD')" if conn.dialect.name == "postgresql" else \
        "substr(sp.assessed_at, 1, 10)"
    extra, values = _period(day, start, end)
    sql = f"""
        SELECT sp.tier, sp.status,
               sum(CASE WHEN sp.financial_loss_pence > 0 THEN 1 ELSE 0 END),
               sum(sp.financial_loss_pence),
               sum(CASE WHEN sp.consolatory_pence > 0 THEN 1 ELSE 0 END),
               sum(sp.consolatory_pence)
        FROM special_payments sp JOIN process_instances pi ON pi.id = sp.instance_id
        WHERE {kept(conn.dialect.name)} AND sp.total_pence > 0{extra}
        GROUP BY sp.tier, sp.status"""
    found = []
    for tier, status, loss_n, loss, cons_n, cons in conn.execute(query(sql, procs, **values)):
        for kind, n, pence in (("financial_loss", loss_n, loss), ("consolatory", cons_n, cons)):
            if n:
                found.append({"tier": str(tier), "status": str(status), "type": kind,
                              "count": int(n), "pounds": round(int(pence or 0) / 100, 2)})
    return sorted(found, key=lambda p: (_tier_key(p["tier"]), p["status"], p["type"]))


def _systemic(conn: Any, procs: tuple[str, ...], start: date | None,
              end: date | None) -> list[tuple[str, str, int]]:
    pg = conn.dialect.name == "postgresql"
    month = "to_char(s.raised_at, 'YYYY-MM')" if pg else "substr(s.raised_at, 1, 7)"
    day = "to_char(s.raised_at, 'YYYY-MM-DD')" if pg else "substr(s.raised_at, 1, 10)"
    extra, values = _period(day, start, end)
    sql = f"""
        SELECT {month} AS month, s.status, count(*) FROM systemic_log_entries s
        WHERE EXISTS (SELECT 1 FROM process_instances pi WHERE pi.business_key = s.raised_by
                      AND {kept(conn.dialect.name)}){extra}
        GROUP BY month, s.status ORDER BY month, s.status"""
    return [(str(m), str(s), int(n)) for m, s, n in conn.execute(query(sql, procs, **values))]


def compute(engine: Engine, department: str = "CMS", *, start: date | None = None,
            end: date | None = None) -> ComplaintFigures:
    """Every figure for one department's package, optionally for a period.

    Raises:
        KeyError: no such department.
    """
    procs = DEPARTMENTS[department]
    now = engine.clock.now()
    with snapshot(engine.db) as conn:
        with_t = with_tier_rows(conn.dialect.name)
        volumes = _volumes(conn, with_t, procs, start, end)
        resolve, within, outcomes = _closed(conn, with_t, procs, start, end)
        overdue = _overdue(conn, procs, now.date())
        payments = _payments(conn, procs, start, end)
        systemic = _systemic(conn, procs, start, end)
    tiers = sorted({v[0] for v in volumes} | set(resolve) | set(outcomes), key=_tier_key)
    return ComplaintFigures(department, now, start, end, volumes, resolve, within, overdue,
                            outcomes, payments, systemic, tiers)


def csv_rows(f: ComplaintFigures) -> list[list[str]]:
    """Every figure as rows of (figure, tier, group, measure, value)."""
    rows = [["figure", "tier", "group", "measure", "value"]]
    rows += [["volume", t, week, "received", str(n)] for t, week, n in f.volumes]
    for tier, d in f.resolve_days.items():
        rows += [["working_days_to_resolve", tier, "", k, str(v)] for k, v in d.items()]
    for tier, d in f.within_target.items():
        rows += [["within_target", tier, "", k, "" if v is None else str(v)]
                 for k, v in d.items()]
    rows += [["overdue_now", "", f"{team or 'no team'} / {owner or 'unassigned'}", "cases",
              str(n)] for team, owner, n in f.overdue]
    for tier, mix in f.outcomes.items():
        rows += [["outcome_at_tier_close", tier, outcome, "tiers", str(n)]
                 for outcome, n in sorted(mix.items())]
    rows += [["special_payment", p["tier"], f"{p['type']} ({p['status']})", m, str(p[m])]
             for p in f.payments for m in ("count", "pounds")]
    rows += [["systemic_log", "", f"{month} ({status})", "entries", str(n)]
             for month, status, n in f.systemic]
    return rows
