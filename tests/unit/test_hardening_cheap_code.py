"""Issue 10 finding 3: which code runs in-process, and that nothing in-process can blow up."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from engine.cheap_code import is_cheap
from engine.exceptions import SandboxError
from engine.expressions import EXPRESSION_FUNCTIONS
from engine.sandbox import SandboxEnvironment

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NAMES = frozenset(EXPRESSION_FUNCTIONS)


def _diagram_code() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in BPMN.rglob("*.bpmn"):
        text = path.read_text()
        for tag, mode in (("script", "exec"), ("conditionExpression", "eval"),
                          ("timeDate", "eval"), ("timeDuration", "eval")):
            for body in re.findall(rf"<bpmn:{tag}[^>]*>([^<]*)</bpmn:{tag}>", text):
                source = (body.replace("&lt;", "<").replace("&gt;", ">")
                          .replace("&quot;", '"').replace("&amp;", "&"))
                found.append((source.strip(), mode))
    return found


def test_every_script_and_expression_of_the_shipped_diagrams_runs_in_process() -> None:
    code = _diagram_code()
    assert len(code) > 40
    refused = [source for source, mode in code if not is_cheap(source, mode, NAMES)]
    assert refused == []


@pytest.mark.parametrize("source, mode", [
    ("10 ** 10 ** 8", "eval"),  # still cheap syntax: the guard hands it to the worker
    ("sum(map(sum, [range(10**6)] * 800))", "eval"),
    ("f'{x:>1000000000}'", "eval"),
    ("for i in range(3):\n    pass", "exec"),
    ("[i for i in items]", "eval"),
    ("sep.join(items)", "eval"),
    ("text.replace('a', 'bbbb')", "eval"),
    ("text.replace(a, b)", "eval"),
    ("sorted(items)", "eval"),
    ("1 << n", "eval"),
    ("lambda: 1", "eval"),
])
def test_code_that_could_repeat_or_multiply_work_is_not_run_in_process(
    source: str, mode: str
) -> None:
    cheap = is_cheap(source, mode, NAMES)
    assert not cheap or source == "10 ** 10 ** 8"


@pytest.mark.parametrize("expression, data", [
    ("10 ** 10 ** 8", {}),
    ("text * 10 ** 9", {"text": "ab"}),
    ("text % (10 ** 9, 1)", {"text": "%*d"}),
    ("(text + text) + text", {"text": "a" * 6000}),
    ("n * n * n * n * n * n", {"n": 10 ** 4000}),
    ("[0] * n", {"n": 10 ** 9}),
])
def test_in_process_arithmetic_hands_large_results_to_the_worker(
    expression: str, data: dict[str, object]
) -> None:
    env = SandboxEnvironment(EXPRESSION_FUNCTIONS, time_limit=0.5, memory_limit_mb=64)
    try:
        started = time.perf_counter()
        try:
            env.evaluate(expression, dict(data))
        except SandboxError as exc:
            assert "limit" in str(exc) or "failed" in str(exc)
        # Generous: a worker interpreter starts first on a busy machine. In-process, the first
        # of these ran for minutes (or took gigabytes) before the fix.
        assert time.perf_counter() - started < 15
        assert env._pool is not None  # it went to the worker
    finally:
        env.close()


def test_cheap_code_never_starts_a_worker() -> None:
    env = SandboxEnvironment(EXPRESSION_FUNCTIONS, time_limit=5)  # a cold holiday table
    data = {"route": "appeal", "received_date": "2026-03-02", "division": "scotland", "n": 1}
    assert env.evaluate("route in ('review', 'appeal')", data) is True
    assert env.evaluate("working_day_deadline(received_date, 15, division)", data)
    env.execute("stage = 'Investigate'\nn += 1", data)
    assert data["stage"] == "Investigate" and data["n"] == 2
    assert env._pool is None
