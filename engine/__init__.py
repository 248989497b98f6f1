"""Redress's durable BPMN runtime: SpiffWorkflow behind a small typed facade.

Only this package imports SpiffWorkflow. It knows nothing of complaints.
"""

from __future__ import annotations

from engine.clock import Clock, SimulatedClock, SystemClock
from engine.exceptions import (
    ConflictError,
    DeploymentError,
    DiagramError,
    HandlerError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RedressError,
    SandboxError,
    StepLimitError,
    TaskNotOpenError,
    ValidationError,
)
from engine.facade import Engine
from engine.handlers import DocumentRef, HandlerContext, HandlerRegistry, default_registry, handler
from engine.messages import CorrelationResult
from engine.outbox import FileDropTransport
from engine.records import (
    AuditRecord,
    DeploymentRecord,
    DocumentRecord,
    IncidentRecord,
    InstanceRecord,
    JobRecord,
    OutboxRecord,
    TaskRecord,
    TimerRecord,
)

__all__ = [
    "AuditRecord",
    "Clock",
    "ConflictError",
    "CorrelationResult",
    "DeploymentError",
    "DeploymentRecord",
    "DiagramError",
    "DocumentRecord",
    "DocumentRef",
    "Engine",
    "FileDropTransport",
    "HandlerContext",
    "HandlerError",
    "HandlerRegistry",
    "IncidentRecord",
    "InstanceRecord",
    "InvalidStateError",
    "JobRecord",
    "NotFoundError",
    "OutboxRecord",
    "PermissionDeniedError",
    "RedressError",
    "SandboxError",
    "SimulatedClock",
    "StepLimitError",
    "SystemClock",
    "TaskNotOpenError",
    "TaskRecord",
    "TimerRecord",
    "ValidationError",
    "default_registry",
    "handler",
]
