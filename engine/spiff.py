"""Everything that touches SpiffWorkflow lives here, behind a small surface.

* parsing a deployment's files (already hardened by :mod:`engine.safe_xml`) into specs;
* the script engine: RestrictedPython for scripts and expressions, service calls dispatched to
  the handler registry through a per-step invoker;
* a serializer that stores only the running state, never the specs (those come from the
  immutable deployment), which keeps each row small and each step cheap;
* the clock seam: SpiffWorkflow's timer module reads ``datetime.now`` directly, so it is pointed
  at :func:`engine.clock.current_clock` once, here.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any
from uuid import UUID

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _spiff_timer
from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ManualTask, NoneTask, ServiceTask, UserTask
from SpiffWorkflow.spiff.specs.event_definitions import (
    MessageEventDefinition as SpiffMessageEventDefinition,
)
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.clock import current_clock
from engine.exceptions import DeploymentError, HandlerError
from engine.sandbox import SandboxEnvironment

__all__ = [
    "BpmnWorkflow",
    "ParsedPackage",
    "ServiceInvoker",
    "TaskState",
    "Workflow",
    "WorkflowScriptEngine",
    "dumps_state",
    "human_task_specs",
    "is_human_task",
    "is_service_task",
    "loads_state",
    "message_event",
    "pack_state",
    "parse_package",
    "unpack_state",
    "waiting_events",
]

Workflow = BpmnWorkflow


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now`` reads the engine clock: the one seam into SpiffWorkflow timers."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        now = current_clock().now()
        return now.astimezone(tz) if tz is not None else now.astimezone().replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


# --- script engine -------------------------------------------------------------------------

ServiceInvoker = Callable[[Any, str, dict[str, Any]], Mapping[str, Any] | None]
_invoker: contextvars.ContextVar[ServiceInvoker | None] = contextvars.ContextVar(
    "redress_service_invoker", default=None
)


class WorkflowScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Sandboxed scripts and expressions; service calls go to the invoker of the running job."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]], time_limit: float) -> None:
        super().__init__(environment=SandboxEnvironment(functions=functions, time_limit=time_limit))

    def call_service(self, task: Any, **kwargs: Any) -> str:
        invoker = _invoker.get()
        if invoker is None:
            raise HandlerError("service tasks run only as engine jobs")
        params = {name: p["value"] for name, p in kwargs["operation_params"].items()}
        result = invoker(task, kwargs["operation_name"], params)
        return json.dumps(dict(result or {}), default=str)

    @staticmethod
    def invoking(invoker: ServiceInvoker) -> _InvokerScope:
        return _InvokerScope(invoker)


class _InvokerScope:
    def __init__(self, invoker: ServiceInvoker) -> None:
        self._invoker = invoker
        self._token: contextvars.Token[ServiceInvoker | None] | None = None

    def __enter__(self) -> None:
        self._token = _invoker.set(self._invoker)

    def __exit__(self, *exc: object) -> None:
        assert self._token is not None
        _invoker.reset(self._token)


class RedressServiceTask(ServiceTask):  # type: ignore[misc]
    """A service task that waits for the engine's job runner and merges the handler's result.

    ``manual`` keeps ``do_engine_steps`` from running it inside someone else's step: the engine
    turns each ready service task into a job (an asynchronous continuation, as Camunda does),
    so a failing handler never rolls back the user action that led to it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manual = True

    def _execute(self, task: Any) -> bool:
        result = json.loads(
            task.workflow.script_engine.call_service(
                task,
                operation_name=self.operation_name,
                operation_params=self.evaluate_params(task),
            )
        )
        if self.result_variable.startswith("spiff__"):
            task.data.update(result)  # no resultVariable in the diagram: merge at top level
        else:
            task.data[self.result_variable] = result
        return True


class _Parser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, RedressServiceTask),
    }


# --- parsing -------------------------------------------------------------------------------


@dataclass
class ParsedPackage:
    """Specs of every executable process in one deployment, with the operators and forms used."""

    specs: dict[str, Any]
    subprocess_specs: dict[str, dict[str, Any]]
    names: dict[str, str]
    operators: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)


