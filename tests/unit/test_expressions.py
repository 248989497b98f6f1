"""Date functions for diagram expressions, alone and through the sandbox and a Spiff timer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.clock import SimulatedClock, using_clock
from engine.exceptions import SandboxError
from engine.expressions import (
    EXPRESSION_FUNCTIONS,
    add_months,
    date_before,
    days_after,
    now,
    today,
    within_months,
    working_day_deadline,
    working_days_after,
)
from engine.sandbox import SandboxEnvironment


@pytest.fixture
def clock() -> Iterator[SimulatedClock]:
    clock = SimulatedClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    with using_clock(clock):
        yield clock


def test_now_reads_the_engine_clock_as_iso_utc(clock: SimulatedClock) -> None:
    assert now() == "2026-03-27T09:00:00+00:00"


@pytest.mark.parametrize("moment, day", [
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-03-28"),  # GMT: London = UTC
    (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "2026-07-01"),  # BST: already tomorrow
])
def test_today_is_the_london_date(clock: SimulatedClock, moment: datetime, day: str) -> None:
    clock.set(moment)
    assert today() == day


def test_r21_working_days_after_receipt_per_division() -> None:
    assert working_days_after("2026-03-27", 15) == "2026-04-21"
    assert working_days_after("2026-03-27", 15, "scotland") == "2026-04-20"
    assert working_days_after("2025-12-15", 15, "NI") == "2026-01-08"


def test_a_datetime_start_stands_for_its_london_date() -> None:
    assert working_days_after("2026-06-30T23:30:00Z", 1) == "2026-07-02"  # 1 July in London
    assert working_days_after("2026-03-27T09:15:00", 15) == "2026-04-21"  # naive: London time
    assert working_days_after(datetime(2026, 3, 27, 9, tzinfo=UTC), 15) == "2026-04-21"


def test_working_day_deadline_is_the_end_of_the_london_day_in_utc() -> None:
    assert working_day_deadline("2026-03-27", 15) == "2026-04-21T22:59:59+00:00"  # BST
    assert working_day_deadline("2025-12-15", 15, "northern-ireland") == (
        "2026-01-08T23:59:59+00:00")  # GMT


def test_days_after_counts_calendar_days() -> None:
    assert days_after("2026-03-27", 30) == "2026-04-26"
    assert days_after("2026-03-27", -27) == "2026-02-28"


@pytest.mark.parametrize("start, months, result", [
    ("2025-08-31", 6, "2026-02-28"),  # clamped to the shorter month
    ("2024-01-31", 1, "2024-02-29"),  # leap year
    ("2026-03-27", 14, "2027-05-27"),
    ("2026-03-31", -1, "2026-02-28"),
])
def test_add_months_clamps_to_month_end(start: str, months: int, result: str) -> None:
    assert add_months(start, months) == result


@pytest.mark.parametrize("earlier, later, months, within", [
    ("2025-08-31", "2026-02-28", 6, True),  # the limit itself is inside (inclusive)
    ("2025-08-31", "2026-03-01", 6, False),
    ("2025-01-15", "2026-03-15", 14, True),  # R01: up to 14 months after closure
    ("2025-01-15", "2026-03-16", 14, False),
    ("2026-03-27", "2026-03-01", 6, True),  # raised before the case closed
])
def test_within_months_is_calendar_months_inclusive(
    earlier: str, later: str, months: int, within: bool
) -> None:
    assert within_months(earlier, later, months) is within


def test_date_before_compares_uk_dates() -> None:
    assert date_before("2026-03-26", "2026-03-27")
    assert not date_before("2026-03-27", "2026-03-27T22:00:00Z")  # same London day
    assert date_before("2026-06-30T22:30:00Z", "2026-07-01T23:30:00Z")


@pytest.mark.parametrize("call, message", [
    (lambda: working_days_after("27/03/2026", 15), "start must be an ISO date"),
    (lambda: working_days_after("2026-03-27", "15"), "n must be a whole number"),  # type: ignore[arg-type]
    (lambda: working_days_after("2026-03-27", True), "n must be a whole number"),
    (lambda: working_days_after("2026-03-27", 15, "mars"), "unknown UK division 'mars'"),
    (lambda: within_months("2026-03-27", None, 6), "later must be an ISO date"),  # type: ignore[arg-type]
    (lambda: add_months("", 1), "start must be an ISO date"),
])
def test_bad_input_raises_value_error_naming_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_every_function_is_registered() -> None:
    assert set(EXPRESSION_FUNCTIONS) == {
        "now", "today", "working_days_after", "working_day_deadline", "days_after",
        "add_months", "within_months", "date_before",
    }


def test_functions_are_callable_from_the_sandbox(clock: SimulatedClock) -> None:
    env = SandboxEnvironment(functions=EXPRESSION_FUNCTIONS)
    data = {"received": "2026-03-27", "division": "scotland"}
    assert env.evaluate("working_days_after(received, 15, division)", data) == "2026-04-20"
    assert env.evaluate("date_before(today(), working_days_after(received, 1))", data)
    with pytest.raises(SandboxError, match="ValueError: start must be an ISO date") as caught:
        env.evaluate("working_days_after('soon', 15)", {})
    assert isinstance(caught.value.__cause__, ValueError)


TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://redress.test/deadline">
  <bpmn:process id="deadline" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="due">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">
          working_day_deadline(received, 15, division)
        </bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="due"/>
    <bpmn:sequenceFlow id="f2" sourceRef="due" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize("division, due", [
    ("england-and-wales", "2026-04-21T22:59:59+00:00"),
    ("scotland", "2026-04-20T22:59:59+00:00"),
])
def test_r21_spiffworkflow_time_date_timer_uses_working_day_deadline(
    clock: SimulatedClock, division: str, due: str
) -> None:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(TIMER_BPMN.encode(), "deadline.bpmn")
    engine = PythonScriptEngine(environment=SandboxEnvironment(functions=EXPRESSION_FUNCTIONS))
    workflow = BpmnWorkflow(parser.get_spec("deadline"), script_engine=engine)
    workflow.get_tasks(spec_name="start")[0].data.update(
        {"received": "2026-03-27", "division": division})
    workflow.do_engine_steps()

    [timer] = workflow.get_tasks(spec_name="due")
    assert timer.state == TaskState.WAITING
    assert timer.internal_data["event_value"] == due
    assert [event.value for event in workflow.waiting_events()] == [due]
