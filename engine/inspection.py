"""What operations read about one instance beyond the facade's records: its message
subscriptions, and the versions it could be migrated to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.tables import message_subscriptions, process_definitions

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["Subscription", "forms_of", "subscriptions", "versions_of"]


@dataclass(frozen=True)
class Subscription:
    id: int
    message_name: str
    business_key: str
    task_id: str


def subscriptions(engine: Engine, instance_id: int) -> list[Subscription]:
    """The messages an instance waits for (correlated by business key)."""
    ms = message_subscriptions
    query = select(ms.c.id, ms.c.message_name, ms.c.business_key, ms.c.task_id).where(
        ms.c.instance_id == instance_id
    )
    with engine.reads.connect() as conn:
        return [Subscription(r.id, r.message_name, r.business_key, r.task_id)
                for r in conn.execute(query.order_by(ms.c.id))]


def versions_of(engine: Engine, process_id: str) -> list[int]:
    """Every deployed version of a process, oldest first."""
    pd = process_definitions
    query = select(pd.c.version).where(pd.c.process_id == process_id).order_by(pd.c.version)
    with engine.reads.connect() as conn:
        return [int(v) for v in conn.execute(query).scalars()]


def forms_of(engine: Engine, instance_id: int) -> dict[str, dict[str, object]]:
    """The form schemas of the version an instance runs on, by file name."""
    from engine.exceptions import NotFoundError
    from engine.tables import process_instances as pi

    with engine.reads.connect() as conn:
        definition_id = conn.execute(
            select(pi.c.definition_id).where(pi.c.id == instance_id)
        ).scalar()
        if definition_id is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        return dict(engine.definitions.get(conn, definition_id).forms)
