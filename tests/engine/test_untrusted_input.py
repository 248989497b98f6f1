"""Untrusted diagrams and scripts: refused or sandboxed, and nothing is lost."""

from __future__ import annotations

import functools
import re
import time
from typing import Any

import pytest

from engine import DeploymentError, Engine, HandlerRegistry, ValidationError
from tests.engine.conftest import (
    EngineFactory,
    buffer_unchecked_message,
    diagram_files,
    script_diagram,
)
from tests.unit.test_safe_xml import LAUGHS, XXE

HUGE = (
    b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
    b'20100524/MODEL" id="x" targetNamespace="http://x"><!--'
    + b"x" * (10 * 1024 * 1024 + 1)
    + b"--></bpmn:definitions>"
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("xxe.bpmn", XXE, "DOCTYPE|DTD|entit"),
        ("laughs.bpmn", LAUGHS, "DOCTYPE|DTD|entit"),
        ("huge.bpmn", HUGE, "larger|size|10"),
        ("picture.bpmn", SVG, "not a BPMN"),
        ("broken.bpmn", b"<bpmn:definitions", "."),
        ("notes.txt", b"hello", r"\.bpmn"),
    ],
)
def test_hostile_or_wrong_uploads_are_refused_and_nothing_is_deployed(
    engine: Engine, name: str, content: bytes, reason: str
) -> None:
    files = {**diagram_files("simple.bpmn", "review.schema.json"), name: content}
    started = time.perf_counter()
    with pytest.raises(DeploymentError, match=reason) as caught:
        engine.deploy(files, name="bad", user="analyst")
    assert time.perf_counter() - started < 5
    assert "root:" not in str(caught.value)  # /etc/passwd never leaks into the message
    with pytest.raises(Exception, match="no deployed process"):
        engine.start("simple", business_key="X", user="cw1")


@pytest.mark.parametrize(
    "script",
    [
        "__import__('os').system('id')",
        "data = open('/etc/passwd').read()",
        "while True:\n    pass",
        "x = ().__class__.__bases__[0].__subclasses__()",
    ],
)
def test_hostile_script_fails_in_the_sandbox_opens_an_incident_and_keeps_running(
    make_engine: EngineFactory, script: str
) -> None:
    engine = make_engine(script_time_limit=0.5)
    engine.init_db()
    engine.deploy(script_diagram("hostile", script), name="hostile", user="analyst")
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="simple", user="a")

    started = time.perf_counter()
    instance = engine.start("hostile", business_key="EVIL-1", data={}, user="cw1")
    assert time.perf_counter() - started < 5

    [incident] = engine.incidents(instance_id=instance.id)
    assert incident.kind == "script" and incident.spec_id == "run_script"
    assert "Sandbox" in incident.message or "not allowed" in incident.message.lower()
    assert engine.instance(instance.id).status == "active"
    assert engine.tasks(instance_id=instance.id) == []  # nothing ran past the failing script

    other = engine.start("simple", business_key="FINE-1", data={"name": "A"}, user="cw1")
    assert len(engine.tasks(instance_id=other.id)) == 1  # the engine keeps serving


def test_retrying_a_failed_script_task_runs_it_again(engine: Engine) -> None:
    engine.deploy(script_diagram("divide", "ratio = total / count"), name="d", user="analyst")
    instance = engine.start(
        "divide", business_key="DIV-1", data={"total": 10, "count": 0}, user="cw1"
    )
    [incident] = engine.incidents(instance_id=instance.id)
    assert "ZeroDivisionError" in incident.message
    engine.retry_incident(incident.id, user="ops")  # same data: fails again, new incident
    [again] = engine.incidents(instance_id=instance.id)
    assert again.id != incident.id


def test_form_data_holding_the_state_s_reserved_key_is_refused_and_the_case_loads_on(
    engine: Engine, make_engine: EngineFactory
) -> None:
    """Case data with a ``typename`` dict was stored, then every later load of the case failed
    (a 500 on any worker without the case in its cache). It is refused before the step."""
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="s", user="analyst")
    instance = engine.start("simple", business_key="RESERVED-1", user="cw1")
    [task] = engine.tasks(instance_id=instance.id)
    for data in ({"typename": "x"}, {"x": {"typename": "datetime", "value": "nope"}}):
        with pytest.raises(ValidationError, match="'typename'"):
            engine.complete(task.id, data, user="cw1")
    assert make_engine().instance(instance.id).revision == instance.revision  # loads cold


