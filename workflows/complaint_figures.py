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

import json
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import Engine
from engine.calendar import Division, is_working_day, parse_division
from engine.summaries import snapshot
from workflows.tier_records import WITH_TIER_ROWS, kept, query

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
    """A running count of working days per division over the days the figures meet (bank
    holidays from :mod:`engine.calendar`), handed to the database as a JSON calendar so it
    subtracts two counts per tier instead of Python working out each (received, closed)."""

    @staticmethod
    def division(name: str) -> Division:
        try:
            return parse_division(name)
        except ValueError:
            return "england-and-wales"

    @staticmethod
    def _build(division: Division, first: date, last: date) -> dict[str, int]:
        index, count, day = {}, 0, first
        while day <= last:
            count += is_working_day(day, division)
            index[day.isoformat()] = count
            day += timedelta(days=1)
        return index

    def calendar(self, spans: list[tuple[str, list[str | None]]]) -> str | None:
        """JSON rows [division as stored, ISO day, running count] over every day between the
        earliest and latest of each division's dates; None if one of those is not a real date
        (``2026-02-30``): the span would then not cover every real one."""
        found: dict[Division, tuple[date, date]] = {}
        names: dict[str, Division] = {}
        for name, ends in spans:
            days = [d for d in map(_parse_day, ends) if d is not None]
            if len(days) < sum(1 for e in ends if e is not None):
                return None
            if not days:
                continue
            division = names[name] = self.division(name)
            low, high = found.get(division, (min(days), max(days)))
            found[division] = (min(low, *days), max(high, *days))
        built = {d: self._build(d, low, high) for d, (low, high) in found.items()}
        return json.dumps([[name, day, n] for name, division in names.items()
                           for day, n in built[division].items()])


def _parse_day(text: str | None) -> date | None:
    if text is None or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _monday(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


def _volumes(conn: Any, procs: tuple[str, ...], start: date | None,
             end: date | None) -> list[tuple[str, str, int]]:
    """Tiers received per tier per week: the database counts per day, Python makes weeks."""
    extra, values = _period("received", start, end)
    sql = (f"{WITH_TIER_ROWS} SELECT tier, received, count(*) FROM t WHERE tier IS NOT NULL "
           f"AND received IS NOT NULL{extra} GROUP BY tier, received")
    weeks: dict[tuple[str, str], int] = defaultdict(int)
    for tier, received, n in conn.execute(query(sql, procs, **values)):
        day = _parse_day(str(received))
        if day is not None:
            weeks[(str(tier), _monday(day))] += int(n)
    return sorted(((t, w, n) for (t, w), n in weeks.items()),
                  key=lambda r: (r[1], _tier_key(r[0])))


_CALENDAR = {
    "postgresql": ("cal AS (SELECT e->>0 AS division, e->>1 AS day, (e->>2)::int AS n "
                   "FROM jsonb_array_elements(CAST(:calendar AS jsonb)) e)"),
    "sqlite": ("cal AS (SELECT json_extract(e.value, '$[0]') AS division, "
               "json_extract(e.value, '$[1]') AS day, json_extract(e.value, '$[2]') AS n "
               "FROM json_each(:calendar) e)"),
}


def _closed(conn: Any, procs: tuple[str, ...], start: date | None,
            end: date | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    extra, values = _period("t.closed", start, end)  # t.closed: every query reads t, one joins
    closed = f"FROM t WHERE closed IS NOT NULL AND tier IS NOT NULL{extra}"
    # The span of dates per division (ISO-looking ones): the calendar covers it day by day.
    looks = "LIKE '____-__-__'"
    ranges = conn.execute(query(
        f"{WITH_TIER_ROWS} SELECT division, min(CASE WHEN received {looks} THEN received END), "
        f"max(CASE WHEN received {looks} THEN received END), "
        f"min(CASE WHEN closed {looks} THEN closed END), "
        f"max(CASE WHEN closed {looks} THEN closed END) {closed} GROUP BY division",
        procs, **values)).all()
    calendar = _WorkingDays().calendar([(str(r[0]), list(r[1:])) for r in ranges])
    if calendar is None:  # a date that is no date: every distinct day instead of the span
        days = conn.execute(query(
            f"{WITH_TIER_ROWS} SELECT division, received {closed} GROUP BY division, received "
            f"UNION ALL SELECT division, closed {closed} GROUP BY division, closed",
            procs, **values)).all()
        calendar = _WorkingDays().calendar(
            [(str(d), [str(day)]) for d, day in days if _parse_day(str(day))]) or "[]"
    dialect = "postgresql" if conn.dialect.name == "postgresql" else "sqlite"
    # One pass over the tier rows: the span in working days is the difference of the two
    # running counts (NULL when a date is not a real date); every closed-tier figure follows.
    sql = (f"{WITH_TIER_ROWS}, {_CALENDAR[dialect]} "
           f"SELECT t.tier, t.outcome, c2.n - c1.n AS days, count(*), count(t.due), "
           f"sum(CASE WHEN t.due IS NOT NULL AND t.closed <= t.due THEN 1 ELSE 0 END) "
           f"FROM t LEFT JOIN cal c1 ON c1.division = t.division AND c1.day = t.received "
           f"LEFT JOIN cal c2 ON c2.division = t.division AND c2.day = t.closed "
           f"WHERE t.closed IS NOT NULL AND t.tier IS NOT NULL{extra} "
           f"GROUP BY t.tier, t.outcome, c2.n - c1.n")
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    spans: dict[str, list[int]] = defaultdict(list)
    for tier, outcome, span, n, due_n, met in conn.execute(
            query(sql, procs, calendar=calendar, **values)):
        tier = str(tier)
        judged[tier][0] += int(due_n)
        judged[tier][1] += int(met or 0)
        if outcome is not None:
            outcomes[tier][str(outcome)] = outcomes[tier].get(str(outcome), 0) + int(n)
        if span is not None:
            spans[tier] += [int(span)] * int(n)
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
        volumes = _volumes(conn, procs, start, end)
        resolve, within, outcomes = _closed(conn, procs, start, end)
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
