"""A fake handler context: real SQLite tables for the handlers' own rows, dicts for the rest.

No engine: handlers are plain functions (STYLE.md), so each test calls one directly and merges
what it returns into ``ctx.data`` the way the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from engine.handlers import DocumentRef
from handlers.tables import handlers_metadata
from workflows.packages import BPMN_ROOT

# The complaints package's letter templates, as a deployment of it would hold them.
COMPLAINTS_LETTERS = {p.name: p.read_bytes()
                      for p in (BPMN_ROOT / "complaints" / "letters").glob("*.md.j2")}


@dataclass
class Stored:
    ref: DocumentRef
    content: bytes


@dataclass
class Sink:
    """What the engine would have written: documents and outbox rows, keyed like the engine."""

    documents: dict[tuple[int, str, str, str], Stored] = field(default_factory=dict)
    outbox: dict[tuple[int, str, str, str], tuple[str, dict[str, Any]]] = field(
        default_factory=dict)
    erasures: list[tuple[list[str], list[Any]]] = field(default_factory=list)

    def messages(self, kind: str) -> list[dict[str, Any]]:
        return [payload for k, payload in self.outbox.values() if k == kind]


@dataclass
class FakeContext:
    """Implements :class:`engine.handlers.HandlerContext` for one task of one instance."""

    connection: Connection
    sink: Sink
    clock: list[datetime]
    data: dict[str, Any] = field(default_factory=dict)
    business_key: str = "CMS-2026-000123"
    instance_id: int = 1
    process_id: str = "complaint"
    task_id: str = "task-1"
    task_name: str = "Service task"
    resources: dict[str, bytes] = field(default_factory=lambda: dict(COMPLAINTS_LETTERS))

    def now(self) -> datetime:
        return self.clock[0]

    def emit(self, kind: str, payload: Mapping[str, Any], *, key: str = "") -> None:
        self.sink.outbox.setdefault((self.instance_id, self.task_id, kind, key),
                                    (kind, dict(payload)))

    def store_document(self, *, name: str, content_type: str, content: bytes, kind: str,
                       key: str = "") -> DocumentRef:
        ikey = (self.instance_id, self.task_id, kind, key)
        if ikey not in self.sink.documents:
            ref = DocumentRef(len(self.sink.documents) + 1, name, content_type, kind)
            self.sink.documents[ikey] = Stored(ref, content)
        return self.sink.documents[ikey].ref

    def erase(self, keys: Iterable[str], values: Iterable[Any]) -> None:
        """Record the request; the engine applies it to every store when the step is saved."""
        self.sink.erasures.append((sorted(keys), list(values)))
        for key in keys:
            self.data.pop(key, None)

    def resource(self, name: str) -> bytes | None:
        return self.resources.get(name)

    def run(self, func: Callable[..., Mapping[str, Any] | None], **params: Any) -> dict[str, Any]:
        """Call a handler and merge its result into the task data, as the engine does."""
        result = dict(func(self, **params) or {})
        self.data.update(result)
        return result

    def task(self, task_id: str, **changes: Any) -> FakeContext:
        """The next service task of this instance (same data, stores and clock)."""
        return replace(self, task_id=task_id, **changes)

    def case(self, business_key: str, instance_id: int, **data: Any) -> FakeContext:
        """Another complaint sharing the database, stores and clock."""
        return replace(self, business_key=business_key, instance_id=instance_id,
                       task_id="task-1", data=dict(data))


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    handlers_metadata.create_all(engine)
    with engine.connect() as conn, conn.begin() as tx:
        yield conn
        tx.rollback()
    engine.dispose()


@pytest.fixture
def make_ctx(connection: Connection) -> Callable[..., FakeContext]:
    def make(data: Mapping[str, Any] | None = None, **kwargs: Any) -> FakeContext:
        clock = [kwargs.pop("now", datetime(2026, 4, 14, 10, 0, tzinfo=UTC))]
        return FakeContext(connection=connection, sink=Sink(), clock=clock,
                           data=dict(data or {}), **kwargs)
    return make
