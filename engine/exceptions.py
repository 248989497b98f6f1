"""Errors the engine raises. Callers catch these, never SpiffWorkflow's or SQLAlchemy's.

RedressError
├── NotFoundError            no such deployment, process, instance, task or incident
├── ConflictError            lost an optimistic-locking race, or the object moved on
│   └── TaskNotOpenError     the task was already completed or cancelled
├── PermissionDeniedError    the user may not act on this task
├── InvalidStateError        the instance is suspended, cancelled or completed
│   └── StepLimitError       one step ran too many tasks or too long: rolled back, suspended
├── ValidationError          submitted data fails the task's JSON Schema (``errors`` lists why)
├── DeploymentError          a file was refused; nothing was deployed
│   └── DiagramError         malformed, hostile or non-BPMN/DMN content
├── SandboxError             a script or expression broke the sandbox rules or its time limit
└── HandlerError             a service-task handler raised (wrapped, with the cause)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConflictError",
    "DeploymentError",
    "DiagramError",
    "HandlerError",
    "InvalidStateError",
    "NotFoundError",
    "PermissionDeniedError",
    "RedressError",
    "SandboxError",
    "StepLimitError",
    "TaskNotOpenError",
    "ValidationError",
]


class RedressError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFoundError(RedressError):
    pass


class ConflictError(RedressError):
    pass


class TaskNotOpenError(ConflictError):
    pass


class PermissionDeniedError(RedressError):
    pass


class InvalidStateError(RedressError):
    pass


class StepLimitError(InvalidStateError):
    """A step did not settle within its task or time budget (an endless loop in a diagram).

    The step's transaction is rolled back; :meth:`engine.runtime.Runtime.runaway` then opens
    an incident and suspends the instance in a transaction of its own.
    """

    def __init__(self, message: str, instance_id: int | None, spec_id: str | None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.spec_id = spec_id


class ValidationError(RedressError):
    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


class DeploymentError(RedressError):
    pass


class DiagramError(DeploymentError):
    pass


class SandboxError(RedressError):
    pass


class HandlerError(RedressError):
    pass
