"""Move a token: take the work waiting at one element away and make another element of the same
(sub)process ready, with the case data as it stands (decision 0023).

SpiffWorkflow's ``reset_from_task_id`` rewinds to a task still in the tree, but history is
compacted out of it (decision 0002), so the task to go back to is usually gone. Operations do
not need the old branch back, only the case to wait at another step: the waiting task (with the
boundary events attached to it, and the called process it runs) is removed from the tree, and
a new task for the target element is grafted under the same parent, as if the flow had led
there. The engine's ordinary step then re-projects task rows, timers, subscriptions and jobs.

What is refused, with the reason in words: a target in another process than the token's (a
called process that is not running cannot be entered without its caller), an element that is
not a task, call activity or intermediate catch event (gateways, start and end events, boundary
events), anything inside or at a multi-instance or loop, and a process with parallel work in
flight (a join downstream would wait for a branch that no longer exists).
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    BoundaryEvent,
    EventBasedGateway,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import (
    EventSubprocess,
    SubWorkflowTask,
    TransactionSubprocess,
)
from SpiffWorkflow.spiff.specs.defaults import (
    BusinessRuleTask,
    ManualTask,
    NoneTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    UserTask,
)
from SpiffWorkflow.task import Task
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from engine.exceptions import InvalidStateError, ValidationError
from engine.spiff import BpmnWorkflow, TaskState
from engine.tables import incidents

__all__ = ["MovePlace", "MoveResult", "move_token", "places", "resolve_incidents", "tokens"]

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_ACTIVITIES = (UserTask, ManualTask, NoneTask, ServiceTask, ScriptTask, BusinessRuleTask,
               SendTask, SubWorkflowTask)


@dataclass(frozen=True)
class MovePlace:
    """An element of a running (sub)process: where a token is, or where one may be moved."""

    process_id: str
    element_id: str
    name: str


@dataclass(frozen=True)
class MoveResult:
    removed: list[str]  # ids of the tasks taken out of the tree (with their descendants)
    created: str  # id of the task made for the target element


def _movable(spec: Any) -> bool:
    """A task, call activity or intermediate catch event: something a case can wait at."""
    if not getattr(spec, "bpmn_id", None) or isinstance(spec, LoopTask) or not spec.inputs:
        return False  # no incoming flow: an event subprocess, started by its event only
    if isinstance(spec, EventSubprocess | TransactionSubprocess):
        return False
    if isinstance(spec, CatchingEvent):
        return not isinstance(spec, StartEvent | BoundaryEvent | EventBasedGateway)
    return isinstance(spec, _ACTIVITIES)


def _workflows(top: BpmnWorkflow) -> list[Any]:
    """The top workflow and every running subprocess (a process may run more than once)."""
    return [top, *(sp for sp in top.subprocesses.values() if not sp.completed)]


def _active_tokens(wf: Any) -> list[Any]:
    return [t for t in wf.get_tasks(state=_ACTIVE, skip_subprocesses=True) if _movable(t.task_spec)]


def _name(spec: Any) -> str:
    return str(spec.bpmn_name or spec.bpmn_id)


def tokens(top: BpmnWorkflow) -> list[MovePlace]:
    """Where the instance's movable tokens are, per running (sub)process."""
    found: dict[tuple[str, str], MovePlace] = {}
    for wf in _workflows(top):
        for task in _active_tokens(wf):
            spec = task.task_spec
            found.setdefault((wf.spec.name, spec.bpmn_id),
                             MovePlace(wf.spec.name, spec.bpmn_id, _name(spec)))
    return list(found.values())


def places(top: BpmnWorkflow) -> list[MovePlace]:
    """Every element a token may be moved to: those of processes that hold a token now."""
    seen: set[str] = set()
    found: list[MovePlace] = []
    for wf in _workflows(top):
        if wf.spec.name in seen or not _active_tokens(wf):
            continue
        seen.add(wf.spec.name)
        inner = _loop_inner(wf.spec)
        found += sorted(
            (MovePlace(wf.spec.name, s.bpmn_id, _name(s)) for s in wf.spec.task_specs.values()
             if _movable(s) and s.name not in inner),
            key=lambda p: p.name.lower())
    return found


def _loop_inner(process_spec: Any) -> set[str]:
    """Names of the specs a multi-instance or loop runs: never a target of their own."""
    return {getattr(s, "task_spec", None) or "" for s in process_spec.task_specs.values()
            if isinstance(s, LoopTask)}


def _target_spec(wf: Any, element_id: str) -> Any:
    spec = next((s for s in wf.spec.task_specs.values()
                 if getattr(s, "bpmn_id", None) == element_id), None)
    if spec is None:
        return None
    split = wf.spec.task_specs.get(f"{spec.name}.BoundaryEventSplit")
    return spec, split


