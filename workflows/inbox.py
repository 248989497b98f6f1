"""The caseworker's inbox: open tasks in some queues, filtered, sorted by deadline, in pages.

One query joins each open task to its case (status and summary), so a page of 25 out of
10,000 open tasks costs one counted, sorted, limited read. Filters on the case's tier and
division read the summary's JSON; "due" and "overdue" compare the task's due time, or the
case's response date for a task without one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from engine import Engine
from engine.calendar import parse_division, working_days_between
from engine.clock import as_utc
from engine.tables import human_tasks, process_instances
from workflows.roles import lane_roles
from workflows.services import parse_due

__all__ = ["DUE_CHOICES", "PAGE_SIZE", "InboxFilters", "InboxPage", "InboxRow", "inbox",
           "lanes_led", "queues_of"]

PAGE_SIZE = 25
LONDON = ZoneInfo("Europe/London")
DUE_CHOICES = {"": "Any time", "overdue": "Overdue", "today": "Due today",
               "week": "Due in the next 7 days", "none": "No due date"}
# Which queues a team leader leads besides their own (the lanes of their team's diagrams).
_LEADS = {"team_leader": ("caseworker",)}


def lanes_led(roles: Collection[str]) -> list[str]:
    """The queues a caller leads (a team leader: the caseworkers'), beyond their own lanes."""
    return [lane for r in roles for lane in _LEADS.get(r, ()) if lane not in roles]


def queues_of(roles: Collection[str]) -> list[str]:
    """Every queue a caller works or leads."""
    return [*lane_roles(roles), *lanes_led(roles)]


@dataclass(frozen=True)
class InboxFilters:
    """What the caseworker asked for; kept in their session between visits."""

    view: str = "queues"  # queues: every task in my (and led) queues | mine: claimed by me
    tier: str = ""
    division: str = ""
    due: str = ""
    assignee: str = ""  # "" anyone | "unassigned" | a username
    lane: str = ""
    page: int = 1

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> InboxFilters:
        def text(key: str) -> str:
            return str(raw.get(key) or "").strip()[:100]

        page = text("page")
        return cls(view="mine" if text("view") == "mine" else "queues", tier=text("tier"),
                   division=text("division"),
                   due=text("due") if text("due") in DUE_CHOICES else "",
                   assignee=text("assignee"), lane=text("lane"),
                   page=min(int(page), 100_000) if page.isdigit() and int(page) > 0 else 1)

    def as_dict(self) -> dict[str, Any]:
        return {"view": self.view, "tier": self.tier, "division": self.division,
                "due": self.due, "assignee": self.assignee, "lane": self.lane}

    def on_page(self, page: int) -> InboxFilters:
        return replace(self, page=page)


@dataclass(frozen=True)
class InboxRow:
    task_id: str
    instance_id: int
    business_key: str
    name: str
    lane: str | None
    assignee: str | None
    created_at: datetime
    due: date | None  # the task's due day (UK), else the case's response date
    case_status: str
    tier: str | None
    division: str | None
    working_days_left: int | None  # negative when overdue
    overdue: bool
    due_today: bool


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    mine: int  # open tasks claimed by the caller (for the tab count)
    queued: int  # open tasks in the caller's queues
    page: int
    pages: int
    filters: InboxFilters
    counts: dict[str, int] = field(default_factory=dict)  # overdue, due_today


def _uk_day(when: datetime) -> date:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(LONDON).date()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), LONDON).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(0), LONDON).astimezone(UTC)


def _base(lanes: list[str], user: str, filters: InboxFilters, now: datetime) -> Any:
    t, p = human_tasks.c, process_instances.c
    summary = p.summary
    conditions = [t.status == "open", t.lane.in_(lanes)]
    if filters.view == "mine":
        conditions.append(t.assignee == user)
    if filters.lane:
        conditions.append(t.lane == filters.lane)
    if filters.assignee == "unassigned":
        conditions.append(t.assignee.is_(None))
    elif filters.assignee:
        conditions.append(t.assignee == filters.assignee)
    if filters.tier:
        conditions.append(summary["tier"].as_string() == filters.tier)
    if filters.division:
        conditions.append(summary["division"].as_string() == filters.division)
    conditions.extend(_due_conditions(filters.due, now))
    return and_(*conditions)


