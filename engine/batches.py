"""Batch operations: retry, suspend, resume, cancel or migrate many instances, in the background.

A batch is a row and one item row per instance, written in the request (a filter becomes its
items with one ``INSERT … SELECT``); the scheduler works the items a few at a time, each
through the ordinary one-instance operation in its own transaction, so one failing instance
fails only its item. Several schedulers may share a batch: an item is claimed by moving it
from pending to running. Stopping a batch leaves its pending items untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, literal, select, update

from engine.clock import as_utc
from engine.db import new_id
from engine.exceptions import NotFoundError, RedressError, ValidationError
from engine.instance_search import InstanceFilter, _conditions
from engine.ops_tables import batch_items, batches
from engine.queries import _instances_query
from engine.runtime import describe_error
from engine.tables import process_instances

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["ACTIONS", "BatchRecord", "batch", "create_batch", "list_batches", "run_batches",
           "stop_batch"]

ACTIONS = ("retry", "suspend", "resume", "cancel", "migrate")


@dataclass(frozen=True)
class BatchRecord:
    id: int
    action: str
    to_version: int | None
    reason: str
    status: str  # running | stopped | finished
    total: int
    done: int
    failed: int
    pending: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    errors: list[tuple[int, str]]  # (instance id, error) of failed items, first few
    keys: dict[int, str] = field(default_factory=dict)  # their case references


def create_batch(
    engine: Engine,
    action: str,
    *,
    user: str,
    reason: str,
    ids: Sequence[int] = (),
    where: InstanceFilter | None = None,
    to_version: int | None = None,
) -> BatchRecord:
    """A batch over the given instances, or over every instance matching ``where``.

    Raises:
        ValidationError: unknown action, no reason, no version to migrate to, nothing chosen.
    """
    if action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}", [f"action: {action}"])
    if not reason.strip():
        raise ValidationError("say why", ["reason: required"])
    if action == "migrate" and to_version is None:
        raise ValidationError("choose the version to migrate to", ["to_version: required"])
    if not ids and where is None:
        raise ValidationError("choose some cases", ["ids: none chosen"])
    now = engine.clock.now()
    with engine.db.begin() as conn:
        batch_id = new_id(conn.execute(insert(batches).values(
            action=action, to_version=to_version, reason=reason.strip()[:500],
            status="running", total=0, created_by=user, created_at=now)))
        if where is not None:
            chosen = (_instances_query().with_only_columns(
                literal(batch_id), process_instances.c.id, literal("pending"))
                .where(*_conditions(where, now)))
            conn.execute(insert(batch_items).from_select(
                ["batch_id", "instance_id", "status"], chosen))
        else:
            conn.execute(insert(batch_items), [
                {"batch_id": batch_id, "instance_id": i, "status": "pending"}
                for i in sorted(set(ids))])
        total = conn.execute(select(func.count()).where(
            batch_items.c.batch_id == batch_id)).scalar_one()
        if not total:
            raise ValidationError("no cases match", ["(filter): nothing to do"])
        conn.execute(update(batches).where(batches.c.id == batch_id).values(total=total))
    return batch(engine, batch_id)


def stop_batch(engine: Engine, batch_id: int, *, user: str) -> BatchRecord:
    """Stop a running batch; what it has done stays done, what is pending is not run."""
    with engine.db.begin() as conn:
        conn.execute(update(batches).where(batches.c.id == batch_id,
                                           batches.c.status == "running")
                     .values(status="stopped", finished_at=engine.clock.now()))
    return batch(engine, batch_id)


def _record(conn: Any, row: Any) -> BatchRecord:
    counts = dict(conn.execute(
        select(batch_items.c.status, func.count()).where(batch_items.c.batch_id == row.id)
        .group_by(batch_items.c.status)).all())
    failed = conn.execute(
        select(batch_items.c.instance_id, batch_items.c.error, process_instances.c.business_key)
        .join(process_instances, process_instances.c.id == batch_items.c.instance_id)
        .where(batch_items.c.batch_id == row.id, batch_items.c.status == "failed")
        .order_by(batch_items.c.id).limit(20)).all()
    errors = [(r.instance_id, r.error or "") for r in failed]
    return BatchRecord(
        row.id, row.action, row.to_version, row.reason, row.status, row.total,
        counts.get("done", 0), counts.get("failed", 0),
        counts.get("pending", 0) + counts.get("running", 0), row.created_by,
        as_utc(row.created_at) or row.created_at, as_utc(row.finished_at), errors,
        {r.instance_id: r.business_key for r in failed})


def batch(engine: Engine, batch_id: int) -> BatchRecord:
    with engine.reads.connect() as conn:
        row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
        if row is None:
            raise NotFoundError(f"batch {batch_id} does not exist")
        return _record(conn, row)


def list_batches(engine: Engine, *, limit: int = 50) -> list[BatchRecord]:
    with engine.reads.connect() as conn:
        rows = conn.execute(select(batches).order_by(batches.c.id.desc()).limit(limit)).all()
        return [_record(conn, r) for r in rows]


def _operation(engine: Engine, row: Any) -> Callable[[int], None]:
    who, why = f"{row.created_by} (batch {row.id})", row.reason

    def retry(instance_id: int) -> None:
        found = engine.incidents(instance_id=instance_id)
        if not found:
            raise ValidationError("no open incident")
        # A refused message or a runaway step runs nothing again: retrying would only mark it
        # dealt with, unseen. Each is for someone to deal with on the case's own page.
        runnable = [incident for incident in found if incident.reruns]
        if not runnable:
            raise ValidationError("nothing to run again: deal with its incidents on the "
                                  "case's page")
        for incident in runnable:
            engine.retry_incident(incident.id, user=who, reason=why)

    operations: dict[str, Callable[[int], Any]] = {
        "retry": retry,
        "suspend": lambda i: engine.suspend(i, user=who, reason=why),
        "resume": lambda i: engine.resume(i, user=who, reason=why),
        "cancel": lambda i: engine.cancel(i, user=who, reason=why),
        "migrate": lambda i: engine.migrate(i, int(row.to_version), user=who, reason=why),
    }
    return operations[row.action]


def run_batches(engine: Engine, limit: int = 50) -> int:
    """Work up to ``limit`` pending items of running batches; return how many were worked."""
    worked = 0
    with engine.reads.connect() as conn:
        running = conn.execute(select(batches).where(batches.c.status == "running")
                               .order_by(batches.c.id)).all()
    for row in running:
        operate = _operation(engine, row)
        with engine.reads.connect() as conn:
            items = conn.execute(select(batch_items.c.id, batch_items.c.instance_id).where(
                batch_items.c.batch_id == row.id, batch_items.c.status == "pending")
                .order_by(batch_items.c.id).limit(limit - worked)).all()
        for item in items:
            if not _claim(engine, row.id, item.id):
                continue
            worked += 1
            try:
                operate(item.instance_id)
                _finish(engine, item.id, "done", None)
            except RedressError as exc:
                _finish(engine, item.id, "failed", str(exc)[:500])
            except Exception as exc:  # one broken instance must not stop the batch
                _finish(engine, item.id, "failed", describe_error(exc)[:500])
        _close_if_done(engine, row.id)
        if worked >= limit:
            break
    return worked


def _claim(engine: Engine, batch_id: int, item_id: int) -> bool:
    with engine.db.begin() as conn:
        still = conn.execute(select(batches.c.status).where(batches.c.id == batch_id)).scalar()
        if still != "running":
            return False
        moved: int = conn.execute(update(batch_items).where(
            batch_items.c.id == item_id, batch_items.c.status == "pending")
            .values(status="running")).rowcount
        return moved == 1


def _finish(engine: Engine, item_id: int, status: str, error: str | None) -> None:
    with engine.db.begin() as conn:
        conn.execute(update(batch_items).where(batch_items.c.id == item_id)
                     .values(status=status, error=error, done_at=engine.clock.now()))


def _close_if_done(engine: Engine, batch_id: int) -> None:
    with engine.db.begin() as conn:
        left = conn.execute(select(func.count()).where(
            batch_items.c.batch_id == batch_id,
            batch_items.c.status.in_(("pending", "running")))).scalar_one()
        if not left:
            conn.execute(update(batches).where(batches.c.id == batch_id,
                                               batches.c.status == "running")
                         .values(status="finished", finished_at=engine.clock.now()))
