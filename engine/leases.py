"""Claiming due rows (timers, jobs, outbox) so that several workers share the work.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then a lease, so concurrent schedulers never
pick the same rows. SQLite has one writer at a time (``BEGIN IMMEDIATE``), so a plain
conditional lease update is already exclusive. The lease only avoids wasted work; the step's
revision check is what guarantees a row is acted on once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.engine import Engine as SqlEngine

from engine.db import is_postgres

__all__ = ["claim_due"]


def claim_due(
    db: SqlEngine,
    table: Table,
    *,
    status: str,
    due_column: str,
    now: datetime,
    owner: str,
    limit: int,
    lease: timedelta = timedelta(seconds=60),
) -> list[int]:
    """Lease up to ``limit`` rows in ``status`` whose due time has come; return their ids."""
    c = table.c
    free = or_(c.lease_until.is_(None), c.lease_until < now)
    due = and_(c.status == status, c[due_column] <= now, free)
    with db.begin() as conn:
        query = select(c.id).where(due).order_by(c[due_column]).limit(limit)
        if is_postgres(db):
            query = query.with_for_update(skip_locked=True)
        ids = [row.id for row in conn.execute(query)]
        if ids:
            conn.execute(
                update(table)
                .where(c.id.in_(ids), free)
                .values(lease_owner=owner, lease_until=now + lease)
            )
    return ids
