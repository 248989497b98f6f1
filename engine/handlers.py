"""Service-task handler registry and the context a handler sees.

A BPMN service task names an operator id (``spiffworkflow:serviceTaskOperator id="letters.send"``);
deployment fails when no handler is registered under that id. Handlers are plain functions::

    @handler("letters.send")
    def send_letter(ctx: HandlerContext, *, letter_code: str) -> dict[str, object]:
        ...

They run inside the engine's step transaction. Anything that touches the outside world goes
through ``ctx.emit`` (an outbox row delivered later by the dispatcher) so a retried step never
sends twice; documents are stored with ``ctx.store_document``. Both are idempotent per
(instance, task, key), independent of the attempt number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from engine.resources import DeployCheck

__all__ = [
    "DocumentRef",
    "HandlerContext",
    "HandlerFunc",
    "HandlerRegistry",
    "default_registry",
    "deploy_check",
    "handler",
]


@dataclass(frozen=True)
class DocumentRef:
    """A stored document (letter PDF, form) attached to a process instance."""

    id: int
    name: str
    content_type: str
    kind: str


class HandlerContext(Protocol):
    """What a handler may read and do. The engine passes a real one; tests may pass a fake."""

    instance_id: int
    business_key: str
    process_id: str
    task_id: str
    task_name: str
    data: Mapping[str, Any]

    def now(self) -> datetime:
        """Current time from the engine clock (simulated in tests)."""

    def emit(self, kind: str, payload: Mapping[str, Any], *, key: str = "") -> None:
        """Queue an outbox message, once per (task, kind, key) however often retried."""

    def store_document(
        self, *, name: str, content_type: str, content: bytes, kind: str, key: str = ""
    ) -> DocumentRef:
        """Store a document with the case; idempotent per (task, kind, key)."""

    def resource(self, name: str) -> bytes | None:
        """A resource file (e.g. a letter template) of the deployment this instance runs on."""

    @property
    def connection(self) -> Connection:
        """The step's database connection, for handlers that keep their own tables."""

    def erase(self, keys: Iterable[str], values: Iterable[Any]) -> None:
        """Erase ``keys`` and every occurrence of ``values`` from every store of the instance.

        Applied when the step is saved, in its transaction: the data of every task (history
        and subprocesses included), the serialized state, audit rows, outbox payloads and the
        application's erasure hooks (see ``engine.erasure``).
        """


HandlerFunc = Callable[..., Mapping[str, Any] | None]


@dataclass
class HandlerRegistry:
    """Maps operator ids to handler functions."""

    handlers: dict[str, HandlerFunc] = field(default_factory=dict)
    deploy_checks: list[DeployCheck] = field(default_factory=list)

    def register(self, operator_id: str, func: HandlerFunc) -> HandlerFunc:
        if operator_id in self.handlers and self.handlers[operator_id] is not func:
            raise ValueError(f"handler {operator_id!r} is already registered")
        self.handlers[operator_id] = func
        return func

    def get(self, operator_id: str) -> HandlerFunc | None:
        return self.handlers.get(operator_id)

    def __contains__(self, operator_id: object) -> bool:
        return operator_id in self.handlers

    def add_deploy_check(self, check: DeployCheck) -> DeployCheck:
        """Run ``check`` on every deployment's resources and service calls (see resources.py)."""
        if check not in self.deploy_checks:
            self.deploy_checks.append(check)
        return check

    def decorator(self, operator_id: str) -> Callable[[HandlerFunc], HandlerFunc]:
        def wrap(func: HandlerFunc) -> HandlerFunc:
            return self.register(operator_id, func)

        return wrap


default_registry = HandlerRegistry()


def handler(operator_id: str) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register a function as the handler for a service-task operator id."""
    return default_registry.decorator(operator_id)


def deploy_check(check: DeployCheck) -> DeployCheck:
    """Register a deploy check with the default registry (see :mod:`engine.resources`)."""
    return default_registry.add_deploy_check(check)
