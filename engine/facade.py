"""``Engine``: the one entry point to Redress's durable BPMN runtime.

Typical use::

    engine = Engine.create("sqlite:///instance/redress.db", clock=SimulatedClock(...))
    engine.init_db()
    engine.deploy({"journey.bpmn": data, ...}, name="complaints", user="analyst1")
    inst = engine.start("complaint_journey", business_key="CMS-0001", data={...}, user="cw1")
    [task] = engine.tasks(instance_id=inst.id)
    engine.complete(task.id, {"outcome": "upheld"}, user="cw1", roles={"caseworker"})
"""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from engine import forms, queries, spiff, token_moves
from engine.cache import WorkflowCache
from engine.catalogue import Catalogue
from engine.change_notices import ChangeNotices
from engine.clock import Clock, SystemClock, as_utc
from engine.db import Connections, connect, migrate, retry_stale
from engine.definitions import DefinitionCache, deploy_files
from engine.erasure import ErasureHook
from engine.exceptions import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    StepLimitError,
    TaskNotOpenError,
    ValidationError,
)
from engine.expressions import EXPRESSION_FUNCTIONS
from engine.handlers import HandlerRegistry, default_registry
from engine.jobs import JobRunner, exponential_backoff
from engine.leases import claim_due
from engine.messages import CorrelationResult, Correlator
from engine.outbox import Dispatcher, Transport
from engine.pipeline import first_row
from engine.records import (
    NOTHING_TO_RUN_AGAIN,
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
from engine.runtime import Runtime, Step, instance_data, select_with_claim
from engine.sync import Projector
from engine.tables import (
    audit_log,
    documents,
    human_tasks,
    incidents,
    jobs,
    outbox,
)
from engine.task_access import LaneAccess, TaskAccess
from engine.timers import TimerFirer
from engine.token_moves import MovePlace

__all__ = ["Engine"]

# The completion's statements, built once (building a Core statement costs more than running it).
_SELECT_TASK_FOR_STEP = select_with_claim(human_tasks, "task_id")
# For a task this worker did not open (another worker's step did): its cached workflow, if
# any, is older than the row, so the stored one comes with the claim, not in a second query.
_SELECT_TASK_AND_STATE_FOR_STEP = select_with_claim(human_tasks, "task_id", state=True)
_CLOSE_TASK = (
    update(human_tasks)
    .where(human_tasks.c.id == bindparam("task_id"), human_tasks.c.status == "open")
    .values(status="completed", completed_at=bindparam("now"), completed_by=bindparam("user"))
)


class Engine:
    """Deploy, start, work tasks, correlate messages, fire timers, run jobs, handle incidents."""

    def __init__(
        self,
        db: Any,
        *,
        clock: Clock,
        registry: HandlerRegistry,
        script_functions: Mapping[str, Callable[..., Any]],
        summary_keys: Sequence[str],
        transports: Mapping[str, Transport],
        default_transport: Transport | None,
        max_attempts: int,
        retry_backoff: timedelta,
        run_jobs_inline: bool,
        script_time_limit: float,
        cache_size: int,
        extra_migrations: Sequence[str | Path],
        audit_private_keys: Sequence[str] = (),
        task_access: TaskAccess | None = None,
    ) -> None:
        self.db = db
        self.task_access: TaskAccess = task_access or LaneAccess()
        # Reads need no transaction (autocommit / deferred); inside ``conns.bound()`` (a web
        # request) every read and write shares one connection.
        self.conns = Connections(db)
        self.reads = self.conns.reads
        self._notices: dict[str, ChangeNotices] = {}
        self.audit_private_keys = tuple(audit_private_keys)
        self.clock = clock
        self.registry = registry
        self.run_jobs_inline = run_jobs_inline
        self.extra_migrations = tuple(extra_migrations)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.definitions = DefinitionCache()
        functions = {**EXPRESSION_FUNCTIONS, **script_functions}
        script_engine = spiff.WorkflowScriptEngine(functions, script_time_limit)
        backoff = exponential_backoff(retry_backoff)
        self.runtime = Runtime(
            db,
            self.definitions,
            script_engine,
            clock,
            sync=Projector(max_attempts),
            summary_keys=summary_keys,
            cache=WorkflowCache(cache_size),
            conns=self.conns,
        )
        self.jobs_runner = JobRunner(self.runtime, registry, backoff)
        self.timer_firer = TimerFirer(self.runtime)
        self.correlator = Correlator(self.runtime)
        self.catalogue = Catalogue(db)
        self.dispatcher = Dispatcher(
            db, clock, transports, default_transport, backoff, max_attempts
        )

    @classmethod
    def create(
        cls,
        database_url: str,
        *,
        clock: Clock | None = None,
        registry: HandlerRegistry | None = None,
        script_functions: Mapping[str, Callable[..., Any]] | None = None,
        summary_keys: Sequence[str] = (),
        transports: Mapping[str, Transport] | None = None,
        default_transport: Transport | None = None,
        max_attempts: int = 3,
        retry_backoff: timedelta = timedelta(seconds=10),
        run_jobs_inline: bool = True,
        script_time_limit: float = 1.0,
        cache_size: int = 2000,
        extra_migrations: Sequence[str | Path] = (),
        audit_private_keys: Sequence[str] = (),
        task_access: TaskAccess | None = None,
    ) -> Engine:
        """Build an engine on a database URL (SQLite or PostgreSQL).

        ``task_access`` is the application's rule for who may work and release tasks (default
        :class:`engine.task_access.LaneAccess`).
        """
        return cls(
            connect(database_url),
            clock=clock or SystemClock(),
            registry=registry or default_registry,
            script_functions=script_functions or {},
            summary_keys=summary_keys,
            transports=transports or {},
            default_transport=default_transport,
            max_attempts=max_attempts,
            retry_backoff=retry_backoff,
            run_jobs_inline=run_jobs_inline,
            script_time_limit=script_time_limit,
            cache_size=cache_size,
            extra_migrations=extra_migrations,
            audit_private_keys=audit_private_keys,
            task_access=task_access,
        )

    def init_db(self) -> None:
        """Create or upgrade the schema (Alembic), including any extra migration branches."""
        migrate(self.db, self.extra_migrations)

    def add_erasure_hook(self, hook: ErasureHook) -> None:
        """Also scrub an application store when a handler erases personal data (``ctx.erase``).

        The hook runs in the erasing step's transaction with (connection, instance id,
        business key, :class:`engine.erasure.Erasure`).
        """
        self.runtime.erasure_hooks.append(hook)

    def close(self) -> None:
        for notices in self._notices.values():
            notices.close()
        self.runtime.script_engine.environment.close()
        self.db.dispose()

    def notices(self, channel: str) -> ChangeNotices:
        """This process's listener for ``channel`` (one per channel, closed with the engine)."""
        found = self._notices.get(channel)
        if found is None:
            found = self._notices.setdefault(channel, ChangeNotices(self.db, channel))
        return found

    # -- deployments ---------------------------------------------------------------------

    def deploy(self, files: Mapping[str, bytes], *, name: str, user: str) -> DeploymentRecord:
        """Validate and store a set of BPMN/DMN/form files as a new immutable version.

        Raises:
            DeploymentError: a file is malformed, hostile, or refers to something missing.
        """
        with self.conns.write() as conn:
            return deploy_files(
                conn, files, name=name, user=user, now=self.clock.now(), registry=self.registry
            )

    # -- instances -----------------------------------------------------------------------

    def start(
        self,
        process_id: str,
        *,
        business_key: str,
        data: Mapping[str, Any] | None = None,
        user: str,
        version: int | None = None,
        in_transaction: Callable[[Any, int], None] | None = None,
    ) -> InstanceRecord:
        """Start the latest (or a given) version of a process.

        ``in_transaction(conn, instance_id)`` writes the caller's own rows in the start's
        transaction, before COMMIT (an Idempotency-Key naming the new instance): they commit
        with the start or not at all.

        Raises:
            NotFoundError: no such deployed process.
        """
        start_data = dict(data or {})
        self._check_data(start_data, "the start data")

        def run() -> Step:
            with self.conns.write() as conn:  # one transaction: the version lookup and the step
                definition_id = self.definitions.latest_id(conn, process_id, version)
                # last: the idempotency record below is written at once, the step's own
                # writes go with the COMMIT (engine.pipeline).
                step = self.runtime.create(
                    definition_id, business_key, start_data, user, conn=conn, last=True
                )
                if in_transaction is not None:
                    in_transaction(conn, step.instance.id)
                return step

        step = retry_stale(run)
        self.runtime.committed(step)
        if self._after_step(step):
            return self.instance(step.instance.id)
        return _record_of(step, with_data=True)

    def instance(self, instance_id: int, *, with_data: bool = True) -> InstanceRecord:
        with self.conns.read() as conn:
            data = self._data(conn, instance_id) if with_data else None
            record = queries.instance_record(conn, instance_id, data)
        if record is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        return record

    def _data(self, conn: Any, instance_id: int) -> dict[str, Any] | None:
        workflow = self._workflow(conn, instance_id)
        return None if workflow is None else instance_data(workflow)

    def _workflow(self, conn: Any, instance_id: int) -> spiff.Workflow | None:
        from engine.tables import process_instances as pi

        row = conn.execute(
            select(pi.c.state, pi.c.definition_id).where(pi.c.id == instance_id)
        ).first()
        if row is None:
            return None
        definition = self.definitions.get(conn, row.definition_id)
        return spiff.loads_state(
            row.state, definition.spec, definition.subprocess_specs, self.runtime.script_engine
        )

    def instances(self, **filters: Any) -> list[InstanceRecord]:
        with self.conns.read() as conn:
            return queries.instance_records(conn, **filters)

    def suspend(
        self,
        instance_id: int,
        *,
        user: str,
        expected_revision: int | None = None,
        reason: str = "",
    ) -> InstanceRecord:
        def apply(step: Step) -> None:
            step.status = "suspended"
            step.record("instance_suspended", **_reason(reason))

        self.runtime.step(
            instance_id, apply, actor=user, advance=False, expected_revision=expected_revision
        )
        return self.instance(instance_id, with_data=False)

    def resume(
        self,
        instance_id: int,
        *,
        user: str,
        expected_revision: int | None = None,
        reason: str = "",
    ) -> InstanceRecord:
        def apply(step: Step) -> None:
            step.instance.status = "active"
            step.record("instance_resumed", **_reason(reason))

        _, step = self.runtime.run(
            instance_id,
            apply,
            actor=user,
            statuses=("suspended",),
            expected_revision=expected_revision,
        )
        self._after_step(step)
        return self.instance(instance_id, with_data=False)

    def cancel(
        self,
        instance_id: int,
        *,
        user: str,
        reason: str = "",
        expected_revision: int | None = None,
    ) -> InstanceRecord:
        def apply(step: Step) -> None:
            step.workflow.cancel()
            step.status = "cancelled"
            step.record("instance_cancelled", reason=reason[:500])

        self.runtime.step(
            instance_id,
            apply,
            actor=user,
            statuses=("active", "suspended"),
            expected_revision=expected_revision,
        )
        return self.instance(instance_id, with_data=False)

    def preview_migration(self, instance_id: int, to_version: int) -> spiff.MigrationPlan:
        """Say what moving a running instance to another version would change."""
        from engine.tables import process_instances as pi

        with self.conns.read() as conn:
            row = conn.execute(
                select(pi.c.state, pi.c.definition_id, pi.c.process_id).where(
                    pi.c.id == instance_id
                )
            ).first()
            if row is None:
                raise NotFoundError(f"process instance {instance_id} does not exist")
            current = self.definitions.get(conn, row.definition_id)
            target = self.definitions.get(
                conn, self.definitions.latest_id(conn, row.process_id, to_version)
            )
        workflow = spiff.loads_state(
            row.state, current.spec, current.subprocess_specs, self.runtime.script_engine
        )
        plan, _ = spiff.plan_migration(workflow, target.spec, target.subprocess_specs)
        return plan  # type: ignore[no-any-return]

    def migrate(
        self,
        instance_id: int,
        to_version: int,
        *,
        user: str,
        expected_revision: int | None = None,
        reason: str = "",
    ) -> InstanceRecord:
        """Move a running instance to another deployed version of its process.

        Raises:
            InvalidStateError: an open task's element does not exist in the target version.
        """

        def apply(step: Step) -> None:
            target = self.definitions.get(
                step.conn,
                self.definitions.latest_id(step.conn, step.instance.process_id, to_version),
            )
            plan, diffs = spiff.plan_migration(step.workflow, target.spec, target.subprocess_specs)
            if not plan.possible:
                raise InvalidStateError(
                    f"cannot migrate to version {to_version}: open element(s) "
                    f"{', '.join(plan.removed_active)} do not exist there"
                )
            spiff.apply_migration(step.workflow, diffs, target.spec, target.subprocess_specs)
            step.record(
                "instance_migrated",
                from_version=step.definition.version,
                to_version=target.version,
                changed=plan.changed,
                **_reason(reason),
            )
            step.definition = target

        _, step = self.runtime.run(
            instance_id,
            apply,
            actor=user,
            expected_revision=expected_revision,
            statuses=("active", "suspended"),
        )
        self._after_step(step)
        return self.instance(instance_id)

    def move_options(self, instance_id: int) -> tuple[list[MovePlace], list[MovePlace]]:
        """Where the instance's tokens are, and where one may be moved (decision 0023)."""
        with self.conns.read() as conn:
            workflow = self._workflow(conn, instance_id)
        if workflow is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        return token_moves.tokens(workflow), token_moves.places(workflow)

    def move_token(
        self,
        instance_id: int,
        *,
        process_id: str,
        from_element: str,
        to_element: str,
        user: str,
        reason: str,
        expected_revision: int | None = None,
    ) -> InstanceRecord:
        """Take the token at one element away and make another of the same process ready.

        One ordinary step: the case data as it stands goes to the new task, the derived rows
        are re-projected, incidents on the removed tasks are resolved, and the audit row keeps
        the reason.

        Raises:
            ValidationError: the target is not a step of the token's running process.
            InvalidStateError: no single token waits at ``from_element``, or parallel work is
                in flight, or the instance is not active.
        """

        def apply(step: Step) -> None:
            moved = token_moves.move_token(step.workflow, process_id, from_element,
                                           to_element, instance_data(step.workflow))
            closed = token_moves.resolve_incidents(step.conn, step.instance.id, moved.removed,
                                                   step.now, user)
            step.record("token_moved", moved.created, process_id=process_id,
                        from_element=from_element, to_element=to_element,
                        incidents_resolved=closed, **_reason(reason))

        _, step = self.runtime.run(
            instance_id, apply, actor=user, expected_revision=expected_revision
        )
        self._after_step(step)
        return self.instance(instance_id)

    # -- human tasks ---------------------------------------------------------------------

    def tasks(self, **filters: Any) -> list[TaskRecord]:
        """Open tasks by ``roles``, ``assignee``, ``instance_id`` or ``business_key``."""
        with self.conns.read() as conn:
            return queries.task_records(conn, **filters)

    def task(self, task_id: str) -> TaskRecord:
        with self.conns.read() as conn:
            record = queries.task_record(conn, task_id)
        if record is None:
            raise NotFoundError(f"task {task_id} does not exist")
        return record

    def form_schema(self, task_id: str) -> dict[str, Any] | None:
        record = self.task(task_id)
        if not record.form:
            return None
        from engine.tables import process_instances as pi

        with self.conns.read() as conn:
            def_id = conn.execute(
                select(pi.c.definition_id).where(pi.c.id == record.instance_id)
            ).scalar_one()
            return self.definitions.get(conn, def_id).forms.get(record.form)

    def claim(self, task_id: str, *, user: str, roles: Collection[str] | None = None) -> TaskRecord:
        """Take a task into one's own queue.

        Raises:
            ConflictError: someone else holds it, or it is no longer open.
        """
        record = self.task(task_id)
        self._check_lane(record, roles)
        with self.conns.write() as conn:
            done = conn.execute(
                update(human_tasks)
                .where(
                    human_tasks.c.id == task_id,
                    human_tasks.c.status == "open",
                    (human_tasks.c.assignee.is_(None)) | (human_tasks.c.assignee == user),
                )
                .values(assignee=user, claimed_at=self.clock.now())
            )
            if done.rowcount != 1:
                raise TaskNotOpenError(f"task {task_id} is claimed by someone else or closed")
            self._audit(conn, record.instance_id, user, "task_claimed", task_id)
        return self.task(task_id)

    def release(
        self, task_id: str, *, user: str, roles: Collection[str] | None = None
    ) -> TaskRecord:
        """Put a claimed task back in its queue.

        One's own claim needs the task's lane (as claiming did); someone else's, a role the
        application's :class:`~engine.task_access.TaskAccess` lets release in that lane.

        Raises:
            PermissionDeniedError: neither applies (or, without ``roles``, not one's own claim).
        """
        record = self.task(task_id)
        if record.assignee in (None, user):
            self._check_lane(record, roles)
        elif roles is None or not self.task_access.may_release_others(roles, record.lane):
            raise PermissionDeniedError(
                f"task {task_id} is claimed by {record.assignee}; releasing it needs a role "
                f"that leads the {record.lane or 'task'} queue"
            )
        held = (human_tasks.c.assignee.is_(None) if record.assignee is None
                else human_tasks.c.assignee == record.assignee)
        with self.conns.write() as conn:
            done = conn.execute(  # only the claim that was checked: not one made since
                update(human_tasks)
                .where(human_tasks.c.id == task_id, human_tasks.c.status == "open", held)
                .values(assignee=None, claimed_at=None)
            )
            if done.rowcount != 1:
                raise TaskNotOpenError(f"task {task_id} was claimed by someone else or closed")
            self._audit(conn, record.instance_id, user, "task_released", task_id)
        return self.task(task_id)

    def complete(
        self,
        task_id: str,
        data: Mapping[str, Any] | None = None,
        *,
        user: str,
        roles: Collection[str] | None = None,
        expected_revision: int | None = None,
        with_data: bool = False,
        check: Callable[[TaskRecord], object] | None = None,
    ) -> InstanceRecord:
        """Complete a user task with form data, in one step; ``with_data`` adds the case data.

        ``check`` is the caller's own access rule, run on the task as the step reads it (in
        its transaction): a web request needs no read of its own first.

        Raises:
            ValidationError: the data does not satisfy the task's form schema.
            TaskNotOpenError / ConflictError: someone else completed it or the instance moved on.
            PermissionDeniedError: the user's roles do not include the task's lane.
        """
        submitted = dict(data or {})
        self._check_data(submitted, "the form data")

        def apply(step: Step) -> None:
            task = step.workflow.get_task_from_id(UUID(task_id))
            if task is None or task.state != spiff.TaskState.READY:
                raise TaskNotOpenError(f"task {task_id} is no longer open")
            step.writes.write(
                _CLOSE_TASK, {"task_id": task_id, "now": step.now, "user": user}, expect=1,
                failure=lambda: TaskNotOpenError(f"task {task_id} was completed by someone else"),
            )
            step.settled("h", task_id)
            changes = {
                k: self._audit_change(k, task.data.get(k), v)
                for k, v in submitted.items()
                if task.data.get(k) != v
            }
            task.data.update(submitted)
            task.run()
            spec = task.task_spec
            step.record("task_completed", task_id, spec_id=str(spec.bpmn_id or spec.name),
                        changes=changes)

        # One transaction: the task (with its instance's claim columns, locked) is read in the
        # step's. A dead pooled connection fails the first statement: run it again.
        try:
            step = retry_stale(lambda: self._complete_in_one(task_id, submitted, apply, user,
                                                             roles, expected_revision, check))
        except StepLimitError as exc:  # rolled back; recorded in a transaction of its own
            self.runtime.runaway(exc)
            raise
        self.runtime.committed(step)
        if self._after_step(step):
            return self.instance(step.instance.id, with_data=with_data)
        return _record_of(step, with_data)

    def _complete_in_one(self, task_id: str, submitted: dict[str, Any],
                         apply: Callable[[Step], None], user: str,
                         roles: Collection[str] | None, expected_revision: int | None,
                         check: Callable[[TaskRecord], object] | None = None) -> Step:
        with self.conns.write() as conn:
            query = (_SELECT_TASK_FOR_STEP if self.runtime.cache.expects(task_id)
                     else _SELECT_TASK_AND_STATE_FOR_STEP)
            row = first_row(conn, query, {"task_id": task_id})
            if row is None:
                raise NotFoundError(f"task {task_id} does not exist")
            record = queries.task_from_row(row)
            if check is not None:
                check(record)
            self._check_access(record, user, roles)
            if record.status != "open":
                raise TaskNotOpenError(f"task {task_id} is {record.status}")
            if record.form:
                form_files = self.definitions.get(conn, row.pi_definition_id).forms
                if record.form in form_files:
                    forms.validate(form_files, record.form, submitted)
            _, step = self.runtime.run(
                record.instance_id,
                apply,
                actor=user,
                expected_revision=expected_revision,
                conn=conn,
                found=row,
                last=True,  # then only the COMMIT: the step's writes go with it
            )
        return step

    def _check_data(self, data: Mapping[str, Any], what: str) -> None:
        """Refuse data that could not be stored or would break every later script of the case.

        Raises:
            ValidationError: data nested too deep or too large, or a key that is the name of a
                function diagrams call (``today``): it would shadow the function.
        """
        forms.check_data_depth(data, what)
        functions = self.runtime.script_engine.environment.functions
        clash = sorted(key for key in data if key in functions)
        if clash:
            raise ValidationError(
                f"{what} uses {', '.join(repr(k) for k in clash)}, the name of a function "
                "diagrams call: rename the field",
                [f"{key}: is the name of an expression function; use another name"
                 for key in clash],
            )

    def _audit_change(self, key: str, before: Any, after: Any) -> dict[str, Any]:
        """Before/after for the case history; private keys are recorded as changed, no values."""
        if any(fnmatch(key, pattern) for pattern in self.audit_private_keys):
            return {"changed": True, "private": True}
        return {"before": before, "after": after}

    def _check_lane(self, record: TaskRecord, roles: Collection[str] | None) -> None:
        """Refuse a caller with ``roles`` the task's lane does not admit (no lane: nobody, unless
        the application's rule says otherwise); a caller without roles is trusted."""
        if roles is None or self.task_access.may_work(roles, record.lane):
            return
        if record.lane is None:
            raise PermissionDeniedError(
                f"task {record.id} is in no queue, so no role may work it: an analyst must put "
                "it in a lane"
            )
        raise PermissionDeniedError(f"task {record.id} belongs to the {record.lane} queue")

    def _check_access(
        self, record: TaskRecord, user: str, roles: Collection[str] | None
    ) -> TaskRecord:
        self._check_lane(record, roles)
        if record.assignee and record.assignee != user:
            raise PermissionDeniedError(f"task {record.id} is claimed by {record.assignee}")
        return record

    # -- messages, timers, jobs, outbox --------------------------------------------------

    def correlate(
        self,
        message_name: str,
        business_key: str,
        payload: Any = None,
        *,
        idempotency_key: str | None = None,
        in_transaction: Callable[[Any, int], None] | None = None,
    ) -> CorrelationResult:
        """Deliver a message to the instance waiting for it under this business key, or keep it.

        A repeat with the same ``idempotency_key`` stores nothing new: it delivers the first
        message if that is still undelivered and a case waits. ``in_transaction(conn,
        message_id)`` writes the caller's rows in the transaction that stores the message.

        Raises:
            ValidationError: a payload that could not be stored as case data (see
                :meth:`_check_data`); nothing is kept.
        """
        payload = payload or {}
        if not isinstance(payload, Mapping):
            raise ValidationError("the message payload is not an object")
        self._check_data(payload, "the message payload")  # it becomes the catching case's data
        result = self.correlator.correlate(
            message_name, business_key, payload, idempotency_key, in_transaction
        )
        if result.instance_id is not None:
            self._run_inline_jobs(result.instance_id)
        return result

    def fire_due_timers(self, limit: int = 500) -> int:
        """Fire timers that are due now, a batch per transaction (several schedulers share)."""
        fired = self.timer_firer.fire_due(limit)
        if fired:
            self.run_due_jobs()
        return fired

    def run_due_jobs(self, limit: int = 200) -> int:
        """Run service-task jobs whose next attempt is due; return how many completed."""
        done = 0
        for _ in range(20):
            ids = claim_due(
                self.db,
                jobs,
                status="pending",
                due_column="next_attempt_at",
                now=self.clock.now(),
                owner=self.worker_id,
                limit=limit,
            )
            results = [self.jobs_runner.run(job_id) for job_id in ids]
            done += results.count("done")
            if "done" not in results:
                break
        return done

    def dispatch_outbox(self, limit: int = 100) -> int:
        return self.dispatcher.dispatch(self.worker_id, limit)

    def _after_step(self, step: Step) -> bool:
        """Run at once the service tasks this step made ready, unless a worker does it."""
        if step.jobs_created and self.run_jobs_inline:
            self._run_inline_jobs(step.instance.id)
            return True
        return False

    def _run_inline_jobs(self, instance_id: int) -> None:
        if not self.run_jobs_inline:
            return
        for _ in range(100):
            with self.conns.read() as conn:
                ids = [
                    r.id
                    for r in conn.execute(
                        select(jobs.c.id)
                        .where(
                            jobs.c.instance_id == instance_id,
                            jobs.c.status == "pending",
                            jobs.c.next_attempt_at <= self.clock.now(),
                            jobs.c.lease_until.is_(None),
                        )
                        .order_by(jobs.c.id)
                    )
                ]
            if not ids:
                return
            if "done" not in [self.jobs_runner.run(job_id) for job_id in ids]:
                return

    # -- incidents -----------------------------------------------------------------------

    def incidents(
        self, *, open_only: bool = True, instance_id: int | None = None
    ) -> list[IncidentRecord]:
        with self.conns.read() as conn:
            return queries.incident_records(conn, open_only=open_only, instance_id=instance_id)

    def incident(self, incident_id: int) -> IncidentRecord:
        with self.conns.read() as conn:
            found = queries.incident_records(conn, open_only=False, incident_id=incident_id)
        if not found:
            raise NotFoundError(f"incident {incident_id} does not exist")
        return found[0]

    def retry_incident(self, incident_id: int, *, user: str, reason: str = "") -> None:
        """Retry what failed (handler job, script task or delivery) after a fix."""
        with self.conns.read() as conn:
            found = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if found is None:
            raise NotFoundError(f"incident {incident_id} does not exist")
        if found.resolved_at is not None:
            raise TaskNotOpenError(f"incident {incident_id} is already resolved")
        now = self.clock.now()
        if found.kind == "script":
            self._retry_script(found, user, reason)
        elif found.kind in NOTHING_TO_RUN_AGAIN:  # retrying records it dealt with
            with self.conns.write() as conn:
                self._resolve(conn, found, user, reason)
        else:
            with self.conns.write() as conn:
                if found.kind == "handler":
                    conn.execute(
                        update(jobs)
                        .where(jobs.c.id == found.job_id)
                        .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
                    )
                else:
                    conn.execute(
                        update(outbox)
                        .where(outbox.c.id == found.outbox_id)
                        .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
                    )
                self._resolve(conn, found, user, reason)
        self._run_inline_jobs(found.instance_id)

    def _retry_script(self, incident: Any, user: str, reason: str = "") -> None:
        def apply(step: Step) -> None:
            task = step.workflow.get_task_from_id(UUID(incident.task_id))
            if task is None or task.state != spiff.TaskState.ERROR:
                raise TaskNotOpenError("the failed task is no longer waiting for a retry")
            task.internal_data.pop("incident_opened", None)
            task._set_state(spiff.TaskState.READY)
            self._resolve(step.conn, incident, user, reason)

        _, step = self.runtime.run(incident.instance_id, apply, actor=user)
        self._after_step(step)

    def _resolve(self, conn: Any, incident: Any, user: str, reason: str = "") -> None:
        conn.execute(
            update(incidents)
            .where(incidents.c.id == incident.id)
            .values(resolved_at=self.clock.now(), resolved_by=user)
        )
        self._audit(
            conn,
            incident.instance_id,
            user,
            "incident_retried",
            incident.task_id,
            incident_id=incident.id,
            kind=incident.kind,
            **_reason(reason),
        )

    # -- records -------------------------------------------------------------------------

    def audit(self, instance_id: int) -> list[AuditRecord]:
        with self.conns.read() as conn:
            return queries.audit_for(conn, instance_id)

    def documents(self, instance_id: int) -> list[DocumentRecord]:
        with self.conns.read() as conn:
            return queries.document_records(conn, instance_id)

    def document_content(self, document_id: int) -> bytes:
        with self.conns.read() as conn:
            content = conn.execute(
                select(documents.c.content).where(documents.c.id == document_id)
            ).scalar()
        if content is None:
            raise NotFoundError(f"document {document_id} does not exist")
        return bytes(content)

    def jobs(self, instance_id: int | None = None) -> list[JobRecord]:
        with self.conns.read() as conn:
            return queries.job_records(conn, instance_id)

    def timers(self, instance_id: int | None = None) -> list[TimerRecord]:
        with self.conns.read() as conn:
            return queries.timer_records(conn, instance_id)

    def outbox(self, instance_id: int | None = None) -> list[OutboxRecord]:
        with self.conns.read() as conn:
            return queries.outbox_records(conn, instance_id)

    def _audit(
        self,
        conn: Any,
        instance_id: int,
        actor: str,
        action: str,
        task_id: str | None = None,
        **detail: Any,
    ) -> None:
        conn.execute(
            insert(audit_log).values(
                instance_id=instance_id,
                at=self.clock.now(),
                actor=actor,
                action=action,
                task_id=task_id,
                detail=detail,
            )
        )


def _record_of(step: Step, with_data: bool = False) -> InstanceRecord:
    """The instance as the step left it, without another query.

    The data is copied: the step's workflow stays warm in the cache and must not be changed
    through a record handed to a caller. Its open tasks and waiting timers come with it when
    the step inserted every one of them (the usual case: one task closed, the next opened).
    """
    tasks, timers_ = _work_of(step)
    return InstanceRecord(
        step.instance.id,
        step.instance.process_id,
        step.definition.version,
        step.instance.business_key,
        step.instance.status,
        step.instance.revision,
        step.instance.started_at,
        step.now,
        step.now if step.instance.status in ("completed", "cancelled") else None,
        dict(step.summary),
        copy.deepcopy(step.data) if with_data else {},
        tasks,
        timers_,
    )


def _work_of(
    step: Step,
) -> tuple[tuple[TaskRecord, ...] | None, tuple[TimerRecord, ...] | None]:
    """Open tasks and waiting timers from the rows the step wrote; None where it kept some."""
    refs = step.instance.open_refs
    ended = step.instance.status in ("completed", "cancelled")
    rows = {r["id"]: r for r in step.inserted.get("human_tasks", [])}
    tasks = None
    if ended or set(refs.get("h", [])) <= rows.keys():
        tasks = () if ended else tuple(
            TaskRecord(r["id"], r["instance_id"], r["process_id"], r["business_key"],
                       r["spec_id"], r["name"], r["lane"], r["form"], "open", None,
                       r["created_at"], as_utc(r["due_at"]), None, None)
            for _, r in sorted(rows.items()) if r["id"] in refs.get("h", [])
        )
    timer_rows = {r["task_id"]: r for r in step.inserted.get("timers", [])}
    waiting = None
    if ended or set(refs.get("t", [])) <= timer_rows.keys():
        waiting = () if ended else tuple(sorted(
            (TimerRecord(r["id"], r["instance_id"], r["task_id"], r["spec_id"],
                         as_utc(r["due_at"]) or step.now, "waiting", None)
             for r in timer_rows.values() if r["task_id"] in refs.get("t", [])),
            key=lambda t: t.id,
        ))
    return tasks, waiting


def _reason(reason: str) -> dict[str, str]:
    """An operator's reason for the audit log (kept short); nothing when none was given."""
    return {"reason": reason.strip()[:500]} if reason.strip() else {}
