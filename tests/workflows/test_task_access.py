"""Finding 8 at the engine: who may release and who may work a task, without the web layer.

The web and API refuse these already; here the engine Redress builds (``build_engine``) is
called directly, as a CLI, a script or a forgotten view would call it, and must refuse too.
The rule has one home, ``workflows.case_access`` (decision 0021).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from engine import Engine, PermissionDeniedError, SimulatedClock, TaskRecord
from workflows.bootstrap import build_engine

_TWO_QUEUES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="queues_defs" targetNamespace="http://redress.test/queues">
  <bpmn:process id="two_queues" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_cw" name="caseworker">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>fork</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_legal" name="legal_team">
        <bpmn:flowNodeRef>advice</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="fork"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="review" name="Review the case">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="advice" name="Give legal advice">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="advice"/>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="advice" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

# A package without lanes deploys (deploy requires lanes only of packages that use them), so
# its task is in no queue.
_NO_LANE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="nolane_defs" targetNamespace="http://redress.test/nolane">
  <bpmn:process id="no_lane" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="orphan" name="Check the file">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="orphan"/>
    <bpmn:sequenceFlow id="f2" sourceRef="orphan" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def redress_engine(database_url: str, start_time: datetime) -> Iterator[Engine]:
    engine = build_engine(database_url, clock=SimulatedClock(start_time))
    engine.init_db()
    engine.deploy({"queues.bpmn": _TWO_QUEUES.encode()}, name="queues", user="analyst")
    engine.deploy({"nolane.bpmn": _NO_LANE.encode()}, name="no-lane", user="analyst")
    yield engine
    engine.close()


def _tasks(engine: Engine, process_id: str, key: str) -> dict[str, TaskRecord]:
    instance = engine.start(process_id, business_key=key, data={}, user="postroom")
    return {t.spec_id: t for t in engine.tasks(instance_id=instance.id)}


def test_finding_8_a_team_leader_releases_claims_only_in_the_queues_they_lead(
    redress_engine: Engine,
) -> None:
    tasks = _tasks(redress_engine, "two_queues", "F8-1")
    review, advice = tasks["review"], tasks["advice"]
    redress_engine.claim(review.id, user="cw1", roles={"caseworker"})
    redress_engine.claim(advice.id, user="legal1", roles={"legal_team"})

    with pytest.raises(PermissionDeniedError, match="legal_team"):
        redress_engine.release(advice.id, user="tl1", roles={"team_leader"})
    assert redress_engine.task(advice.id).assignee == "legal1"
    with pytest.raises(PermissionDeniedError):  # a caseworker leads no queue
        redress_engine.release(review.id, user="cw2", roles={"caseworker"})

    released = redress_engine.release(review.id, user="tl1", roles={"team_leader"})
    assert released.assignee is None  # the caseworker queue is the team leader's team
    assert redress_engine.release(advice.id, user="legal1", roles={"legal_team"}).assignee is None


@pytest.mark.parametrize("roles", [{"caseworker"}, {"team_leader"}, {"operations"}, {"admin"},
                                   {"hmrc_complaints_handler"}, {"integration"}])
def test_finding_8_a_task_in_no_lane_is_claimed_or_completed_by_no_role(
    redress_engine: Engine, roles: set[str],
) -> None:
    orphan = _tasks(redress_engine, "no_lane", "F8-2")["orphan"]
    assert orphan.lane is None
    with pytest.raises(PermissionDeniedError, match="in no queue"):
        redress_engine.claim(orphan.id, user="someone", roles=roles)
    with pytest.raises(PermissionDeniedError, match="in no queue"):
        redress_engine.complete(orphan.id, {}, user="someone", roles=roles)
    assert redress_engine.task(orphan.id).status == "open"


def test_finding_8_the_operator_without_roles_can_still_unblock_a_task_in_no_lane(
    redress_engine: Engine,
) -> None:
    """The host's CLI acts without roles (trusted, see docs/security.md): the way out."""
    orphan = _tasks(redress_engine, "no_lane", "F8-3")["orphan"]
    done = redress_engine.complete(orphan.id, {}, user="operator")
    assert done.status == "completed"
