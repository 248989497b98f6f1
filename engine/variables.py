"""Operations change an instance's case data: the repair behind an incident (a case started
with an unknown division), never a way around a task's form.

One step like any other: the new values go into every open task's data (each holds its own
copy, see :func:`engine.runtime.instance_data`), the summary is projected again, and the audit
row says who, why, and before/after (private keys masked). The engine does not move on: the
operator retries the incident or resumes the case afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine import spiff
from engine.exceptions import InvalidStateError, ValidationError
from engine.records import InstanceRecord
from engine.runtime import Step

if TYPE_CHECKING:
    from engine.facade import Engine

__all__ = ["set_variables"]

_OPEN = spiff.TaskState.READY | spiff.TaskState.WAITING | spiff.TaskState.ERROR


def set_variables(
    engine: Engine,
    instance_id: int,
    changes: Mapping[str, Any],
    *,
    user: str,
    reason: str,
    expected_revision: int | None = None,
) -> InstanceRecord:
    """Set top-level case data keys on a running instance, audited with a reason.

    Raises:
        ValidationError: no reason, nothing to change, or data that could not be stored
            (too deep, a function's name, the state's reserved key).
        InvalidStateError: the instance has ended or has no open task to hold the data.
    """
    if not reason.strip():
        raise ValidationError("say why the data is changed", ["reason: required"])
    if not changes:
        raise ValidationError("nothing to change", ["(form): no values"])
    engine._check_data(changes, "the changed data")  # as start and form data are checked

    def apply(step: Step) -> None:
        tasks = step.workflow.get_tasks(state=_OPEN)
        if not tasks:
            raise InvalidStateError(f"instance {instance_id} has no open work to change")
        before = spiff_data(tasks)
        for task in tasks:
            task.data.update(dict(changes))
        step.record(
            "variables_edited",
            changes={k: engine._audit_change(k, before.get(k), v) for k, v in changes.items()},
            reason=reason.strip()[:500],
        )

    engine.runtime.step(
        instance_id,
        apply,
        actor=user,
        advance=False,
        statuses=("active", "suspended"),
        expected_revision=expected_revision,
    )
    return engine.instance(instance_id)


def spiff_data(tasks: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        merged.update(task.data)
    return merged
