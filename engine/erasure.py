"""Erase personal data from every store an instance has, inside the step's transaction.

A handler asks for it with ``ctx.erase(keys, values)`` (R06 "Removal of Data" in Redress).
When the step is saved the runtime removes ``keys`` from the data of every task in the tree,
subprocesses included, and replaces every occurrence of ``values`` (case-insensitive) in any
text by ``[removed]``: in the live workflow (so the warm cache is clean too), in the serialized
state, in this step's audit entries, in the instance's older audit rows, outbox payloads,
buffered messages, incidents and job errors. Stores the engine does not know (an application's
own tables) are reached through erasure hooks called in the same transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from engine.db import AUDIT_ERASING
from engine.tables import audit_log, incidents, jobs, messages, outbox

__all__ = ["REMOVED", "Erasure", "ErasureHook", "erase_instance_rows", "scrub_state",
           "scrub_workflow"]

REMOVED = "[removed]"
_MIN_VALUE = 3  # shorter values would blank out ordinary words


@dataclass(frozen=True)
class Erasure:
    """Keys to drop from data mappings and text values to blank out everywhere."""

    keys: frozenset[str]
    values: tuple[str, ...]

    @classmethod
    def of(cls, keys: Iterable[str], values: Iterable[Any]) -> Erasure:
        """Only texts of 3+ characters with a letter are blanked: a number or a date would
        blank out unrelated data (and could break the workflow's own values)."""
        texts = {v.strip() for v in values if isinstance(v, str)}
        kept = sorted((t for t in texts if len(t) >= _MIN_VALUE and any(c.isalpha() for c in t)),
                      key=len, reverse=True)
        return cls(frozenset(str(k) for k in keys), tuple(kept))

    @classmethod
    def merge(cls, many: Iterable[Erasure]) -> Erasure:
        keys: set[str] = set()
        values: list[Any] = []
        for one in many:
            keys |= one.keys
            values.extend(one.values)
        return cls.of(keys, values)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.values:
            return None
        return re.compile("|".join(re.escape(v) for v in self.values), re.IGNORECASE)

    def text(self, value: str) -> str:
        pattern = self._pattern
        return value if pattern is None else pattern.sub(REMOVED, value)

    def scrub(self, value: Any, *, drop_keys: bool = True) -> Any:
        """A copy of ``value`` with the keys dropped (from mappings) and the values blanked."""
        pattern = self._pattern
        return _scrub(value, self.keys if drop_keys else frozenset(), pattern)


def _scrub(value: Any, keys: frozenset[str], pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, keys, pattern) for k, v in value.items() if k not in keys}
    if isinstance(value, list | tuple):
        return [_scrub(v, keys, pattern) for v in value]
    if isinstance(value, str) and pattern is not None:
        return pattern.sub(REMOVED, value)
    return value


def scrub_workflow(workflow: Any, erasure: Erasure) -> None:
    """Scrub the data of every task (and of the workflows) of a live SpiffWorkflow tree."""
    for wf in [workflow, *list(getattr(workflow, "subprocesses", {}).values())]:
        _replace(wf.data, erasure)
        for task in wf.tasks.values():
            _replace(task.data, erasure)


def _replace(data: dict[str, Any], erasure: Erasure) -> None:
    cleaned = erasure.scrub(data)
    data.clear()
    data.update(cleaned)


_DATA = frozenset({"data", "internal_data"})


def scrub_state(state: bytes, erasure: Erasure) -> bytes:
    """Scrub a saved (serialized) state: the ``data`` mappings of every task and workflow.

    Only data is touched, never the serializer's own structure (spec names, states, ids), so
    a key or a value that happens to look like part of it cannot damage the state.
    """
    return json.dumps(_scrub_state(json.loads(state), erasure), separators=(",", ":")).encode()


def _scrub_state(value: Any, erasure: Erasure) -> Any:
    if isinstance(value, dict):
        return {k: erasure.scrub(v) if k in _DATA and isinstance(v, dict)
                else _scrub_state(v, erasure) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_state(v, erasure) for v in value]
    return value


ErasureHook = Callable[[Connection, int, str, Erasure], None]

# (table, key column, columns that may hold case data)
_ROWS = (
    (audit_log, audit_log.c.instance_id, ("detail",)),
    (outbox, outbox.c.instance_id, ("payload", "last_error")),
    (messages, messages.c.instance_id, ("payload",)),
    (incidents, incidents.c.instance_id, ("message",)),
    (jobs, jobs.c.instance_id, ("last_error",)),
)


def erase_instance_rows(conn: Connection, instance_id: int, erasure: Erasure) -> int:
    """Scrub the engine's rows that belong to one instance; return how many changed."""
    with _audit_opened(conn):
        return _erase_rows(conn, instance_id, erasure)


@contextmanager
def _audit_opened(conn: Connection) -> Iterator[None]:
    """Let this transaction rewrite audit ``detail`` (the append-only trigger checks this)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('redress.audit_erasure', 'on', true)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT set_config('redress.audit_erasure', 'off', true)"))
        return
    token = AUDIT_ERASING.set(True)
    try:
        yield
    finally:
        AUDIT_ERASING.reset(token)


def _erase_rows(conn: Connection, instance_id: int, erasure: Erasure) -> int:
    changed = 0
    for table, key, names in _ROWS:
        columns = [table.c[n] for n in names]
        for row in conn.execute(select(table.c.id, *columns).where(key == instance_id)).all():
            values = {n: getattr(row, n) for n in names}
            cleaned = {n: erasure.scrub(v) for n, v in values.items() if v is not None}
            diff = {n: v for n, v in cleaned.items() if v != values[n]}
            if diff:
                conn.execute(update(table).where(table.c.id == row.id).values(**diff))
                changed += 1
    return changed