def parse_package(
    bpmn: Mapping[str, etree._Element], dmn: Mapping[str, etree._Element]
) -> ParsedPackage:
    """Parse already-hardened XML trees; raise DeploymentError on anything SpiffWorkflow refuses."""
    parser = _Parser()
    try:
        for name, root in dmn.items():
            parser.add_dmn_xml(root, filename=name)
        for name, root in bpmn.items():
            parser.add_bpmn_xml(root, filename=name)
        process_ids = _executable_process_ids(parser, bpmn)
        specs: dict[str, Any] = {}
        subs: dict[str, dict[str, Any]] = {}
        for pid in process_ids:
            specs[pid] = parser.get_spec(pid)
            subs[pid] = parser.get_subprocess_specs(pid)
    except (
        ValidationException, SpiffWorkflowException, KeyError, ValueError, RecursionError
    ) as exc:
        raise _refusal(exc) from exc
    if not specs:
        raise DeploymentError("the package has no executable process")
    package = ParsedPackage(specs=specs, subprocess_specs=subs, names={})
    for pid, spec in specs.items():
        package.names[pid] = spec.description or pid
        for task_spec in _all_task_specs(spec, subs[pid]):
            if isinstance(task_spec, ServiceTask):
                package.operators.add(task_spec.operation_name)
            form = _form_of(task_spec)
            if form:
                package.forms.add(form)
    return package


def _refusal(exc: BaseException) -> DeploymentError:
    if isinstance(exc, ValidationException):
        return DeploymentError(f"{exc.file_name or 'diagram'}: {_one_line(exc)}")
    if isinstance(exc, SpiffWorkflowException):
        return DeploymentError(_one_line(exc))
    if isinstance(exc, RecursionError):
        return DeploymentError(
            "a diagram is nested or chained too deeply for the engine to load: split it into "
            "subprocesses or called diagrams"
        )
    return DeploymentError(f"diagram refers to something missing: {exc}")


def _executable_process_ids(parser: Any, bpmn: Mapping[str, etree._Element]) -> list[str]:
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    ids: list[str] = []
    for root in bpmn.values():
        for proc in root.findall("bpmn:process", ns):
            if proc.get("isExecutable", "false").lower() == "true":
                ids.append(proc.get("id"))
    return ids


def _all_task_specs(spec: Any, subprocess_specs: Mapping[str, Any]) -> Iterator[Any]:
    yield from spec.task_specs.values()
    for sub in subprocess_specs.values():
        yield from sub.task_specs.values()


def _form_of(task_spec: Any) -> str | None:
    props = getattr(task_spec, "extensions", {}).get("properties", {})
    form = props.get("formJsonSchemaFilename")
    return str(form) if form else None


