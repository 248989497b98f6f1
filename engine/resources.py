"""Package resources: text files (letter templates) deployed and versioned with the diagrams.

The engine stores them like any other deployment file and knows nothing of what they mean.
Whoever registers handlers may also register *deploy checks*: functions that see every
resource of the package and every service-task call of its diagrams, and refuse the
deployment (raise :class:`~engine.exceptions.DeploymentError` or ``ValueError``) when a
handler could not work with it, e.g. a letter template that reads a field no case has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from engine.exceptions import DeploymentError

__all__ = [
    "RESOURCE_KIND",
    "RESOURCE_SUFFIXES",
    "DeployCheck",
    "ServiceCall",
    "check_resource",
    "is_resource",
    "service_calls",
]

RESOURCE_KIND = "template"
RESOURCE_SUFFIXES = (".j2",)
MAX_RESOURCE_BYTES = 256 * 1024

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


@dataclass(frozen=True)
class ServiceCall:
    """One service task as the diagram names it: where it is, the operator and its parameters."""

    filename: str
    process_id: str
    element_id: str
    element_name: str
    operator: str
    params: Mapping[str, str]  # parameter id -> expression text, as written in the diagram


DeployCheck = Callable[[Mapping[str, bytes], Sequence[ServiceCall]], None]


def is_resource(filename: str) -> bool:
    return filename.lower().endswith(RESOURCE_SUFFIXES)


def check_resource(filename: str, content: bytes) -> str:
    """The resource as text; refused when it is too big or not UTF-8."""
    if len(content) > MAX_RESOURCE_BYTES:
        raise DeploymentError(f"{filename}: larger than {MAX_RESOURCE_BYTES} bytes")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeploymentError(f"{filename}: not UTF-8 text (byte {exc.start})") from exc


def service_calls(bpmn: Mapping[str, etree._Element]) -> list[ServiceCall]:
    """Every service task of the (already hardened) diagrams, in document order."""
    calls: list[ServiceCall] = []
    for filename, root in bpmn.items():
        for process in root.iter(f"{{{_BPMN}}}process"):
            for task in process.iter(f"{{{_BPMN}}}serviceTask"):
                op = task.find(f".//{{{_SPIFF}}}serviceTaskOperator")
                if op is None:
                    continue
                params = {
                    str(p.get("id")): str(p.get("value", ""))
                    for p in op.iter(f"{{{_SPIFF}}}parameter")
                }
                calls.append(ServiceCall(
                    filename, str(process.get("id")), str(task.get("id")),
                    str(task.get("name") or ""), str(op.get("id")), params,
                ))
    return calls