def _unit(task: Any) -> Any:
    """The subtree a token stands for: its boundary-event split when it has boundary events."""
    parent = task.parent
    return parent if parent is not None and isinstance(parent.task_spec,
                                                       BoundaryEventSplit) else task


def _in_loop(task: Any) -> bool:
    """Whether the task runs as one instance of a multi-instance or loop (at any depth)."""
    while task is not None:
        if task.parent is not None and isinstance(task.parent.task_spec, LoopTask):
            return True
        parent_id = task.workflow.parent_task_id
        task = task.workflow.top_workflow.get_task_from_id(parent_id) if parent_id else None
    return False


def move_token(top: BpmnWorkflow, process_id: str, from_element: str, to_element: str,
               data: dict[str, Any]) -> MoveResult:
    """Cancel the token at ``from_element`` and make ``to_element`` ready with ``data``.

    Raises:
        ValidationError: the elements are not in the same running process, or the target is
            not a task, call activity or intermediate catch event, or is in a loop.
        InvalidStateError: no token waits at ``from_element``, several do, or the process has
            parallel work in flight.
    """
    wf = next((w for w in _workflows(top) if w.spec.name == process_id), None)
    if wf is None:
        raise ValidationError(f"process {process_id!r} is not running in this case",
                              [f"process: {process_id} has no token now"])
    found = _target_spec(wf, to_element)
    if found is None:
        raise ValidationError(
            f"{to_element!r} is not a step of {process_id}: a token moves only within the "
            "process it is in (a called process that is not running cannot be entered)",
            [f"to: not in {process_id}"])
    target, split = found
    if not _movable(target) or target.name in _loop_inner(wf.spec):
        raise ValidationError(
            f"{_name(target)!r} is not a step a case can wait at: choose a task, a call "
            "activity or an intermediate event (not a gateway, a start or end event, a "
            "boundary event or a multi-instance)", [f"to: {to_element} cannot hold a token"])
    active = _active_tokens(wf)
    sources = [t for t in active if t.task_spec.bpmn_id == from_element]
    if not sources:
        raise InvalidStateError(f"no token waits at {from_element!r} in {process_id}")
    if len(sources) > 1 or any(_in_loop(t) for t in sources):
        raise InvalidStateError(
            f"{from_element!r} runs as a multi-instance or loop: its tokens cannot be moved")
    others = [t for t in active if _unit(t) is not _unit(sources[0])
              and not _unit(sources[0]).is_descendant_of(t)]
    if others:
        raise InvalidStateError(
            f"{process_id} has parallel work in flight (also at "
            f"{', '.join(sorted({t.task_spec.bpmn_id for t in others}))}): a token cannot be "
            "moved while another branch is open")
    unit = _unit(sources[0])
    parent = unit.parent
    removed = list(unit)
    for task in list(unit):
        if task.id in top.subprocesses:
            removed += top.delete_subprocess(task)
    wf._remove_task(unit.id)
    for task in removed:  # a removed event must not be caught or refreshed any more
        top.event_manager.remove_task(task)
    created = _graft(parent, split or target, data)
    wf.last_task = parent
    return MoveResult([str(t.id) for t in removed], str(created.id))


def _graft(parent: Any, spec: Any, data: dict[str, Any]) -> Any:
    """A new task for ``spec`` under ``parent``, readied as if the flow had just reached it.

    The parent's data is swapped for ``data`` while the task is readied, so it inherits the
    case as it stands (SpiffWorkflow merges the parent's data into a new task's), and an
    event's due time or a called process's start data are worked out from it.
    """
    saved = parent.data
    parent.data = copy.deepcopy(data)
    try:
        task = Task(parent.workflow, spec, parent, state=TaskState.FUTURE)
        task.data = copy.deepcopy(data)
        spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
        spec._update(task)
    finally:
        parent.data = saved
    return task


def resolve_incidents(conn: Connection, instance_id: int, task_ids: Collection[str],
                      now: datetime, user: str) -> list[int]:
    """Resolve the open incidents of tasks a move took away (their work will not be retried);
    a failed delivery stays open: its letter was already made."""
    if not task_ids:
        return []
    where = (incidents.c.instance_id == instance_id, incidents.c.task_id.in_(list(task_ids)),
             incidents.c.resolved_at.is_(None), incidents.c.kind != "outbox")
    ids = [int(i) for i in conn.execute(select(incidents.c.id).where(*where)).scalars()]
    if ids:
        conn.execute(update(incidents).where(incidents.c.id.in_(ids))
                     .values(resolved_at=now, resolved_by=user))
    return ids