def _one_line(exc: BaseException) -> str:
    """The whole message on one line: element names may hold line breaks ("Data\nStore")."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    element = getattr(exc, "id", "")
    if element and element not in text:
        text = f"{text} (element {element!r})"
    return text if len(text) <= 500 else text[:499] + "…"


# --- task kinds ----------------------------------------------------------------------------


def is_human_task(task: Any) -> bool:
    return isinstance(task.task_spec, UserTask | ManualTask | NoneTask)


def is_service_task(task: Any) -> bool:
    return isinstance(task.task_spec, ServiceTask)


def human_task_specs() -> tuple[type, ...]:
    return (UserTask, ManualTask, NoneTask)


def form_of(task: Any) -> str | None:
    return _form_of(task.task_spec)


def waiting_events(workflow: BpmnWorkflow) -> Iterator[tuple[Any, str, Any]]:
    """Yield (task, "timer"|"message", due-or-name) for every event the instance waits on.

    An event-based gateway (or a catch event with several definitions) is one waiting task
    holding a ``MultipleEventDefinition``: it yields each of its messages and its timer, so
    the instance has a subscription and a timer row at once and the first to happen wins.
    """
    for task in list(workflow.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        definition = task.task_spec.event_definition
        if isinstance(definition, MultipleEventDefinition):
            items = list(definition.event_definitions)
        else:
            items = [definition]
        timer_seen = False  # SpiffWorkflow keeps one due moment per task: the first timer's
        for item in items:
            if isinstance(item, TimerEventDefinition) and not timer_seen:
                value = task._get_internal_data("event_value")
                if value is not None:
                    timer_seen = True
                    yield task, "timer", value
            elif isinstance(item, MessageEventDefinition):
                yield task, "message", item.name


def message_starts(workflow: BpmnWorkflow) -> Iterator[tuple[str, str]]:
    """Yield (key, message name) for message start events of the top process's event
    subprocesses: the instance listens for these for as long as it runs (e.g. a judicial
    review claimed at any point)."""
    if workflow.is_completed():
        return
    for name in getattr(workflow.spec.start, "trigger_specs", []):
        sub_spec = workflow.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", []):
            definition = getattr(start, "event_definition", None)
            if isinstance(definition, MessageEventDefinition):
                digest = hashlib.sha1(f"{name}/{start.name}".encode()).hexdigest()[:32]
                yield f"evt-{digest}", definition.name


def message_event(name: str, payload: Any) -> BpmnEvent:
    return BpmnEvent(SpiffMessageEventDefinition(name), payload)


def parse_due(value: Any) -> datetime:
    """A timer's due moment from SpiffWorkflow's stored event value (ISO text or cycle dict)."""
    if isinstance(value, dict):
        value = value.get("next")
    return TimerEventDefinition.get_datetime(str(value))  # type: ignore[no-any-return]


# --- serialization -------------------------------------------------------------------------


class _CachedTaskIds:
    """Task maps written and read with task ids' text and objects from the caches below."""

    registry: Any

    def mapping_to_dict(self, mapping: Mapping[Any, Any], **kwargs: Any) -> dict[str, Any]:
        """The library's, with task ids' text from :data:`_uuid_text`."""
        convert = self.registry.convert
        return {(_uuid_text(k) if type(k) is UUID else str(k)): convert(v, **kwargs)
                for k, v in mapping.items()}

    def mapping_from_dict(self, mapping: Mapping[str, Any], key_class: Any = None,
                          **kwargs: Any) -> dict[Any, Any]:
        """A workflow's task map through :func:`_tasks_from_dict`; any other the library's."""
        if key_class is UUID and "workflow" in kwargs:
            return _tasks_from_dict(self.registry, mapping, kwargs["workflow"])
        found: dict[Any, Any] = super().mapping_from_dict(  # type: ignore[misc]
            mapping, key_class, **kwargs)
        return found


class _SubWorkflowConverter(_CachedTaskIds, BpmnSubWorkflowConverter):  # type: ignore[misc]
    """A subprocess's state, its task map as the top workflow's."""


