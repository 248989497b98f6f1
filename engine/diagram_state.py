"""Where an instance stands, drawn on its diagrams: the BPMN XML of its process and of every
process it calls, with the elements that are completed, active (hold a token) or in incident.

History is compacted out of the live task tree (decision 0002), so "completed" is what the
audit log says was completed or fired, plus the finished tasks the tree still holds. Gateways
and script tasks that left no audit row are not marked; active and incident marks are exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine import spiff
from engine.exceptions import NotFoundError
from engine.tables import audit_log, deployment_files, incidents, process_instances

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = [
    "ProcessDiagram",
    "definition_ids",
    "element_names",
    "instance_diagrams",
    "process_elements",
    "process_xml",
]

_ACTIVE = spiff.TaskState.READY | spiff.TaskState.WAITING | spiff.TaskState.STARTED
_DONE_ACTIONS = ("task_completed", "timer_fired")


@dataclass(frozen=True)
class ProcessDiagram:
    """One process of an instance (its own, or one it calls) and the marks to draw on it."""

    process_id: str
    name: str
    file: str
    xml: str
    completed: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    incident: list[str] = field(default_factory=list)
    overlays: dict[str, str] = field(default_factory=dict)  # element id -> badge text


def _specs(definition: Any) -> list[Any]:
    seen: dict[str, Any] = {definition.spec.name: definition.spec}
    for spec in definition.subprocess_specs.values():
        seen.setdefault(spec.name, spec)
    return list(seen.values())


def _element_ids(spec: Any) -> set[str]:
    return {ts.bpmn_id for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None)}


def _files(conn: Any, deployment_id: int) -> dict[str, str]:
    rows = conn.execute(
        select(deployment_files.c.filename, deployment_files.c.content).where(
            deployment_files.c.deployment_id == deployment_id, deployment_files.c.kind == "bpmn"
        )
    )
    return {r.filename: bytes(r.content).decode("utf-8") for r in rows}


def process_xml(engine: Engine, definition_id: int) -> list[tuple[str, str, str, str]]:
    """(process id, name, file name, XML) of a definition's process and every called one."""
    with engine.reads.connect() as conn:
        definition = engine.definitions.get(conn, definition_id)
        files = _files(conn, definition.deployment_id)
    found = []
    for spec in _specs(definition):
        filename = getattr(spec, "file", None) or ""
        if filename in files:
            found.append((spec.name, spec.description or spec.name, filename, files[filename]))
    return found


Marks = dict[str, set[str]]


def element_names(engine: Engine, definition_id: int) -> dict[str, str]:
    """The name an analyst gave each element (by id) in a definition and what it calls; an
    element without a name is left out (its id is all there is to show)."""
    with engine.reads.connect() as conn:
        definition = engine.definitions.get(conn, definition_id)
    return {ts.bpmn_id: ts.bpmn_name for spec in _specs(definition)
            for ts in spec.task_specs.values()
            if getattr(ts, "bpmn_id", None) and getattr(ts, "bpmn_name", None)}


def process_elements(engine: Engine, definition_id: int) -> dict[str, set[str]]:
    """The element ids of a definition's process and of every called one, by process id."""
    with engine.reads.connect() as conn:
        definition = engine.definitions.get(conn, definition_id)
    return {spec.name: _element_ids(spec) for spec in _specs(definition)}


def _live_marks(workflow: Any) -> tuple[Marks, Marks, Marks]:
    """Element ids completed, active and failed per process id, from the live task tree."""
    done: Marks = defaultdict(set)
    active: Marks = defaultdict(set)
    failed: Marks = defaultdict(set)
    for wf in [workflow, *workflow.subprocesses.values()]:
        process = wf.spec.name
        for task in wf.tasks.values():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state == spiff.TaskState.COMPLETED:
                done[process].add(bpmn_id)
            elif task.state & _ACTIVE:
                active[process].add(bpmn_id)
            elif task.state == spiff.TaskState.ERROR:
                failed[process].add(bpmn_id)
    return done, active, failed


def _assign(ids: Iterable[str], elements: dict[str, set[str]]) -> dict[str, set[str]]:
    """Element ids (from audit rows, which do not name a process) to the processes holding them."""
    marks: dict[str, set[str]] = defaultdict(set)
    for element in ids:
        for process, members in elements.items():
            if element in members:
                marks[process].add(element)
    return marks


def instance_diagrams(engine: Engine, instance_id: int) -> list[ProcessDiagram]:
    """The diagrams of an instance with their marks, its own process first.

    Raises:
        NotFoundError: no such instance.
    """
    pi = process_instances
    with engine.reads.connect() as conn:
        row = conn.execute(
            select(pi.c.state, pi.c.definition_id, pi.c.status).where(pi.c.id == instance_id)
        ).first()
        if row is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        definition = engine.definitions.get(conn, row.definition_id)
        files = _files(conn, definition.deployment_id)
        audited = [
            r.spec_id
            for r in conn.execute(
                select(audit_log.c.detail["spec_id"].as_string().label("spec_id")).where(
                    audit_log.c.instance_id == instance_id, audit_log.c.action.in_(_DONE_ACTIONS)
                )
            )
            if r.spec_id
        ]
        failing = [
            r.spec_id
            for r in conn.execute(
                select(incidents.c.spec_id).where(
                    incidents.c.instance_id == instance_id, incidents.c.resolved_at.is_(None)
                )
            )
            if r.spec_id
        ]
    workflow = spiff.loads_state(
        row.state, definition.spec, definition.subprocess_specs, engine.runtime.script_engine
    )
    specs = _specs(definition)
    elements = {spec.name: _element_ids(spec) for spec in specs}
    done, active, errored = _live_marks(workflow)
    done_audit = _assign(audited, elements)
    failed = _assign(failing, elements)
    diagrams = []
    for spec in specs:
        filename = getattr(spec, "file", None) or ""
        if filename not in files:
            continue
        name = spec.name
        in_incident = failed.get(name, set()) | errored.get(name, set())
        diagrams.append(
            ProcessDiagram(
                process_id=name,
                name=spec.description or name,
                file=filename,
                xml=files[filename],
                completed=sorted((done.get(name, set()) | done_audit.get(name, set()))
                                 - active.get(name, set()) - in_incident),
                active=sorted(active.get(name, set()) - in_incident),
                incident=sorted(in_incident),
            )
        )
    return diagrams


def definition_ids(engine: Engine, instance_id: int, to_version: int) -> tuple[int, int]:
    """The definition an instance runs on and the one of ``to_version`` of its process.

    Raises:
        NotFoundError: no such instance or version.
    """
    pi = process_instances
    with engine.reads.connect() as conn:
        row = conn.execute(
            select(pi.c.definition_id, pi.c.process_id).where(pi.c.id == instance_id)
        ).first()
        if row is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        return int(row.definition_id), engine.definitions.latest_id(
            conn, row.process_id, to_version
        )
