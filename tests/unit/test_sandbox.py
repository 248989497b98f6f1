"""The script sandbox: hostile code raises SandboxError; ordinary scripts keep Spiff's semantics."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.exceptions import SandboxError
from engine.sandbox import SandboxEnvironment


def double(x: int) -> int:
    return x * 2


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(functions={"double": double}, time_limit=0.5)


@pytest.mark.parametrize("script", [
    "__import__('os').system('id')",
    "data = open('/etc/passwd').read()",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "import os",
    "x = str.format('{0.__globals__}', double)",
    "x = Exception.mro()",
    "class Evil:\n    pass",
    "x = [i for i in range(10 ** 9)]",
])
def test_hostile_script_raises_sandbox_error(env: SandboxEnvironment, script: str) -> None:
    data: dict[str, Any] = {}
    with pytest.raises(SandboxError):
        env.execute(script, data)
    assert data == {}


@pytest.mark.parametrize("expression", [
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "().__class__.__bases__[0].__subclasses__()",
    "double.__globals__",
])
def test_hostile_expression_raises_sandbox_error(env: SandboxEnvironment, expression: str) -> None:
    with pytest.raises(SandboxError):
        env.evaluate(expression, {})


@pytest.mark.parametrize("script", [
    "while True: pass",
    "while True:\n    pass",
    "while True:\n    try:\n        while True: pass\n    except:\n        pass",
    "while True:\n    try:\n        while True: pass\n    except (KeyError, Exception):\n"
    "        pass",
    "def spin(n):\n    return spin(n - 1) + spin(n - 1) if n else 0\nx = spin(64)",
])
def test_endless_loop_stops_at_the_time_limit(script: str) -> None:
    env = SandboxEnvironment(time_limit=0.3)
    started = time.perf_counter()
    with pytest.raises(SandboxError, match=r"time limit of 0\.3 s"):
        env.execute(script, {})
    assert time.perf_counter() - started < 6  # 0.3 s, plus a worker's start on a busy machine


def test_time_limit_holds_in_a_worker_thread_and_restores_its_trace_function() -> None:
    # Flask serves requests on threads, where signal.alarm cannot be used.
    outcome: list[object] = []

    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    def work() -> None:
        sys.settrace(tracer)
        try:
            SandboxEnvironment(time_limit=0.2).execute("while True: pass", {})
        except SandboxError as exc:
            outcome.append(exc)
        outcome.append(sys.gettrace())
        sys.settrace(None)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=10)  # 0.2 s, plus a worker's start on a busy machine
    assert not thread.is_alive()
    assert isinstance(outcome[0], SandboxError) and outcome[1] is tracer


def test_try_finally_refused_because_it_could_outlive_the_limit(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxError, match="try/finally is not allowed"):
        env.execute("try:\n    x = 1\nfinally:\n    while True: pass", {})


def test_runtime_error_is_wrapped_with_its_line_and_cause(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxError, match="line 2: ZeroDivisionError") as caught:
        env.execute("a = 1\nb = a / 0", {})
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_script_updates_task_data_in_place(env: SandboxEnvironment) -> None:
    notes = ["received"]
    data: dict[str, Any] = {"amount": 6, "notes": notes, "obsolete": True}
    env.execute(
        "total = double(amount) + 1\n"
        "notes.append('doubled')\n"
        "amount += 1\n"
        "del obsolete\n"
        "def helper():\n    return 1\n"
        "print('not kept')\n"
        "checked = sorted({3, 1, 2})\n",
        data,
    )
    assert data == {"amount": 7, "notes": ["received", "doubled"], "total": 13,
                    "checked": [1, 2, 3]}
    # The script defines a function, so it ran in the worker process: the task data dict is
    # updated in place, its values come back as copies.
    assert notes == ["received"]


def test_functions_and_builtins_do_not_leak_into_task_data(env: SandboxEnvironment) -> None:
    data: dict[str, Any] = {"a": 1}
    env.execute("b = double(a)\nf = len", data)
    assert data == {"a": 1, "b": 2}
    assert not any(callable(value) or name.startswith("_") for name, value in data.items())


def test_failed_script_leaves_top_level_data_unchanged(env: SandboxEnvironment) -> None:
    data: dict[str, Any] = {"a": 1}
    with pytest.raises(SandboxError):
        env.execute("a = 2\nb = missing", data)
    assert data == {"a": 1}


def test_expression_reads_task_data(env: SandboxEnvironment) -> None:
    assert env.evaluate("amount > 5 and tier == 'review'", {"amount": 6, "tier": "review"})
    assert env.evaluate("\n  amount + 1\n", {"amount": 1}) == 2  # modeller whitespace
    assert env.evaluate("x", {}, external_context={"x": 3}) == 3


def test_provided_functions_are_callable(env: SandboxEnvironment) -> None:
    assert env.evaluate("double(amount)", {"amount": 4}) == 8
    assert env.evaluate("timedelta(days=1) + date(2026, 3, 27)", {}).isoformat() == "2026-03-28"


def test_task_data_shadowing_a_function_is_a_clear_error(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxError, match="double shadows a provided function"):
        env.execute("x = 1", {"double": 2})
    with pytest.raises(SandboxError, match="double shadows a provided function"):
        env.evaluate("double(1)", {"double": 2})
    with pytest.raises(SandboxError, match="assigns to 'double'"):
        env.execute("double = 3", {})


def test_missing_attribute_fails_instead_of_answering_none(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxError, match="AttributeError"):
        env.evaluate("amount.nothing", {"amount": 1})


def test_catching_an_ordinary_error_still_works(env: SandboxEnvironment) -> None:
    data: dict[str, Any] = {}
    env.execute("try:\n    x = 1 / 0\nexcept ZeroDivisionError:\n    x = 0", data)
    assert data == {"x": 0}


def test_compiled_code_is_cached(env: SandboxEnvironment) -> None:
    env.evaluate("amount * 3", {"amount": 1})
    started = time.perf_counter()
    for _ in range(1000):
        env.evaluate("amount * 3", {"amount": 1})
    assert time.perf_counter() - started < 0.5  # ~100 ms if each call compiled


GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://redress.test/sandbox">
  <bpmn:process id="banding" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="calc">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="low">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>high</bpmn:outgoing><bpmn:outgoing>low</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="mark_high">
      <bpmn:incoming>high</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>band = "high"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="mark_low">
      <bpmn:incoming>low</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>band = "low"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="gw"/>
    <bpmn:sequenceFlow id="high" sourceRef="gw" targetRef="mark_high">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="low" sourceRef="gw" targetRef="mark_low"/>
    <bpmn:sequenceFlow id="f3" sourceRef="mark_high" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="mark_low" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def run_banding(script: str, condition: str, data: dict[str, Any]) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(
        GATEWAY_BPMN.format(script=escape(script), condition=escape(condition)).encode(),
        "banding.bpmn",
    )
    engine = PythonScriptEngine(environment=SandboxEnvironment({"double": double}, 0.5))
    workflow = BpmnWorkflow(parser.get_spec("banding"), script_engine=engine)
    workflow.get_tasks(spec_name="start")[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def sandbox_error_in(exc: BaseException | None) -> SandboxError | None:
    """SpiffWorkflow wraps script errors in WorkflowTaskException; find ours inside."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, SandboxError):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
        seen += 1
    return None


@pytest.mark.parametrize("amount, band", [(6, "high"), (2, "low")])
def test_spiffworkflow_runs_script_and_gateway_in_the_sandbox(amount: int, band: str) -> None:
    workflow = run_banding("total = double(amount)", "total > 10", {"amount": amount})
    assert workflow.is_completed()
    end = workflow.get_tasks(spec_name="end")[0]
    assert end.data == {"amount": amount, "total": amount * 2, "band": band}


def test_spiffworkflow_hostile_script_task_is_sandboxed() -> None:
    with pytest.raises(Exception) as caught:
        run_banding("x = open('/etc/passwd').read()", "True", {"amount": 1})
    assert sandbox_error_in(caught.value) is not None


def test_spiffworkflow_hostile_gateway_condition_is_sandboxed() -> None:
    with pytest.raises(Exception) as caught:
        run_banding("total = 1", "__import__('os').system('id') == 0", {"amount": 1})
    assert sandbox_error_in(caught.value) is not None