class _StateOnlyConverter(_CachedTaskIds, BpmnWorkflowConverter):  # type: ignore[misc]
    """Serialize the running state without the specs; restore against cached specs."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = _tasks_from_dict(self.registry, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


#: A task id as SpiffWorkflow keys it, from its text. Each id recurs in a state (as a task, a
#: parent, a child) and in every load of its case, and a UUID is immutable, so one object per id
#: can serve them all: parsing the text was a third of restoring a workflow (36 ids for a
#: 9-task loop). With :data:`_uuid_text`, about 500 bytes an id: 8 MB at most.
_uuid = lru_cache(maxsize=1 << 14)(UUID)


#: The text of a task id, kept. Every step writes each live task's id, its parent's and its
#: children's (about four a task: 150 for a complaint with subprocesses), and ``UUID.__str__``
#: is pure Python; a cached one is a hash and a lookup.
_uuid_text = lru_cache(maxsize=1 << 14)(str)


class _TaskConverter(TaskConverter):  # type: ignore[misc]
    """SpiffWorkflow 3.2's task serialization and restore, with task ids' objects and text
    from caches (:data:`_uuid`, :data:`_uuid_text`).

    Every step serializes every live task, and a web worker restores them whenever the case
    was last stepped by another worker. The results are the library's:
    ``tests/engine/test_state_restore.py`` compares both ways on real journeys' states.
    """

    def to_dict(self, task: Any) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:  # only what differs from the parent's data, as the library stores it
            before, after = parent.data, task.data
            data = {}
            delta = {"updates": {k: v for k, v in after.items() if k not in before
                                 or v != before[k]},
                     "deletions": [k for k in before if k not in after]}
        return {
            "id": _uuid_text(task.id),
            "parent": _uuid_text(task._parent) if parent is not None else None,
            "children": [_uuid_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Any:
        restore = self.registry.restore
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        parent_id = dct["parent"]
        task._parent = _uuid(parent_id) if parent_id is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        internal = dct["internal_data"]
        task.internal_data = restore(internal) if internal else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            updates = delta.get("updates")
            if updates:
                data.update(_restored(self.registry, updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = _restored(self.registry, dct["data"])
        task.data = data
        return task


def _restored(registry: Any, value: Any) -> Any:
    """``registry.restore`` for a value fresh from ``json.loads`` (a stored state is decoded
    for each load and read once): its dicts and lists are kept and only a typed value (a
    ``typename`` dict: a date, a UUID) is replaced, where the library copies every container of
    the case data."""
    if type(value) is dict:
        if "typename" in value:
            return registry.restore(value)
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                restored = _restored(registry, item)
                if restored is not item:
                    value[key] = restored
    elif type(value) is list:
        for at, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                restored = _restored(registry, item)
                if restored is not item:
                    value[at] = restored
    return value


def _tasks_from_dict(registry: Any, stored: Mapping[str, Any], workflow: Any) -> dict[Any, Any]:
    """The task map of ``workflow``. A plain task goes straight to its converter: the registry's
    generic restore would first copy each task's dict only to drop its ``typename``."""
    task_from_dict, restore = registry.convert_from_dict["Task"], registry.restore
    return {
        _uuid(key): (task_from_dict(value, workflow=workflow) if value.get("typename") == "Task"
                     else restore(value, workflow=workflow))
        for key, value in stored.items()
    }


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _StateOnlyConverter
_config[RedressServiceTask] = ServiceTaskConverter
_config[Task] = _TaskConverter
_config[BpmnSubWorkflow] = _SubWorkflowConverter
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def dumps_state(workflow: BpmnWorkflow) -> bytes:
    registry = _serializer.registry
    registry._encoder_mode = True
    try:
        dct = _serializer.to_dict(workflow)
        return json.dumps(dct, cls=_serializer._encoder_cls, separators=(",", ":")).encode()
    finally:
        registry._encoder_mode = False


#: States longer than this are stored zlib-compressed (decision 0019): a complaint's 45 KB of
#: JSON becomes 7 KB, where PostgreSQL's own pglz made 12 KB, and every step writes its state.
PACK_OVER = 1024


def pack_state(state: bytes) -> bytes:
    """The stored form of a serialized state: zlib for all but small ones (JSON starts "{")."""
    return zlib.compress(state, 1) if len(state) > PACK_OVER else state


def unpack_state(stored: bytes) -> bytes:
    """Serialized JSON from a stored state, packed or not (older rows are plain JSON)."""
    stored = bytes(stored)
    return zlib.decompress(stored) if stored[:1] == b"x" else stored


def loads_state(
    state: bytes, spec: Any, subprocess_specs: Mapping[str, Any], script_engine: Any
) -> BpmnWorkflow:
    """A workflow from its stored state (packed or plain JSON)."""
    dct = json.loads(unpack_state(state))
    workflow: BpmnWorkflow = _serializer.from_dict(
        dct, spec=spec, subprocess_specs=dict(subprocess_specs)
    )
    workflow.script_engine = script_engine
    return workflow


def new_workflow(
    spec: Any, subprocess_specs: Mapping[str, Any], script_engine: Any
) -> BpmnWorkflow:
    return BpmnWorkflow(spec, dict(subprocess_specs), script_engine=script_engine)


# --- version migration ---------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationPlan:
    """What moving a running instance to another version would do."""

    removed_active: list[str]  # open tasks whose element no longer exists: migration refused
    changed: list[str]
    added: list[str]

    @property
    def possible(self) -> bool:
        return not self.removed_active