def _due_conditions(due: str, now: datetime) -> list[Any]:
    t, p = human_tasks.c, process_instances.c
    case_due = p.summary["response_due"].as_string()
    today = _uk_day(now)
    start, end = _day_bounds(today)
    if due == "overdue":
        return [or_(t.due_at < now, and_(t.due_at.is_(None), case_due < today.isoformat()))]
    if due == "today":
        return [or_(and_(t.due_at >= start, t.due_at < end),
                    and_(t.due_at.is_(None), case_due.like(today.isoformat() + "%")))]
    if due == "week":
        _, week_end = _day_bounds(today + timedelta(days=6))
        return [or_(and_(t.due_at >= now, t.due_at < week_end),
                    and_(t.due_at.is_(None), case_due >= today.isoformat(),
                         case_due <= (today + timedelta(days=6)).isoformat() + "T99"))]
    if due == "none":
        return [t.due_at.is_(None), or_(case_due.is_(None), case_due == "")]
    return []


def _row(r: Any, case: Any, now: datetime) -> InboxRow:
    summary = (case.summary if case is not None else None) or {}
    division = summary.get("division") if isinstance(summary.get("division"), str) else None
    task_due = as_utc(r.due_at)
    parsed = parse_due(summary.get("response_due"))
    due = _uk_day(task_due) if task_due else (
        _uk_day(parsed) if isinstance(parsed, datetime) else parsed)
    today = _uk_day(now)
    left = None
    if due is not None:
        try:
            calendar = parse_division(division or "england-and-wales")
            left = (working_days_between(today, due, calendar) if due >= today
                    else -working_days_between(due, today, calendar))
        except (ValueError, KeyError):
            left = (due - today).days
    overdue = (task_due < now) if task_due else (due is not None and due < today)
    tier = summary.get("tier") if isinstance(summary.get("tier"), str) else None
    return InboxRow(r.id, r.instance_id, r.business_key, r.name, r.lane, r.assignee,
                    as_utc(r.created_at) or r.created_at, due,
                    case.status if case is not None else "active", tier, division,
                    left, overdue, due == today and not overdue)


def _needs_case(filters: InboxFilters) -> bool:
    """Whether the filters read the case's summary (a join), or the task rows alone do."""
    return bool(filters.tier or filters.division or filters.due in ("overdue", "today", "week",
                                                                    "none"))


def inbox(engine: Engine, *, user: str, lanes: list[str], filters: InboxFilters,
          page_size: int = PAGE_SIZE) -> InboxPage:
    """One page of the inbox, with the counts the tabs and headings show.

    Counting and ordering read the task rows alone unless a filter needs the case's summary;
    the page's 25 rows then fetch their cases' status and summary by id. Order: the task's due
    time (none last), then the oldest first.
    """
    now = engine.clock.now()
    t, p = human_tasks.c, process_instances.c
    if not lanes:
        return InboxPage([], 0, 0, 0, 1, 1, filters)
    source = (human_tasks.join(process_instances, p.id == t.instance_id)
              if _needs_case(filters) else human_tasks)
    where = _base(lanes, user, filters, now)
    columns = (t.id, t.instance_id, t.business_key, t.name, t.lane, t.assignee, t.created_at,
               t.due_at)
    with engine.reads.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(source).where(where))
                    .scalar_one())
        pages = max(1, -(-total // page_size))
        page = min(filters.page, pages)
        rows = conn.execute(
            select(*columns).select_from(source).where(where)
            .order_by(t.due_at.is_(None), t.due_at, t.created_at, t.id)
            .limit(page_size).offset((page - 1) * page_size)).all()
        cases = {r.id: r for r in conn.execute(
            select(p.id, p.status, p.summary).where(p.id.in_({r.instance_id for r in rows})))}
        open_in_lanes = and_(t.status == "open", t.lane.in_(lanes))
        mine = int(conn.execute(select(func.count()).select_from(human_tasks).where(
            open_in_lanes, t.assignee == user)).scalar_one())
        queued = total if filters.view == "queues" and not _filtered(filters) else int(
            conn.execute(select(func.count()).select_from(human_tasks).where(open_in_lanes))
            .scalar_one())
    return InboxPage([_row(r, cases.get(r.instance_id), now) for r in rows], total, mine,
                     queued, page, pages, replace(filters, page=page))


def _filtered(filters: InboxFilters) -> bool:
    return bool(filters.tier or filters.division or filters.due or filters.assignee
                or filters.lane)
