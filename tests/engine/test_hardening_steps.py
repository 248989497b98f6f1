"""Issue 10 findings 4, 6 (DMN), 8 (lanes) and 9: deploy refuses what would hang or mislead,
and every step is bounded: an endless loop is rolled back, suspended and shown as an incident."""

from __future__ import annotations

import time

import pytest

from engine import DeploymentError, Engine, StepLimitError
from tests.engine.conftest import NS, diagram_files, endless, runaway_case


def calling(pid: str, callee: str) -> bytes:
    return f"""<?xml version="1.0"?><bpmn:definitions {NS} id="d_{pid}" targetNamespace="http://x">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="call_{callee}" calledElement="{callee}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call_{callee}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call_{callee}" targetRef="e"/>
  </bpmn:process></bpmn:definitions>""".encode()


def chain(n: int) -> bytes:
    tasks = "".join(
        f'<bpmn:manualTask id="t{i}"><bpmn:incoming>f{i}</bpmn:incoming>'
        f'<bpmn:outgoing>f{i + 1}</bpmn:outgoing></bpmn:manualTask>'
        f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="t{i}" '
        f'targetRef="{f"t{i + 1}" if i + 1 < n else "end"}"/>'
        for i in range(n)
    )
    return f"""<?xml version="1.0"?><bpmn:definitions {NS} id="d" targetNamespace="http://x">
  <bpmn:process id="chain" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="t0"/>{tasks}
    <bpmn:endEvent id="end"><bpmn:incoming>f{n}</bpmn:incoming></bpmn:endEvent>
  </bpmn:process></bpmn:definitions>""".encode()


def test_finding4_a_call_activity_calling_its_own_process_is_refused_at_deploy(
    engine: Engine,
) -> None:
    with pytest.raises(DeploymentError, match="call activities form a cycle: a → a"):
        engine.deploy({"a.bpmn": calling("a", "a")}, name="loop", user="analyst")


def test_finding4_a_call_cycle_through_another_diagram_is_refused_with_the_cycle_spelled_out(
    engine: Engine,
) -> None:
    files = {"a.bpmn": calling("a", "b"), "b.bpmn": calling("b", "a")}
    with pytest.raises(DeploymentError, match="call activities form a cycle: a → b → a"):
        engine.deploy(files, name="loop", user="analyst")
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="ok", user="analyst")


def test_finding4_an_endless_loop_at_start_is_stopped_and_stores_nothing(engine: Engine) -> None:
    engine.runtime.max_tasks = 300
    engine.deploy(endless("spin", after_user_task=False), name="spin", user="analyst")
    started = time.perf_counter()
    with pytest.raises(StepLimitError, match=r"more than 300 tasks.*stopped at '"):
        engine.start("spin", business_key="SPIN-1", data={"n": 0}, user="cw1")
    assert time.perf_counter() - started < 10
    assert engine.instances() == []
    # The write lock was released: a deploy and a start right after work.
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="ok", user="analyst")
    engine.start("simple", business_key="OK-1", data={"name": "A"}, user="cw1")


def test_finding4_an_endless_loop_after_a_task_rolls_back_suspends_and_opens_an_incident(
    engine: Engine,
) -> None:
    instance, task = runaway_case(engine, "SPIN-1")
    after = engine.instance(instance.id)
    assert after.status == "suspended"
    assert after.data["n"] == 0  # the completion was rolled back
    assert [t.id for t in engine.tasks(instance_id=instance.id)] == [task.id]
    [incident] = engine.incidents(instance_id=instance.id)
    assert incident.kind == "step_limit" and incident.spec_id in {"merge", "count", "more"}
    assert "rolled back" in incident.message and "suspended" in incident.message
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="ok", user="analyst")


def test_finding4_a_step_is_bounded_in_wall_time_too(engine: Engine) -> None:
    engine.runtime.max_seconds = 0.3
    engine.deploy(endless("spin", after_user_task=False), name="spin", user="analyst")
    started = time.perf_counter()
    with pytest.raises(StepLimitError, match=r"longer than 0\.3 s"):
        engine.start("spin", business_key="SPIN-1", data={"n": 0}, user="cw1")
    assert time.perf_counter() - started < 5


