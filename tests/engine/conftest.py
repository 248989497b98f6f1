"""Engine fixtures: a migrated engine on a simulated clock with test handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import (
    Engine,
    HandlerContext,
    HandlerRegistry,
    InstanceRecord,
    SimulatedClock,
    StepLimitError,
    TaskRecord,
)

DIAGRAMS = Path(__file__).parent / "diagrams"


def diagram_files(*names: str) -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes() for name in names}


SCRIPT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_{pid}" targetNamespace="http://redress.test/{pid}">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run_script" name="Run script">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="after" name="After the script">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run_script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run_script" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def script_diagram(pid: str, script: str) -> dict[str, bytes]:
    from xml.sax.saxutils import escape

    return {f"{pid}.bpmn": SCRIPT_BPMN.format(pid=pid, script=escape(script)).encode()}


class FlakyNotify:
    """A test handler that fails a set number of times, then records its calls."""

    def __init__(self) -> None:
        self.failures_left = 0
        self.calls = 0

    def __call__(self, ctx: HandlerContext, *, greeting: str) -> dict[str, Any]:
        self.calls += 1
        ctx.emit("notice", {"greeting": greeting})
        if self.failures_left > 0:
            self.failures_left -= 1
            raise RuntimeError("the notice service is down")
        return {"notified": True}


@pytest.fixture
def notify() -> FlakyNotify:
    return FlakyNotify()


@pytest.fixture
def registry(notify: FlakyNotify) -> HandlerRegistry:
    reg = HandlerRegistry()
    reg.register("test.notify", notify)
    return reg


@pytest.fixture
def clock(start_time: datetime) -> SimulatedClock:
    return SimulatedClock(start_time)


EngineFactory = Callable[..., Engine]


@pytest.fixture
def make_engine(
    database_url: str, clock: SimulatedClock, registry: HandlerRegistry
) -> Iterator[EngineFactory]:
    made: list[Engine] = []

    def factory(**overrides: Any) -> Engine:
        options: dict[str, Any] = {
            "clock": clock,
            "registry": registry,
            "retry_backoff": timedelta(seconds=10),
        }
        options.update(overrides)
        engine = Engine.create(database_url, **options)
        made.append(engine)
        return engine

    yield factory
    for engine in made:
        engine.close()


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    eng = make_engine()
    eng.init_db()
    return eng


def fresh(engine: Engine) -> Engine:
    """Drop the engine's warm cache so the next step reloads from the database."""
    engine.runtime.cache.clear()
    engine.definitions._by_id.clear()
    return engine


def now_plus(clock: SimulatedClock, **delta: float) -> datetime:
    return clock.advance(timedelta(**delta))


def buffer_unchecked_message(engine: Engine, key: str, name: str, payload: Any,
                             idempotency_key: str | None = None) -> int:
    """Store a message as a release before payloads were checked did (``Engine.correlate``
    now refuses such a payload); return its id."""
    from sqlalchemy import insert

    from engine.db import new_id
    from engine.tables import messages

    with engine.db.begin() as conn:
        return int(new_id(conn.execute(insert(messages).values(
            message_name=name, business_key=key, payload=payload,
            idempotency_key=idempotency_key, received_at=engine.clock.now()))))


#: The BPMN namespace declaration for diagrams written inline in tests.
NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def endless(pid: str, after_user_task: bool) -> dict[str, bytes]:
    """start [→ user task] → merge → script n += 1 → gateway (n > -1 loops back) → end."""
    first = "go" if after_user_task else "merge"
    user = """<bpmn:userTask id="go" name="Go"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="go" targetRef="merge"/>""" if after_user_task else ""
    merge_in = "f1" if after_user_task else "f0"
    text = f"""<?xml version="1.0"?><bpmn:definitions {NS} id="d_{pid}" targetNamespace="http://x">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="{first}"/>
    {user}
    <bpmn:exclusiveGateway id="merge"><bpmn:incoming>{merge_in}</bpmn:incoming>
      <bpmn:incoming>back</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:scriptTask id="count" name="Count&#10;again"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="more" default="out"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>back</bpmn:outgoing><bpmn:outgoing>out</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="e"><bpmn:incoming>out</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="count"/>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="more"/>
    <bpmn:sequenceFlow id="back" sourceRef="more" targetRef="merge">
      <bpmn:conditionExpression>n &gt; -1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="more" targetRef="e"/>
  </bpmn:process></bpmn:definitions>"""
    return {f"{pid}.bpmn": text.encode()}


def runaway_case(engine: Engine, key: str, user: str = "cw1") -> tuple[InstanceRecord, TaskRecord]:
    """A case whose task's completion ran an endless loop: the step over its limit was rolled
    back, the case suspended with a ``step_limit`` incident; returns it and its task."""
    engine.runtime.max_tasks = 300
    engine.deploy(endless("spin", after_user_task=True), name="spin", user="analyst")
    case = engine.start("spin", business_key=key, data={"n": 0}, user=user)
    [task] = engine.tasks(instance_id=case.id)
    with pytest.raises(StepLimitError):
        engine.complete(task.id, {"n": 5}, user=user)
    return case, task