@pytest.mark.parametrize("result, reason", [
    ({"notified": {"typename": "datetime", "value": "nope"}}, "'typename'"),
    ({"notified": functools.reduce(lambda inner, _: [inner], range(40), "deep")},
     "nested more than 32 levels"),
], ids=["reserved-key", "too-deep"])
def test_a_handler_result_that_could_not_be_stored_fails_the_attempt_and_the_case_loads_on(
    make_engine: EngineFactory, result: dict[str, Any], reason: str
) -> None:
    """A service task's result becomes case data, as form data does: a ``typename`` dict in it
    was stored and every later load of the case failed. The attempt now fails (retried, then
    an incident), its step rolls back, and the case stays as it was."""
    registry = HandlerRegistry()
    registry.register("test.notify", lambda ctx, *, greeting: result)
    engine = make_engine(registry=registry)
    engine.init_db()
    engine.deploy(diagram_files("simple.bpmn", "review.schema.json"), name="s", user="analyst")
    instance = engine.start("simple", business_key="RESULT-1", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)
    engine.complete(review.id, {"approved": False}, user="cw1")  # the handler runs inline
    [job] = engine.jobs(instance.id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert re.search(reason, job.last_error or "")
    cold = make_engine()
    assert "notified" not in cold.instance(instance.id).data
    assert [t.spec_id for t in cold.tasks(instance_id=instance.id)] == []


def _waiting_for_messages(make_engine: EngineFactory) -> Engine:
    """An engine with ``race`` deployed: it waits for a client's reply or a withdrawal."""
    engine = make_engine()
    engine.init_db()
    engine.deploy(diagram_files("race.bpmn"), name="race", user="analyst")
    return engine


@pytest.mark.parametrize("payload", [
    {"agreed": {"typename": "datetime", "value": "nope"}},
    ["not", "an", "object"],
    {"agreed": functools.reduce(lambda inner, _: [inner], range(40), "secret-leaf")},
], ids=["reserved-key", "not-an-object", "too-deep"])
def test_a_buffered_message_unfit_for_case_data_is_refused_on_delivery_and_the_case_waits(
    make_engine: EngineFactory, payload: Any
) -> None:
    """A message buffered by an older release, before payloads were checked, was caught into
    the case that subscribed to it: a ``typename`` dict then made every later load of that case
    fail. It is now refused where it would be delivered: taken out of the buffer by the case,
    with an incident for operations, and the next buffered message is delivered instead."""
    from sqlalchemy import select

    from engine.tables import messages

    engine = _waiting_for_messages(make_engine)
    bad = buffer_unchecked_message(engine, "OLD-1", "client_reply", payload)
    instance = engine.start("race", business_key="OLD-1", data={}, user="cw1")
    cold = make_engine()  # the case loads from its stored state
    assert cold.tasks(instance_id=instance.id) == []  # still waiting at the gateway
    assert [t.status for t in cold.timers(instance.id)] == ["waiting"]
    [incident] = cold.incidents(instance_id=instance.id)
    assert incident.kind == "message"
    assert "'client_reply'" in incident.message and "corrected message" in incident.message
    assert "nope" not in incident.message and "secret" not in incident.message  # no payload
    assert [a.action for a in cold.audit(instance.id)][-2:] == ["message_refused",
                                                                 "incident_opened"]
    with cold.db.connect() as conn:
        row = conn.execute(select(messages).where(messages.c.id == bad)).one()
    assert row.consumed_at is not None and row.instance_id == instance.id  # not offered again

    result = cold.correlate("client_reply", "OLD-1", {"agreed": True})  # a corrected one
    assert (result.status, result.instance_id) == ("delivered", instance.id)
    later = make_engine()
    assert [t.spec_id for t in later.tasks(instance_id=instance.id)] == ["read_reply"]
    assert later.instance(instance.id).data["reply"] == {"agreed": True}
    cold.retry_incident(incident.id, user="ops1", reason="client resent the reply")
    assert cold.incidents(instance_id=instance.id) == []  # dealt with: nothing to run again


def test_a_refused_buffered_message_is_passed_over_for_the_next_one(
    make_engine: EngineFactory,
) -> None:
    engine = _waiting_for_messages(make_engine)
    buffer_unchecked_message(engine, "OLD-2", "client_reply", {"typename": "x"})
    buffer_unchecked_message(engine, "OLD-2", "client_reply", {"agreed": True})
    instance = engine.start("race", business_key="OLD-2", data={}, user="cw1")
    cold = make_engine()
    assert [t.spec_id for t in cold.tasks(instance_id=instance.id)] == ["read_reply"]
    assert cold.instance(instance.id).data["reply"] == {"agreed": True}  # the second one's
    assert [i.kind for i in cold.incidents(instance_id=instance.id)] == ["message"]


def test_a_repeat_of_a_stored_unusable_message_by_its_idempotency_key_is_a_validation_error(
    make_engine: EngineFactory,
) -> None:
    engine = _waiting_for_messages(make_engine)
    instance = engine.start("race", business_key="OLD-3", data={}, user="cw1")
    buffer_unchecked_message(engine, "OLD-3", "client_reply", {"typename": "x"},
                             idempotency_key="reply-1")
    with pytest.raises(ValidationError, match="idempotency key has a payload holding the key"):
        engine.correlate("client_reply", "OLD-3", {"agreed": True}, idempotency_key="reply-1")
    fresh_engine = make_engine()
    assert fresh_engine.tasks(instance_id=instance.id) == []  # nothing delivered, case loads
    assert fresh_engine.incidents(instance_id=instance.id) == []