def test_finding9_a_long_chain_says_how_long_it_is_and_what_the_limit_is(engine: Engine) -> None:
    with pytest.raises(DeploymentError) as caught:
        engine.deploy({"chain.bpmn": chain(1000)}, name="chain", user="analyst")
    assert str(caught.value) == (
        "chain.bpmn: process 'chain' has a run of 1002 elements one after another; the limit "
        "is 300: move part of it into a subprocess or a called diagram"
    )
    engine.deploy({"chain.bpmn": chain(250)}, name="chain", user="analyst")


def test_finding9_a_deploy_error_keeps_the_whole_element_name(engine: Engine) -> None:
    store = f"""<?xml version="1.0"?><bpmn:definitions {NS} id="d" targetNamespace="http://x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:dataStoreReference id="ref" dataStoreRef="store_1"/>
  </bpmn:process>
  <bpmn:dataStore id="store_1" name="Data&#10;Store"/>
</bpmn:definitions>""".encode()
    with pytest.raises(DeploymentError) as caught:
        engine.deploy({"store.bpmn": store}, name="store", user="analyst")
    assert "Data Store" in str(caught.value) and "\n" not in str(caught.value)


LANED = f"""<?xml version="1.0"?><bpmn:definitions {NS} id="d" targetNamespace="http://x">
  <bpmn:process id="laned" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="{{lane}}">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef>{{in_lane}}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="Review&#10;the case"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
  </bpmn:process></bpmn:definitions>"""


def test_finding8_a_user_task_in_no_lane_is_refused_where_the_package_uses_lanes(
    engine: Engine,
) -> None:
    outside = LANED.format(lane="caseworker", in_lane="").encode()
    with pytest.raises(DeploymentError, match=r"laned\.bpmn: user task 'Review the case' "
                                              r"\(review\) is in no lane"):
        engine.deploy({"laned.bpmn": outside}, name="laned", user="analyst")
    unnamed = LANED.format(lane="", in_lane="<bpmn:flowNodeRef>review</bpmn:flowNodeRef>")
    with pytest.raises(DeploymentError, match="lane 'l1' has no name"):
        engine.deploy({"laned.bpmn": unnamed.encode()}, name="laned", user="analyst")
    inside = LANED.format(lane="caseworker", in_lane="<bpmn:flowNodeRef>review</bpmn:flowNodeRef>")
    engine.deploy({"laned.bpmn": inside.encode()}, name="laned", user="analyst")


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D"
    namespace="http://x">
  <decision id="tier" name="Tier">
    <decisionTable id="t">
      <input id="i"><inputExpression id="ie" typeRef="string"><text>route</text>
        </inputExpression></input>
      <output id="o" name="tier" typeRef="string"/>
      <rule id="r1"><inputEntry id="c1"><text>{cell}</text></inputEntry>
        <outputEntry id="c2"><text>"one"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


@pytest.mark.parametrize(
    "cell, message",
    [
        ("?" * 8000 + "'", "a cell of 'r1' is 8001 characters long; the limit is 1000"),
        ("? " * 20, "a cell of 'r1' is 41 characters long|has 20 '\\?'"),
        ('"' + "a" * 1200 + '"', "1202 characters long; the limit is 1000"),
    ],
)
def test_finding6_dmn_cells_are_bounded_at_deploy(
    engine: Engine, cell: str, message: str
) -> None:
    files = {**diagram_files("simple.bpmn", "review.schema.json"),
             "tier.dmn": DMN.format(cell=cell).encode()}
    started = time.perf_counter()
    with pytest.raises(DeploymentError, match=r"tier\.dmn: ") as caught:
        engine.deploy(files, name="dmn", user="analyst")
    assert time.perf_counter() - started < 2
    assert "the limit is" in str(caught.value)
