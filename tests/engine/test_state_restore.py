"""Stored workflows: the engine's own task serialization and restore give SpiffWorkflow's.

``engine.spiff`` serializes and restores plain tasks with its own converter (task ids' objects
and text from caches, no copy of each task's dict): every step serializes every live task, and
restoring is most of loading a case that another worker stepped. These tests hold it to the
library's generic code on the states of real complaint journeys: timers waiting,
subprocesses, messages, incidents and deleted data keys among them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy import select

from engine import Engine, SimulatedClock, spiff
from engine.tables import process_instances as pi
from workflows.bootstrap import build_engine
from workflows.demo import deploy_packages
from workflows.demo_data import generate


class _LibraryRestore(spiff._StateOnlyConverter):
    """The restore as SpiffWorkflow does it: each task through the registry, ids parsed anew;
    and task ids written as text afresh."""

    mapping_to_dict = BpmnWorkflowConverter.mapping_to_dict
    mapping_from_dict = BpmnWorkflowConverter.mapping_from_dict

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: Any = None) -> Any:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _library_serializer() -> Any:
    config = dict(spiff._config)
    config[spiff.BpmnWorkflow] = _LibraryRestore
    config[Task] = TaskConverter
    config[BpmnSubWorkflow] = BpmnSubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


@pytest.fixture(scope="module")
def journeys(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An engine holding twelve synthetic complaints driven through the real diagrams."""
    folder: Path = tmp_path_factory.mktemp("restore")
    engine: Engine = build_engine(f"sqlite:///{folder}/restore.db", clock=SimulatedClock())
    engine.init_db()
    deploy_packages(engine)
    generate(engine, count=12, days=30)
    yield engine
    engine.close()


def _states(engine: Engine) -> list[tuple[int, int, bytes]]:
    with engine.db.connect() as conn:
        rows = conn.execute(select(pi.c.id, pi.c.definition_id, pi.c.state)).all()
    return [(r.id, r.definition_id, spiff.unpack_state(r.state)) for r in rows]


def _restore(serializer: Any, engine: Engine, definition_id: int, state: bytes) -> Any:
    with engine.db.connect() as conn:
        definition = engine.definitions.get(conn, definition_id)
    workflow = serializer.from_dict(json.loads(state), spec=definition.spec,
                                    subprocess_specs=dict(definition.subprocess_specs))
    workflow.script_engine = engine.runtime.script_engine
    return workflow


def _library_dumps(serializer: Any, workflow: Any) -> bytes:
    """``spiff.dumps_state`` with the library's converters."""
    serializer.registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
        return json.dumps(dct, cls=serializer._encoder_cls, separators=(",", ":")).encode()
    finally:
        serializer.registry._encoder_mode = False


def _waiting(workflow: Any) -> list[str]:
    return sorted(str(t.id) for t in workflow.event_manager.tasks.values())


def test_the_fast_converter_writes_and_restores_as_the_library_for_every_journey_state(
    journeys: Engine,
) -> None:
    library = _library_serializer()
    states = _states(journeys)
    assert len(states) >= 12
    waiting_seen = subprocesses_seen = deletions_seen = 0
    for instance_id, definition_id, state in states:
        ours = _restore(spiff._serializer, journeys, definition_id, state)
        theirs = _restore(library, journeys, definition_id, state)
        assert spiff.dumps_state(ours) == state, f"instance {instance_id}: not a round trip"
        assert spiff.dumps_state(theirs) == state, f"instance {instance_id}: library differs"
        assert _library_dumps(library, ours) == state, f"instance {instance_id}: written apart"
        assert _waiting(ours) == _waiting(theirs), f"instance {instance_id}: waiting events"
        pairs = zip(ours.subprocesses.values(), theirs.subprocesses.values(), strict=True)
        for top_ours, top_theirs in ((ours, theirs), *pairs):
            assert list(top_ours.tasks) == list(top_theirs.tasks)
            for task_id, task in top_ours.tasks.items():
                other = top_theirs.tasks[task_id]
                assert (task.data, task.internal_data, task.state, task.last_state_change,
                        task.triggered, task.task_spec.name, task._parent, task._children) == (
                    other.data, other.internal_data, other.state, other.last_state_change,
                    other.triggered, other.task_spec.name, other._parent, other._children)
        waiting_seen += bool(_waiting(ours))
        subprocesses_seen += bool(ours.subprocesses)
        deletions_seen += b'"deletions":["' in state
    # The journeys reached what the fast restore must get right, or this test proves little.
    assert waiting_seen and subprocesses_seen and deletions_seen, (
        waiting_seen, subprocesses_seen, deletions_seen)


def test_the_engine_writes_a_live_workflow_as_the_library_does(journeys: Engine) -> None:
    """The workflows the journeys' steps left in the engine's cache, never restored from a
    stored state, serialize to the same bytes both ways."""
    library = _library_serializer()
    live = [workflow for _, workflow in journeys.runtime.cache._items.values()]
    assert len(live) >= 12
    for workflow in live:
        assert spiff.dumps_state(workflow) == _library_dumps(library, workflow)


def test_typed_values_in_case_data_come_back_as_the_library_restores_them(
    journeys: Engine,
) -> None:
    """Dates, durations and ids in the data (stored as ``typename`` dicts, nested in lists and
    dicts, in the root's data and in each task's delta) are restored as the library does:
    the engine keeps the decoded containers and replaces only the typed values in them."""
    library = _library_serializer()
    _, definition_id, state = _states(journeys)[0]
    workflow = _restore(spiff._serializer, journeys, definition_id, state)
    for n, task in enumerate(workflow.tasks.values()):  # a value of its own in each delta
        task.data.update({
            "at": datetime(2026, 12, 5, 10, 0, 0, n, tzinfo=UTC),
            "nested": {"ids": [UUID(int=n), {"wait": timedelta(days=n)}], "plain": [n, "a"]},
        })
    written = spiff.dumps_state(workflow)
    assert b'"typename":"timedelta"' in written and b'"deletions"' in written
    ours = _restore(spiff._serializer, journeys, definition_id, written)
    theirs = _restore(library, journeys, definition_id, written)
    for n, (task_id, task) in enumerate(ours.tasks.items()):
        assert task.data == theirs.tasks[task_id].data
        assert task.data["nested"]["ids"][1]["wait"] == timedelta(days=n)
        assert task.data["at"] == datetime(2026, 12, 5, 10, 0, 0, n, tzinfo=UTC)
    # A restored task's keys come in the parent's order first (SpiffWorkflow's deltas), so
    # compare with the library's restore written by the library, not with ``written``.
    assert spiff.dumps_state(ours) == _library_dumps(library, theirs)


def test_a_restored_task_id_is_shared_between_loads_but_the_tasks_are_not(
    journeys: Engine,
) -> None:
    """Ids come from a cache (a UUID is immutable); each load still builds its own tasks."""
    _, definition_id, state = _states(journeys)[0]
    first = _restore(spiff._serializer, journeys, definition_id, state)
    second = _restore(spiff._serializer, journeys, definition_id, state)
    some_id = next(iter(first.tasks))
    assert next(iter(second.tasks)) is some_id
    assert first.tasks[some_id] is not second.tasks[some_id]
    first.tasks[some_id].data["changed"] = 1
    assert "changed" not in second.tasks[some_id].data
