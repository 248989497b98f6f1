"""The forms a case's deployed version uses, for labelling what was entered on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import Engine
from engine.tables import process_instances

__all__ = ["case_forms"]


def case_forms(engine: Engine, instance_id: int) -> dict[str, dict[str, Any]]:
    """Form file name -> JSON Schema, from the definition the case runs on."""
    with engine.reads.connect() as conn:
        definition_id = conn.execute(select(process_instances.c.definition_id).where(
            process_instances.c.id == instance_id)).scalar()
        if definition_id is None:
            return {}
        return dict(engine.definitions.get(conn, definition_id).forms)