def plan_migration(workflow: BpmnWorkflow, new_spec: Any, new_deps: Mapping[str, Any]) -> Any:
    """Diff the running workflow (and its subprocesses) against a new version's specs."""
    from SpiffWorkflow.bpmn.util.diff import diff_workflow

    top, subs = diff_workflow(_serializer.registry, workflow, new_spec, dict(new_deps))
    active = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    removed = [t.task_spec.bpmn_id or t.task_spec.name for t in top.removed if t.state & active]
    changed = sorted({t.task_spec.bpmn_id or t.task_spec.name for t in top.changed})
    for sp_id, diff in subs.items():
        if diff is None:
            removed.append(f"subprocess {workflow.subprocesses[sp_id].spec.name}")
            continue
        removed += [
            t.task_spec.bpmn_id or t.task_spec.name for t in diff.removed if t.state & active
        ]
        changed += [t.task_spec.bpmn_id or t.task_spec.name for t in diff.changed]
    added = sorted(
        s.bpmn_id
        for s in new_spec.task_specs.values()
        if s.name not in workflow.spec.task_specs and getattr(s, "bpmn_id", None)
    )
    return MigrationPlan(sorted(set(removed)), sorted(set(changed)), added), (top, subs)


def apply_migration(
    workflow: BpmnWorkflow, diffs: Any, new_spec: Any, new_deps: Mapping[str, Any]
) -> None:
    from SpiffWorkflow.bpmn.util.diff import migrate_workflow

    top, subs = diffs
    for sp_id, diff in subs.items():
        sub = workflow.subprocesses[sp_id]
        migrate_workflow(diff, sub, new_deps[sub.spec.name])
    migrate_workflow(top, workflow, new_spec)
    workflow.subprocess_specs = dict(new_deps)


# --- history compaction --------------------------------------------------------------------

_COMPACT_MIN = 8


def compact(workflow: BpmnWorkflow) -> int:
    """Cut the finished, linear history out of the live task tree; return tasks removed.

    SpiffWorkflow keeps every completed task (with a copy of its data) in the tree, so a long
    case gets slower at every step. History lives in our audit table instead; here we drop the
    straight run of COMPLETED tasks below the root, keeping the newest two so that specs that
    look at their parent (joins, boundary splits) still see it. Branch points, open work and
    unfinished subprocesses stop the cut. Removal happens in batches to amortise the walk.
    """
    removed = 0
    for wf in [workflow, *list(workflow.subprocesses.values())]:
        removed += _compact_one(workflow, wf)
    return removed


def _compact_one(top: BpmnWorkflow, wf: Any) -> int:
    root = wf.task_tree
    chain: list[Any] = []
    node = root
    while node.state == TaskState.COMPLETED and len(node._children) == 1:
        child = wf.tasks.get(node._children[0])
        if child is None:
            break
        sub = top.subprocesses.get(child.id)
        if sub is not None and not (sub.completed and child.state == TaskState.COMPLETED):
            break
        chain.append(child)
        node = child
    removable = chain[:-2]
    if len(removable) < _COMPACT_MIN:
        return 0
    keep = chain[-2]
    for task in removable:
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
        del wf.tasks[task.id]
    root._children = [keep.id]
    keep._parent = root.id
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = keep
    return len(removable)


def compact_finished(workflow: BpmnWorkflow) -> int:
    """Shrink a completed or cancelled workflow to its root and last task; return tasks removed.

    A finished instance is only ever read for its data (``workflow.data`` and the last task's,
    see ``engine.runtime.instance_data``) and its history lives in the audit table, so the rest
    of the tree, finished call activities included, is dead weight in every stored row. When
    the last task belongs to a subprocess (a cancel inside a call activity) the tree is only
    compacted the ordinary way, so no data is lost.
    """
    root = workflow.task_tree
    last = workflow.last_task
    if last is None or last.id == root.id or workflow.tasks.get(last.id) is not last:
        return compact(workflow)
    removed = len(workflow.tasks) - 2
    for sub in list(workflow.subprocesses.values()):
        removed += len(sub.tasks)
    workflow.subprocesses.clear()
    workflow.tasks = {root.id: root, last.id: last}
    root._children = [last.id]
    last._parent = root.id
    last._children = []
    return removed
