"""Read-only queries and row → record conversion for the facade."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, select, tuple_
from sqlalchemy.engine import Connection

from engine.clock import as_utc
from engine.records import (
    AuditRecord,
    DocumentRecord,
    IncidentRecord,
    InstanceRecord,
    JobRecord,
    OutboxRecord,
    TaskRecord,
    TimerRecord,
)
from engine.tables import (
    audit_log,
    documents,
    human_tasks,
    incidents,
    jobs,
    outbox,
    process_definitions,
    process_instances,
    timers,
)

__all__ = [
    "audit_for",
    "document_records",
    "incident_records",
    "instance_record",
    "instance_records",
    "job_records",
    "outbox_records",
    "task_from_row",
    "task_record",
    "task_records",
    "timer_records",
]

_INSTANCE_COLUMNS = (
    process_instances.c.id,
    process_instances.c.process_id,
    process_definitions.c.version,
    process_instances.c.business_key,
    process_instances.c.status,
    process_instances.c.revision,
    process_instances.c.started_at,
    process_instances.c.updated_at,
    process_instances.c.ended_at,
    process_instances.c.summary,
)


def _at(value: Any) -> datetime:
    when = as_utc(value)
    assert when is not None
    return when


def _instance(row: Any, data: dict[str, Any] | None = None) -> InstanceRecord:
    return InstanceRecord(
        row.id,
        row.process_id,
        row.version,
        row.business_key,
        row.status,
        row.revision,
        _at(row.started_at),
        _at(row.updated_at),
        as_utc(row.ended_at),
        dict(row.summary or {}),
        data or {},
    )


def _instances_query() -> Select[Any]:
    return select(*_INSTANCE_COLUMNS).join(
        process_definitions, process_definitions.c.id == process_instances.c.definition_id
    )


def instance_record(
    conn: Connection, instance_id: int, data: dict[str, Any] | None = None
) -> InstanceRecord | None:
    row = conn.execute(_instances_query().where(process_instances.c.id == instance_id)).first()
    return None if row is None else _instance(row, data)


def instance_records(
    conn: Connection,
    *,
    status: str | None = None,
    process_id: str | None = None,
    business_key: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[InstanceRecord]:
    query = _instances_query()
    if status:
        query = query.where(process_instances.c.status == status)
    if process_id:
        query = query.where(process_instances.c.process_id == process_id)
    if business_key:
        query = query.where(process_instances.c.business_key == business_key)
    if after_id is not None:
        query = query.where(process_instances.c.id > after_id)
    rows = conn.execute(query.order_by(process_instances.c.id).limit(limit))
    return [_instance(r) for r in rows]


def task_from_row(row: Any) -> TaskRecord:
    return TaskRecord(
        row.id,
        row.instance_id,
        row.process_id,
        row.business_key,
        row.spec_id,
        row.name,
        row.lane,
        row.form,
        row.status,
        row.assignee,
        _at(row.created_at),
        as_utc(row.due_at),
        as_utc(row.completed_at),
        row.completed_by,
    )


_TASK_BY_ID = select(human_tasks).where(human_tasks.c.id == bindparam("task_id"))
_TASK_CREATED = select(human_tasks.c.created_at).where(human_tasks.c.id == bindparam("task_id"))


def task_record(conn: Connection, task_id: str) -> TaskRecord | None:
    row = conn.execute(_TASK_BY_ID, {"task_id": task_id}).first()
    return None if row is None else task_from_row(row)


@lru_cache(maxsize=64)
def _tasks_query(
    after: bool, status: bool, roles: bool, assignee: bool, instance: bool, business_key: bool
) -> Select[Any]:
    """The inbox query for one combination of filters, built once with bound values."""
    t = human_tasks.c
    query = select(human_tasks)
    if after:
        mark = bindparam("mark", type_=t.created_at.type)
        query = query.where(tuple_(t.created_at, t.id) > tuple_(mark, bindparam("after")))
    if status:
        query = query.where(t.status == bindparam("status"))
    if roles:
        query = query.where(t.lane.in_(bindparam("roles", expanding=True)))
    if assignee:
        query = query.where(t.assignee == bindparam("assignee"))
    if instance:
        query = query.where(t.instance_id == bindparam("instance_id"))
    if business_key:
        query = query.where(t.business_key == bindparam("business_key"))
    return query.order_by(t.created_at, t.id).limit(bindparam("limit", type_=Integer))


def task_records(
    conn: Connection,
    *,
    roles: Collection[str] | None = None,
    assignee: str | None = None,
    instance_id: int | None = None,
    status: str | None = "open",
    business_key: str | None = None,
    after: str | None = None,
    limit: int = 200,
) -> list[TaskRecord]:
    """Tasks oldest first; ``after`` (a task id) continues a previous page (keyset paging)."""
    params: dict[str, Any] = {
        "status": status,
        "roles": list(roles or ()),
        "assignee": assignee,
        "instance_id": instance_id,
        "business_key": business_key,
        "limit": limit,
    }
    mark = None
    if after is not None:
        mark = conn.execute(_TASK_CREATED, {"task_id": after}).scalar()
        params.update(mark=mark, after=after)
    query = _tasks_query(
        mark is not None,
        bool(status),
        roles is not None,
        assignee is not None,
        instance_id is not None,
        business_key is not None,
    )
    return [task_from_row(r) for r in conn.execute(query, params)]


def timer_records(conn: Connection, instance_id: int | None = None) -> list[TimerRecord]:
    query = select(timers).order_by(timers.c.id)
    if instance_id is not None:
        query = query.where(timers.c.instance_id == instance_id)
    return [
        TimerRecord(
            r.id,
            r.instance_id,
            r.task_id,
            r.spec_id,
            _at(r.due_at),
            r.status,
            as_utc(r.fired_at),
        )
        for r in conn.execute(query)
    ]


def job_records(conn: Connection, instance_id: int | None = None) -> list[JobRecord]:
    query = select(jobs).order_by(jobs.c.id)
    if instance_id is not None:
        query = query.where(jobs.c.instance_id == instance_id)
    return [
        JobRecord(
            r.id,
            r.instance_id,
            r.task_id,
            r.spec_id,
            r.operator,
            r.status,
            r.attempts,
            r.max_attempts,
            _at(r.next_attempt_at),
            r.last_error,
        )
        for r in conn.execute(query)
    ]


def outbox_records(conn: Connection, instance_id: int | None = None) -> list[OutboxRecord]:
    query = select(outbox).order_by(outbox.c.id)
    if instance_id is not None:
        query = query.where(outbox.c.instance_id == instance_id)
    return [
        OutboxRecord(
            r.id,
            r.instance_id,
            r.idempotency_key,
            r.kind,
            dict(r.payload),
            r.status,
            r.attempts,
            as_utc(r.sent_at),
        )
        for r in conn.execute(query)
    ]


def incident_records(
    conn: Connection,
    *,
    open_only: bool = True,
    instance_id: int | None = None,
    incident_id: int | None = None,
) -> list[IncidentRecord]:
    query = (
        select(incidents, process_instances.c.business_key)
        .outerjoin(process_instances, process_instances.c.id == incidents.c.instance_id)
        .order_by(incidents.c.id)
    )
    if incident_id is not None:
        query = query.where(incidents.c.id == incident_id)
    if open_only:
        query = query.where(incidents.c.resolved_at.is_(None))
    if instance_id is not None:
        query = query.where(incidents.c.instance_id == instance_id)
    return [
        IncidentRecord(
            r.id,
            r.instance_id,
            r.task_id,
            r.spec_id,
            r.kind,
            r.message,
            _at(r.created_at),
            as_utc(r.resolved_at),
            r.resolved_by,
            r.business_key or "",
        )
        for r in conn.execute(query)
    ]


def document_records(conn: Connection, instance_id: int) -> list[DocumentRecord]:
    query = (
        select(
            documents.c.id,
            documents.c.instance_id,
            documents.c.business_key,
            documents.c.name,
            documents.c.kind,
            documents.c.content_type,
            documents.c.task_id,
            documents.c.created_at,
        )
        .where(documents.c.instance_id == instance_id)
        .order_by(documents.c.id)
    )
    return [
        DocumentRecord(
            r.id,
            r.instance_id,
            r.business_key,
            r.name,
            r.kind,
            r.content_type,
            r.task_id,
            _at(r.created_at),
        )
        for r in conn.execute(query)
    ]


def audit_for(conn: Connection, instance_id: int) -> list[AuditRecord]:
    query = select(audit_log).where(audit_log.c.instance_id == instance_id).order_by(audit_log.c.id)
    return [
        AuditRecord(
            r.id,
            r.instance_id,
            _at(r.at),
            r.actor,
            r.action,
            r.task_id,
            dict(r.detail),
        )
        for r in conn.execute(query)
    ]
