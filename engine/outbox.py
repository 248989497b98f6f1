"""Delivering outbox rows to the outside world, at least once, with retries and incidents.

Handlers only *queue* side effects (``ctx.emit``) inside their step; the dispatcher delivers
them afterwards through a transport registered for the row's kind. Each payload carries its
idempotency key so the receiving side can drop a repeat after a crash between delivery and
marking the row sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine as SqlEngine

from engine.clock import Clock
from engine.leases import claim_due
from engine.records import OutboxRecord
from engine.runtime import describe_error
from engine.tables import incidents, outbox

__all__ = ["Dispatcher", "FileDropTransport", "Transport"]

log = logging.getLogger(__name__)

Transport = Callable[[OutboxRecord], None]


class FileDropTransport:
    """Writes each message as a JSON file into a drop folder (a post room or an e-mail relay)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, message: OutboxRecord) -> None:
        target = self.folder / message.kind
        target.mkdir(parents=True, exist_ok=True)
        body = {
            "idempotency_key": message.idempotency_key,
            "kind": message.kind,
            "payload": message.payload,
        }
        path = target / f"{message.id:09d}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=2, default=str))
        tmp.replace(path)  # atomic: a reader never sees half a file


class Dispatcher:
    def __init__(
        self,
        db: SqlEngine,
        clock: Clock,
        transports: Mapping[str, Transport],
        default: Transport | None,
        backoff: Callable[[int], timedelta],
        max_attempts: int,
    ) -> None:
        self.db = db
        self.clock = clock
        self.transports = dict(transports)
        self.default = default
        self.backoff = backoff
        self.max_attempts = max_attempts

    def dispatch(self, owner: str, limit: int = 100) -> int:
        """Deliver due rows; return how many were sent."""
        ids = claim_due(
            self.db,
            outbox,
            status="pending",
            due_column="next_attempt_at",
            now=self.clock.now(),
            owner=owner,
            limit=limit,
        )
        sent = 0
        for outbox_id in ids:
            sent += self._deliver(outbox_id)
        return sent

    def _deliver(self, outbox_id: int) -> int:
        with self.db.begin() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == outbox_id)).first()
        if row is None or row.status != "pending":
            return 0
        transport = self.transports.get(row.kind, self.default)
        if transport is None:
            self._release(outbox_id)  # nothing can deliver this kind here; keep it queued
            return 0
        record = OutboxRecord(
            row.id,
            row.instance_id,
            row.idempotency_key,
            row.kind,
            dict(row.payload),
            row.status,
            row.attempts,
            row.sent_at,
        )
        try:
            transport(record)
        except Exception as exc:  # a transport may raise anything; count it and retry later
            self._failed(row, exc)
            return 0
        with self.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(
                    status="sent",
                    sent_at=self.clock.now(),
                    attempts=row.attempts + 1,
                    lease_owner=None,
                    lease_until=None,
                )
            )
        return 1

    def _release(self, outbox_id: int) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(
                    lease_owner=None,
                    lease_until=None,
                    next_attempt_at=self.clock.now() + timedelta(minutes=1),
                )
            )

    def _failed(self, row: Any, exc: BaseException) -> None:
        now = self.clock.now()
        attempts = row.attempts + 1
        final = attempts >= self.max_attempts
        message = describe_error(exc)
        log.warning("outbox %s (%s) attempt %s failed: %s", row.id, row.kind, attempts, message)
        with self.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(
                    attempts=attempts,
                    last_error=message[:2000],
                    lease_owner=None,
                    lease_until=None,
                    status="failed" if final else "pending",
                    next_attempt_at=now + self.backoff(attempts),
                )
            )
            if final:
                conn.execute(
                    insert(incidents).values(
                        instance_id=row.instance_id,
                        kind="outbox",
                        outbox_id=row.id,
                        message=f"delivery of {row.kind} failed: {message}"[:2000],
                        created_at=now,
                    )
                )
