"""The step: load an instance, apply one change, run the engine, persist — one transaction.

Every state change in Redress goes through :meth:`Runtime.step`. It reads the instance's row
with ``FOR UPDATE`` (on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already makes the writer
exclusive), so a concurrent step on the same instance waits for this one and then reads the
revision it left; the save writes the next revision ``WHERE revision = r`` as a last guard.
Everything the step derives (task rows, timers, subscriptions, jobs, incidents, audit) is
written in the same transaction (decisions 0004 and 0013).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Insert, Select, Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from engine import spiff
from engine.cache import WorkflowCache
from engine.clock import Clock, as_utc, using_clock
from engine.db import Connections, new_id
from engine.definitions import Definition, DefinitionCache
from engine.erasure import (
    Erasure,
    ErasureHook,
    erase_instance_rows,
    scrub_state,
    scrub_workflow,
)
from engine.exceptions import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    RedressError,
    StepLimitError,
)
from engine.pipeline import PENDING, Writes
from engine.step_limits import MAX_STEP_SECONDS, MAX_TASKS_PER_STEP, StepBudget, record_runaway
from engine.tables import audit_log, incidents, process_instances, timers

__all__ = [
    "CLAIM_COLUMNS",
    "InstanceRow",
    "Runtime",
    "Step",
    "instance_data",
    "select_with_claim",
]

_pi = process_instances
#: What a step needs of its instance row, labelled so a caller can select them alongside its
#: own columns (a task, a timer) and hand the row to :meth:`Runtime.run` as ``found``.
CLAIM_COLUMNS = (
    _pi.c.id.label("pi_id"),
    _pi.c.definition_id.label("pi_definition_id"),
    _pi.c.process_id.label("pi_process_id"),
    _pi.c.business_key.label("pi_business_key"),
    _pi.c.status.label("pi_status"),
    _pi.c.revision.label("pi_revision"),
    _pi.c.open_refs.label("pi_open_refs"),
    _pi.c.started_at.label("pi_started_at"),
)
_SELECT_CLAIM = (
    select(*CLAIM_COLUMNS).where(_pi.c.id == bindparam("instance_id")).with_for_update(of=_pi)
)


def select_with_claim(table: Table, key: str, *, state: bool = False) -> Select[Any]:
    """A row of ``table`` (by id, bound as ``key``) with its instance's :data:`CLAIM_COLUMNS`.

    What a completion, a timer or a job reads in the step's own transaction and hands to
    :meth:`Runtime.run` as ``found``. The instance row is locked (``FOR UPDATE``, PostgreSQL)
    until the step's transaction ends: that lock is the step's claim. With ``state`` the row
    also carries the stored workflow (``pi_state``), for a caller that expects the cache not
    to hold it: a miss then costs no second round trip.
    """
    columns = (*CLAIM_COLUMNS, _pi.c.state.label("pi_state")) if state else CLAIM_COLUMNS
    return (
        select(table, *columns)
        .join(_pi, _pi.c.id == table.c.instance_id)
        .where(table.c.id == bindparam(key))
        .with_for_update(of=_pi)
    )


_SELECT_STATE = select(_pi.c.state).where(_pi.c.id == bindparam("instance_id"))
_SAVE = (
    update(_pi)
    .where(_pi.c.id == bindparam("instance_id"), _pi.c.revision == bindparam("expected"))
    .values(
        definition_id=bindparam("v_definition_id", type_=_pi.c.definition_id.type),
        state=bindparam("v_state", type_=_pi.c.state.type),
        status=bindparam("v_status", type_=_pi.c.status.type),
        revision=bindparam("v_revision", type_=_pi.c.revision.type),
        open_refs=bindparam("v_open_refs", type_=_pi.c.open_refs.type),
        summary=bindparam("v_summary", type_=_pi.c.summary.type),
        updated_at=bindparam("v_updated_at", type_=_pi.c.updated_at.type),
        ended_at=bindparam("v_ended_at", type_=_pi.c.ended_at.type),
    )
)
_INSERT_INSTANCE = insert(process_instances)

_INSERT_TIMERS = insert(timers).returning(timers.c.id, sort_by_parameter_order=True)
T = TypeVar("T")


@functools.cache
def _inserter(table: Table) -> Insert:
    return insert(table)


def hold(writes: Writes) -> None:
    """Leave ``writes`` for the transaction's COMMIT (``engine.db.Connections.write`` sends
    them with it: one round trip for both on PostgreSQL)."""
    held: Writes | None = writes.conn.info.get(PENDING)
    if held is None:
        writes.conn.info[PENDING] = writes
    else:
        held.take(writes)


@dataclass
class Deferred:
    """What a batch of steps writes at its end: a statement per table, not per step.

    Only inserts of new rows and the instances' saves wait; nothing in the batch reads them
    back before COMMIT (each step touches only its own instance, which the batch has locked).
    """

    inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    saves: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self.inserts.setdefault(table, []).extend(rows)

    def flush(self, conn: Connection, *, last: bool = False) -> None:
        """Send the batch's writes together (one round trip on PostgreSQL: engine.pipeline);
        ``last``: nothing else happens in the transaction, so they go with its COMMIT."""
        writes = Writes(conn)
        for table, rows in self.inserts.items():
            writes.write(_inserter(table), rows)
        if self.saves:
            writes.write(_SAVE, self.saves, expect=1, failure=lambda: ConflictError(
                "an instance of the batch was changed by someone else"))
        self.inserts, self.saves = {}, []
        if last:
            hold(writes)
        else:
            writes.flush()


@dataclass
class InstanceRow:
    id: int
    definition_id: int
    process_id: str
    business_key: str
    status: str
    revision: int
    open_refs: dict[str, list[str]]
    started_at: datetime
    stored_revision: int = 0  # the revision the row holds until this step saves


@dataclass
class Step:
    """What one step works on; ``apply`` functions read and change it, the runtime persists it."""

    conn: Connection
    instance: InstanceRow
    definition: Definition
    workflow: spiff.Workflow
    now: datetime
    actor: str
    audit: list[dict[str, Any]] = field(default_factory=list)
    status: str | None = None  # set to change the instance status
    jobs_created: int = 0  # service-task jobs this step made ready
    summary: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # the case data as the step left it
    # Derived rows this step closed itself ("h" human task, "t" timer, "j" job -> refs), so
    # the projector does not issue an UPDATE for them that would match nothing.
    closed: dict[str, set[str]] = field(default_factory=dict)
    budget: StepBudget | None = None  # tasks and wall time left; set by the runtime
    # Personal data a handler asked to erase from every store when this step is saved.
    erasures: list[Erasure] = field(default_factory=list)
    # The rows this step inserted, by table name (timers with their new ids): what the caller
    # answers with instead of reading them back.
    inserted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Set when the step is one of a batch (timers): its inserts and its save wait for the
    # batch's end, one statement per table for the whole batch.
    deferred: Deferred | None = None
    # The step's own writes that nothing reads back before COMMIT: sent together when the
    # step is saved (one round trip on PostgreSQL; engine.pipeline), or with the COMMIT if the
    # step is the last thing its transaction does (``last``).
    writes: Writes = field(init=False)
    last: bool = False

    def __post_init__(self) -> None:
        self.writes = Writes(self.conn)

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert derived rows: with the step's writes, or with the rest of the batch."""
        if self.deferred is not None:
            self.deferred.insert(table, rows)
        elif table is timers:  # the answer lists waiting timers by id
            ids = self.conn.execute(_INSERT_TIMERS, rows).scalars().all()
            rows = [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        else:
            self.writes.write(_inserter(table), rows[0] if len(rows) == 1 else rows)
        self.inserted.setdefault(table.name, []).extend(rows)

    def settled(self, kind: str, ref: str) -> None:
        """Note that the step itself closed the derived row ``ref`` of ``kind``."""
        self.closed.setdefault(kind, set()).add(ref)

    def record(self, action: str, task_id: str | None = None, **detail: Any) -> None:
        self.audit.append({"action": action, "task_id": task_id, "detail": detail})

    def open_incident(self, kind: str, message: str, task: Any = None, **refs: Any) -> None:
        task_id = str(task.id) if task is not None else None
        spec_id = task.task_spec.bpmn_id if task is not None else None
        self.conn.execute(
            insert(incidents).values(
                instance_id=self.instance.id,
                task_id=task_id,
                spec_id=spec_id,
                kind=kind,
                message=message[:2000],
                created_at=self.now,
                **refs,
            )
        )
        self.record("incident_opened", task_id, kind=kind, message=message[:500])


Syncer = Callable[[Step], bool]


class Runtime:
    def __init__(
        self,
        db: SqlEngine,
        definitions: DefinitionCache,
        script_engine: Any,
        clock: Clock,
        *,
        sync: Syncer,
        summary_keys: Sequence[str] = (),
        cache: WorkflowCache | None = None,
        conns: Connections | None = None,
    ) -> None:
        self.db = db
        self.conns = conns if conns is not None else Connections(db)
        self.definitions = definitions
        self.script_engine = script_engine
        self.clock = clock
        self.sync = sync
        self.summary_keys = tuple(summary_keys)
        self.cache = cache if cache is not None else WorkflowCache()
        # Test seam: called after everything is written and before COMMIT.
        self.before_commit: Callable[[Step], None] | None = None
        self.max_tasks = MAX_TASKS_PER_STEP
        self.max_seconds = MAX_STEP_SECONDS
        # Application stores an erasure must also reach (see engine.erasure).
        self.erasure_hooks: list[ErasureHook] = []
        # Metrics seam: called with each step's duration in seconds (``/metrics``).
        self.on_step: Callable[[float], None] | None = None

    # -- instance creation ---------------------------------------------------------------

    def create(
        self,
        definition_id: int,
        business_key: str,
        data: Mapping[str, Any],
        actor: str,
        first: Callable[[Step], None] | None = None,
        *,
        conn: Connection | None = None,
        last: bool = False,
    ) -> Step:
        """Start an instance: insert its row, then run its first step in the same transaction.

        With ``conn`` it runs in the caller's transaction; the caller calls :meth:`committed`.
        ``last``: nothing after the step in that transaction reads what the step wrote (the
        caller commits, or adds rows of its own), so the step's writes can go with the COMMIT
        (:func:`hold`).
        """
        if conn is None:
            with self.conns.write() as own:
                step = self._create(own, definition_id, business_key, data, actor, first,
                                    last=True)
            self.committed(step)
            return step
        return self._create(conn, definition_id, business_key, data, actor, first, last=last)

    def _create(
        self,
        conn: Connection,
        definition_id: int,
        business_key: str,
        data: Mapping[str, Any],
        actor: str,
        first: Callable[[Step], None] | None,
        *,
        last: bool = False,
    ) -> Step:
        now = self.clock.now()
        definition = self.definitions.get(conn, definition_id)
        workflow = spiff.new_workflow(
            definition.spec, definition.subprocess_specs, self.script_engine
        )
        for task in workflow.get_tasks(state=spiff.TaskState.READY):
            task.data.update(data)
        instance_id = new_id(conn.execute(
            _INSERT_INSTANCE,
            {
                "definition_id": definition_id,
                "process_id": definition.process_id,
                "business_key": business_key,
                "status": "active",
                "revision": 0,
                "state": b"{}",
                "open_refs": {},
                "summary": {},
                "started_at": now,
                "updated_at": now,
                "started_by": actor,
            },
        ))
        row = InstanceRow(
            instance_id,
            definition_id,
            definition.process_id,
            business_key,
            "active",
            0,
            {},
            now,
        )
        step = Step(conn, row, definition, workflow, now, actor, last=last)
        step.budget = StepBudget(None, self.max_tasks, self.max_seconds)
        step.record(
            "instance_started",
            process_id=definition.process_id,
            version=definition.version,
            data_keys=sorted(data),
        )
        with using_clock(self.clock):
            if first is not None:
                first(step)
            self._advance(step)
        self._save(step)
        return step

    # -- the step ------------------------------------------------------------------------

    def step(
        self,
        instance_id: int,
        apply: Callable[[Step], T],
        *,
        actor: str,
        expected_revision: int | None = None,
        statuses: Sequence[str] = ("active",),
        advance: bool = True,
    ) -> T:
        return self.run(
            instance_id,
            apply,
            actor=actor,
            expected_revision=expected_revision,
            statuses=statuses,
            advance=advance,
        )[0]

    def run(
        self,
        instance_id: int,
        apply: Callable[[Step], T],
        *,
        actor: str,
        expected_revision: int | None = None,
        statuses: Sequence[str] = ("active",),
        advance: bool = True,
        conn: Connection | None = None,
        found: Any = None,
        deferred: Deferred | None = None,
        last: bool = False,
    ) -> tuple[T, Step]:
        """Like :meth:`step`, also returning the step (jobs created, summary, data).

        With ``conn`` the step runs inside the caller's transaction, so a caller that had to
        read something first (the task being completed, the timer being fired) pays for one
        transaction, not two; the caller then calls :meth:`committed` after its COMMIT.
        ``found`` is a row with :data:`CLAIM_COLUMNS` the caller already selected, which
        spares the claim its SELECT (it must lock the instance row: :func:`select_with_claim`).
        With ``deferred`` (and ``conn``) the step's inserts and save wait for the caller's
        :meth:`Deferred.flush`, so a batch of steps writes a statement per table. ``last``
        (with ``conn``): the caller only commits after the step, so the step's writes can go
        with the COMMIT (:func:`hold`).
        """
        if conn is None:
            try:
                with self.conns.write() as own:
                    result, step = self._run(
                        own, instance_id, apply, actor, expected_revision, statuses, advance,
                        found, last=True,
                    )
            except StepLimitError as exc:
                self.runaway(exc)
                raise
            self.committed(step)
            return result, step
        return self._run(
            conn, instance_id, apply, actor, expected_revision, statuses, advance, found,
            deferred, last=last,
        )

    def runaway(self, exc: StepLimitError) -> None:
        """After a step over its budget was rolled back: incident and suspension, committed."""
        # The workflow it ran on was taken out of the cache and is not put back: nothing stale.
        record_runaway(self.conns, self.clock, exc)

    def committed(self, step: Step) -> None:
        """Keep the step's workflow warm; call only once its transaction has committed."""
        self.cache.put(step.instance.id, step.instance.revision, step.workflow,
                       step.instance.open_refs.get("h", ()))

    def _run(
        self,
        conn: Connection,
        instance_id: int,
        apply: Callable[[Step], T],
        actor: str,
        expected_revision: int | None,
        statuses: Sequence[str],
        advance: bool,
        found: Any,
        deferred: Deferred | None = None,
        *,
        last: bool = False,
    ) -> tuple[T, Step]:
        began = time.perf_counter()
        now = self.clock.now()
        row = self._claim(conn, instance_id, expected_revision, statuses, found)
        definition = self.definitions.get(conn, row.definition_id)
        # The cache holds the workflow at the committed revision, the one just claimed past.
        workflow = self.cache.take(instance_id, row.revision - 1) or self._load(
            conn, row, definition, getattr(found, "pi_state", None)
        )
        step = Step(conn, row, definition, workflow, now, actor, deferred=deferred, last=last)
        step.budget = StepBudget(instance_id, self.max_tasks, self.max_seconds)
        with using_clock(self.clock):
            result = apply(step)
            if advance:
                self._advance(step)
        self._save(step)
        if self.on_step is not None:
            self.on_step(time.perf_counter() - began)
        return result, step

    def _claim(
        self,
        conn: Connection,
        instance_id: int,
        expected: int | None,
        statuses: Sequence[str],
        found: Any = None,
    ) -> InstanceRow:
        if found is None:
            found = conn.execute(_SELECT_CLAIM, {"instance_id": instance_id}).first()
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        if expected is not None and found.pi_revision != expected:
            raise ConflictError(
                f"instance {instance_id} is at revision {found.pi_revision}, not {expected}"
            )
        if found.pi_status not in statuses:
            raise InvalidStateError(f"instance {instance_id} is {found.pi_status}")
        return InstanceRow(
            found.pi_id,
            found.pi_definition_id,
            found.pi_process_id,
            found.pi_business_key,
            found.pi_status,
            found.pi_revision + 1,
            dict(found.pi_open_refs or {}),
            as_utc(found.pi_started_at) or self.clock.now(),
            found.pi_revision,
        )

    def _load(
        self, conn: Connection, row: InstanceRow, definition: Definition, state: Any = None
    ) -> spiff.Workflow:
        """The stored workflow; ``state`` if the caller's claim read it already (timers)."""
        if state is None:
            state = conn.execute(_SELECT_STATE, {"instance_id": row.id}).scalar_one()
        return spiff.loads_state(
            state, definition.spec, definition.subprocess_specs, self.script_engine
        )

    # -- running and saving --------------------------------------------------------------

    def _advance(self, step: Step) -> None:
        """Run engine steps and derive rows until no buffered message is waiting (bounded)."""
        for _ in range(50):
            run_engine_steps(step)
            if not self.sync(step):
                return
        raise RedressError("message delivery did not settle after 50 rounds")

    def _save(self, step: Step) -> None:
        workflow = step.workflow
        erasure = Erasure.merge(step.erasures) if step.erasures else None
        if erasure is not None:
            scrub_workflow(workflow, erasure)
            step.audit = erasure.scrub(step.audit)
        status = step.status or step.instance.status
        ended = None
        if status == "active" and workflow.is_completed():
            status = "completed"
            step.record("instance_completed")
        if status in ("completed", "cancelled"):
            ended = step.now
        data = instance_data(workflow)
        if ended is not None:
            spiff.compact_finished(workflow)
        else:
            spiff.compact(workflow)
        summary = _jsonable(project_summary(data, self.summary_keys))
        step.summary = summary
        step.data = data
        state = spiff.dumps_state(workflow)
        values = {
            "instance_id": step.instance.id,
            "expected": step.instance.stored_revision,
            "v_definition_id": step.definition.id,
            "v_state": spiff.pack_state(
                state if erasure is None else scrub_state(state, erasure)
            ),
            "v_status": status,
            "v_revision": step.instance.revision,
            "v_open_refs": step.instance.open_refs,
            "v_summary": summary,
            "v_updated_at": step.now,
            "v_ended_at": ended,
        }
        if step.deferred is not None:
            step.deferred.saves.append(values)
        else:  # a miss means a caller read without the lock
            step.writes.write(_SAVE, values, expect=1, failure=lambda: ConflictError(
                f"instance {step.instance.id} was changed by someone else; reload"))
        step.instance.status = status
        if step.audit:
            step.insert(
                audit_log,
                [
                    {
                        "instance_id": step.instance.id,
                        "at": step.now,
                        "actor": step.actor,
                        "action": a["action"],
                        "task_id": a["task_id"],
                        "detail": _jsonable(a["detail"]),
                    }
                    for a in step.audit
                ],
            )
        if step.last and erasure is None and self.before_commit is None:
            hold(step.writes)
        else:
            step.writes.flush()
        if erasure is not None:
            erase_instance_rows(step.conn, step.instance.id, erasure)
            for hook in self.erasure_hooks:
                hook(step.conn, step.instance.id, step.instance.business_key, erasure)
        if self.before_commit is not None:
            self.before_commit(step)


def run_engine_steps(step: Step) -> None:
    """``do_engine_steps``, turning a failing script/expression into an incident on its task.

    The failing task is parked in ERROR so the rest of the instance can go on; retrying the
    incident puts it back to READY. An error with no task to blame fails the whole step.
    """
    workflow = step.workflow
    budget = step.budget or StepBudget(step.instance.id)
    for _ in range(100):
        started: list[Any] = []

        def will_run(task: Any, started: list[Any] = started) -> None:
            started.append(task)
            budget.spend(task)

        try:
            workflow.do_engine_steps(will_complete_task=will_run)
            return
        except StepLimitError:
            raise
        except Exception as exc:  # scripts may raise anything; we must not lose the step
            task = _blame(workflow, started, exc)
            if task is None:
                raise _as_redress_error(exc) from exc
            task._set_state(spiff.TaskState.ERROR)
            step.open_incident("script", describe_error(exc), task)
    raise RedressError("too many failing tasks in one step")


def _blame(workflow: spiff.Workflow, started: list[Any], exc: BaseException) -> Any:
    # SpiffWorkflow names the task whose expression failed (a timer or a gateway condition
    # evaluated while the task was being readied, outside ``will_complete_task``).
    named = getattr(exc, "task", None)
    if (
        named is not None
        and named.state != spiff.TaskState.COMPLETED
        and not named._get_internal_data("incident_opened")
    ):
        named._set_internal_data(incident_opened=True)
        named._set_state(spiff.TaskState.ERROR)
        return named
    errored = [
        t
        for t in workflow.get_tasks(state=spiff.TaskState.ERROR)
        if not t._get_internal_data("incident_opened")
    ]
    if errored:
        errored[0]._set_internal_data(incident_opened=True)
        return errored[0]
    if started and started[-1].state != spiff.TaskState.COMPLETED:
        started[-1]._set_internal_data(incident_opened=True)
        return started[-1]
    return None


def describe_error(exc: BaseException) -> str:
    """One line naming the root cause, without task data (it may hold personal data)."""
    root: BaseException = exc
    seen = 0
    # Our own errors say what failed and where (the sandbox names the line); stop at them.
    while seen < 10 and not isinstance(root, RedressError):
        inner = getattr(root, "exception", None) or root.__cause__ or root.__context__
        if not isinstance(inner, BaseException):
            break
        root, seen = inner, seen + 1
    text = str(root).strip().splitlines()[0] if str(root).strip() else ""
    return f"{root.__class__.__name__}: {text}" if text else root.__class__.__name__


def _as_redress_error(exc: BaseException) -> RedressError:
    if isinstance(exc, RedressError):
        return exc
    return RedressError(describe_error(exc))


def instance_data(workflow: spiff.Workflow) -> dict[str, Any]:
    """The case data as it stands: open tasks' data, the most recently changed last.

    Each open task holds its own copy of the data; a timer that has waited for weeks holds an
    old one, so tasks are merged oldest change first and the newest values win.
    """
    open_tasks = workflow.get_tasks(
        state=spiff.TaskState.READY | spiff.TaskState.WAITING | spiff.TaskState.ERROR
    )
    merged: dict[str, Any] = {}
    for task in sorted(open_tasks, key=lambda t: t.last_state_change):
        merged.update(task.data)
    if not merged:
        merged.update(workflow.data)
        if workflow.last_task is not None:
            merged.update(workflow.last_task.data)
    return merged


def project_summary(data: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The summary values of ``keys``; a dotted key (``client.name``) reads into nested data and
    is stored under its dotted name, so lists can search it without loading the state."""
    summary: dict[str, Any] = {}
    for key in keys:
        if key in data:
            summary[key] = data[key]
        elif "." in key:
            value: Any = data
            for part in key.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is not None:
                summary[key] = value
    return summary


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
