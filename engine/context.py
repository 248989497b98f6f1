"""The real :class:`engine.handlers.HandlerContext`: a handler's window onto its step."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from engine.db import new_id
from engine.erasure import Erasure
from engine.handlers import DocumentRef
from engine.resources import RESOURCE_KIND
from engine.tables import deployment_files, documents, outbox

__all__ = ["StepHandlerContext"]


class StepHandlerContext:
    """Bound to one service task in one step; every write joins the step's transaction."""

    def __init__(
        self,
        conn: Connection,
        *,
        instance_id: int,
        business_key: str,
        process_id: str,
        task: Any,
        now: datetime,
        on_erase: Callable[[Erasure], None] | None = None,
        deployment_id: int | None = None,
    ) -> None:
        self._conn = conn
        self._now = now
        self._on_erase = on_erase
        self._deployment_id = deployment_id
        self.instance_id = instance_id
        self.business_key = business_key
        self.process_id = process_id
        self.task_id = str(task.id)
        self.task_name = task.task_spec.bpmn_id or task.task_spec.name
        self.data: Mapping[str, Any] = MappingProxyType(dict(task.data))

    @property
    def connection(self) -> Connection:
        return self._conn

    def now(self) -> datetime:
        return self._now

    def erase(self, keys: Iterable[str], values: Iterable[Any]) -> None:
        if self._on_erase is None:
            raise RuntimeError("this context cannot erase data")
        self._on_erase(Erasure.of(keys, values))

    def resource(self, name: str) -> bytes | None:
        if self._deployment_id is None:
            return None
        row = self._conn.execute(
            select(deployment_files.c.content).where(
                deployment_files.c.deployment_id == self._deployment_id,
                deployment_files.c.filename == name,
                deployment_files.c.kind == RESOURCE_KIND,
            )
        ).first()
        return None if row is None else bytes(row.content)

    def _key(self, kind: str, key: str) -> str:
        # Attempt-independent: the same task re-run after a failure produces the same key.
        return f"{self.instance_id}:{self.task_id}:{kind}:{key}"

    def emit(self, kind: str, payload: Mapping[str, Any], *, key: str = "") -> None:
        ikey = self._key(kind, key)
        exists = self._conn.execute(
            select(outbox.c.id).where(outbox.c.idempotency_key == ikey)
        ).first()
        if exists is None:
            self._conn.execute(
                insert(outbox).values(
                    instance_id=self.instance_id,
                    idempotency_key=ikey,
                    kind=kind,
                    payload=dict(payload),
                    status="pending",
                    attempts=0,
                    next_attempt_at=self._now,
                    created_at=self._now,
                )
            )

    def store_document(
        self, *, name: str, content_type: str, content: bytes, kind: str, key: str = ""
    ) -> DocumentRef:
        ikey = self._key("document:" + kind, key)
        found = self._conn.execute(
            select(documents.c.id).where(documents.c.idempotency_key == ikey)
        ).first()
        if found is not None:
            return DocumentRef(int(found.id), name, content_type, kind)
        doc_id = new_id(self._conn.execute(
            insert(documents).values(
                instance_id=self.instance_id,
                business_key=self.business_key,
                idempotency_key=ikey,
                name=name,
                kind=kind,
                content_type=content_type,
                content=content,
                task_id=self.task_id,
                created_at=self._now,
            )
        ))
        return DocumentRef(int(doc_id), name, content_type, kind)
