"""Find process instances for the operations console: filters, counts, keyset pages.

Every filter is one SQL condition on ``process_instances`` (summary values through the narrow
``instance_facts`` rows that database triggers keep, open incidents through ``EXISTS``), so a
page of 50 out of 100,000 instances is read newest first straight off the primary key and never
loads a workflow state; counts are taken from the facts rows alone when they hold every filter
(decision 0024). Paging is by id (``before``): a page does not shift when new instances start
while someone reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select

from engine.queries import _instance, _instances_query
from engine.records import InstanceRecord
from engine.tables import incidents, instance_facts, process_definitions, process_instances

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["STATUSES", "InstanceFilter", "InstancePage", "iter_instances", "search_instances"]

_pi = process_instances
_f = instance_facts
#: The PostgreSQL-only trigram index the client-name search relies on at scale (migration
#: 0007_search_indexes); not in the table metadata, which cannot state it for both dialects.
SEARCH_INDEXES = ("ix_instance_facts_client_trgm",)
STATUSES = ("active", "suspended", "incident", "completed", "cancelled")
_CLOSED_TIERS = ("closed", "refused")


@dataclass(frozen=True)
class InstanceFilter:
    """What operations search by; empty values do not filter."""

    process_id: str = ""
    version: int | None = None
    status: str = ""  # one of STATUSES ("incident": has an open incident)
    tier: str = ""
    division: str = ""
    overdue: bool = False
    business_key: str = ""
    client_name: str = ""  # part of the client's name, any case
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class InstancePage:
    records: list[InstanceRecord]
    counts: dict[str, int]  # per status (and "incident"), under every filter but the status
    total: int  # matching every filter
    next_before: int | None  # pass as ``before`` for the next (older) page


def _open_incident() -> ColumnElement[bool]:
    return exists().where(incidents.c.instance_id == _pi.c.id, incidents.c.resolved_at.is_(None))


def _fact_conditions(f: InstanceFilter, now: datetime) -> list[Any]:
    """The summary filters, on :data:`instance_facts` (kept by triggers, indexed there)."""
    found: list[Any] = []
    if f.tier:
        found.append(_f.c.tier == f.tier)
    if f.division:
        found.append(_f.c.division == f.division)
    if f.client_name:
        found.append(_f.c.client_name.ilike(f"%{_escape(f.client_name.strip())}%",
                                            escape="\\"))
    if f.overdue:
        found.append(and_(
            _f.c.status.in_(("active", "suspended")),
            or_(_f.c.tier.is_(None), not_(_f.c.tier.in_(_CLOSED_TIERS))),
            _f.c.response_due < now.date().isoformat(),
        ))
    return found


def _conditions(f: InstanceFilter, now: datetime, *, status: bool = True) -> list[Any]:
    """Every filter as conditions on ``process_instances`` (the summary ones as a semi-join on
    :data:`instance_facts`), for the page, CSV and batch queries."""
    found: list[Any] = []
    if f.process_id:
        found.append(_pi.c.process_id == f.process_id)
    if f.version is not None:
        found.append(process_definitions.c.version == f.version)
    if status and f.status == "incident":
        found.append(_open_incident())
    elif status and f.status:
        found.append(_pi.c.status == f.status)
    if f.business_key:
        found.append(_pi.c.business_key == f.business_key.strip())
    if f.ids:
        found.append(_pi.c.id.in_(f.ids))
    facts = _fact_conditions(f, now)
    if facts:
        found.append(_pi.c.id.in_(select(_f.c.instance_id).where(*facts)))
    return found


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _counts(conn: Any, f: InstanceFilter, now: datetime) -> dict[str, int]:
    """Per status, then those with an open incident (few: counted from the incidents side).

    When every filter is one :data:`instance_facts` holds (all but version, business key and
    ids), the narrow facts rows are counted alone; no per-row ``EXISTS`` is evaluated and the
    definitions are joined only for a version filter.
    """
    counts = {s: 0 for s in STATUSES}
    source: Any
    if f.version is None and not f.business_key and not f.ids:
        source, status_col = _f, _f.c.status
        where = _fact_conditions(f, now)
        if f.process_id:
            where.append(_f.c.process_id == f.process_id)
        instance_id = _f.c.instance_id
    else:
        source, status_col = _pi, _pi.c.status
        where = _conditions(f, now, status=False)
        if f.version is not None:
            source = _pi.join(process_definitions,
                              process_definitions.c.id == _pi.c.definition_id)
        instance_id = _pi.c.id
    query = select(status_col, func.count()).select_from(source).where(*where)
    for status, count in conn.execute(query.group_by(status_col)):
        counts[status] = int(count)
    failing = (
        select(func.count(func.distinct(incidents.c.instance_id)))
        .select_from(source.join(incidents, incidents.c.instance_id == instance_id))
        .where(incidents.c.resolved_at.is_(None), *where)
    )
    counts["incident"] = int(conn.execute(failing).scalar() or 0)
    return counts


def search_instances(
    engine: Engine, f: InstanceFilter, *, before: int | None = None, limit: int = 50,
    with_counts: bool = True,
) -> InstancePage:
    """One page of instances matching ``f``, newest first, older than ``before``."""
    now = engine.clock.now()
    query = _instances_query().where(*_conditions(f, now))
    if before is not None:
        query = query.where(_pi.c.id < before)
    query = query.order_by(_pi.c.id.desc()).limit(limit + 1)
    with engine.reads.connect() as conn:
        rows = conn.execute(query).all()
        counts = _counts(conn, f, now) if with_counts else {}
    records = [_instance(r) for r in rows[:limit]]
    more = len(rows) > limit
    total = counts.get(f.status, 0) if f.status else sum(
        v for k, v in counts.items() if k != "incident")
    return InstancePage(records, counts, total, records[-1].id if more and records else None)


def iter_instances(engine: Engine, f: InstanceFilter, *, chunk: int = 500) -> Iterator[
        InstanceRecord]:
    """Every instance matching ``f``, newest first, a page at a time (for CSV and batches)."""
    before: int | None = None
    while True:
        page = search_instances(engine, f, before=before, limit=chunk, with_counts=False)
        yield from page.records
        if page.next_before is None:
            return
        before = page.next_before


def with_status(f: InstanceFilter, status: str) -> InstanceFilter:
    return replace(f, status=status)
