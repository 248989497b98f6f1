"""The heat map: where instances of a process wait, for how long, and how long each step takes.

Counted by the database from the derived rows (open tasks and pending jobs with their start
times, waiting timers, open incidents) and, for the time spent, from completed tasks; no
workflow state is read. PostgreSQL computes medians with ``percentile_cont``; SQLite, which
has none, hands the waiting times to Python.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from engine.clock import as_utc
from engine.db import is_postgres
from engine.diagram_state import ProcessDiagram, element_names, process_elements, process_xml
from engine.tables import human_tasks, incidents, jobs, process_instances, timers

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["ElementHeat", "duration_text", "heat", "heat_diagrams"]

_pi = process_instances


@dataclass
class ElementHeat:
    element_id: str
    waiting: int = 0
    median_wait_s: float | None = None
    oldest_wait_s: float | None = None
    incidents: int = 0
    completed: int = 0
    mean_duration_s: float | None = None
    name: str | None = None  # the element's name in the diagram, where it has one


def _seconds(conn: Any, later: Any, earlier: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _waits(conn: Any, process_id: str, now: datetime) -> dict[str, list[float]]:
    """Waiting times in seconds per element (SQLite path; PostgreSQL aggregates itself)."""
    found: dict[str, list[float]] = defaultdict(list)
    query = select(human_tasks.c.spec_id, human_tasks.c.created_at).join(
        _pi, _pi.c.id == human_tasks.c.instance_id).where(
        human_tasks.c.status == "open", _pi.c.process_id == process_id)
    for spec_id, created in conn.execute(query):
        start = as_utc(created)
        if start is not None:
            found[spec_id].append((now - start).total_seconds())
    return found


def _open_tasks(conn: Any, process_id: str, now: datetime, into: dict[str, ElementHeat]) -> None:
    t = human_tasks.c
    where = and_(t.status == "open", _pi.c.process_id == process_id)
    if is_postgres(conn.engine):
        age = func.extract("epoch", now - t.created_at)
        query = (select(t.spec_id, func.count(), func.percentile_cont(0.5).within_group(age),
                        func.max(age)).join(_pi, _pi.c.id == t.instance_id)
                 .where(where).group_by(t.spec_id))
        for spec_id, count, median, oldest in conn.execute(query):
            heat = into.setdefault(spec_id, ElementHeat(spec_id))
            heat.waiting += int(count)
            heat.median_wait_s = float(median) if median is not None else None
            heat.oldest_wait_s = float(oldest) if oldest is not None else None
        return
    for spec_id, waits in _waits(conn, process_id, now).items():
        heat = into.setdefault(spec_id, ElementHeat(spec_id))
        heat.waiting += len(waits)
        heat.median_wait_s = statistics.median(waits)
        heat.oldest_wait_s = max(waits)


def _counted(conn: Any, table: Any, where: Any, process_id: str) -> list[tuple[str, int]]:
    query = (select(table.c.spec_id, func.count())
             .join(_pi, _pi.c.id == table.c.instance_id)
             .where(where, _pi.c.process_id == process_id, table.c.spec_id.is_not(None))
             .group_by(table.c.spec_id))
    return [(str(s), int(n)) for s, n in conn.execute(query)]


def heat(engine: Engine, process_id: str) -> dict[str, ElementHeat]:
    """Per element id of ``process_id``'s instances (called processes included)."""
    now = engine.clock.now()
    found: dict[str, ElementHeat] = {}
    with engine.reads.connect() as conn:
        _open_tasks(conn, process_id, now, found)
        for table, where in ((timers, timers.c.status == "waiting"),
                             (jobs, jobs.c.status.in_(("pending", "failed")))):
            for spec_id, count in _counted(conn, table, where, process_id):
                found.setdefault(spec_id, ElementHeat(spec_id)).waiting += count
        for spec_id, count in _counted(conn, incidents, incidents.c.resolved_at.is_(None),
                                       process_id):
            found.setdefault(spec_id, ElementHeat(spec_id)).incidents += count
        t = human_tasks.c
        spent = _seconds(conn, t.completed_at, t.created_at)
        query = (select(t.spec_id, func.count(), func.avg(spent))
                 .join(_pi, _pi.c.id == t.instance_id)
                 .where(t.status == "completed", _pi.c.process_id == process_id,
                        t.completed_at.is_not(None))
                 .group_by(t.spec_id))
        for spec_id, count, mean in conn.execute(query):
            heat_ = found.setdefault(spec_id, ElementHeat(spec_id))
            heat_.completed = int(count)
            heat_.mean_duration_s = float(mean) if mean is not None else None
    return found


def duration_text(seconds: float | None) -> str:
    """A wait as people say it: "3d", "5h", "12m"."""
    if seconds is None:
        return "—"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d".replace(".0d", "d")
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{max(seconds, 0) / 60:.0f}m"


def _badge(h: ElementHeat) -> str:
    parts = []
    if h.waiting:
        parts.append(f"{h.waiting} waiting")
        if h.median_wait_s is not None:
            parts.append(f"median {duration_text(h.median_wait_s)}, "
                         f"oldest {duration_text(h.oldest_wait_s)}")
    if h.incidents:
        parts.append(f"{h.incidents} incident{'s' if h.incidents != 1 else ''}")
    if h.mean_duration_s is not None:
        parts.append(f"avg {duration_text(h.mean_duration_s)}")
    return " · ".join(parts)


def heat_diagrams(engine: Engine, process_id: str) -> tuple[list[ProcessDiagram],
                                                             dict[str, ElementHeat]]:
    """The newest version's diagrams of ``process_id`` (and what it calls), heat as badges.

    Raises:
        NotFoundError: no such deployed process.
    """
    with engine.reads.connect() as conn:
        definition_id = engine.definitions.latest_id(conn, process_id)
    found = heat(engine, process_id)
    elements = process_elements(engine, definition_id)
    names = element_names(engine, definition_id)
    for element_id, item in found.items():
        item.name = names.get(element_id)
    diagrams = []
    for pid, name, filename, xml in process_xml(engine, definition_id):
        mine = {k: h for k, h in found.items() if k in elements.get(pid, set())}
        diagrams.append(ProcessDiagram(
            process_id=pid, name=name, file=filename, xml=xml,
            active=sorted(k for k, h in mine.items() if h.waiting),
            incident=sorted(k for k, h in mine.items() if h.incidents),
            overlays={k: _badge(h) for k, h in mine.items() if _badge(h)}))
    return diagrams, found
