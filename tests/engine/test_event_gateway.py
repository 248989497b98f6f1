"""An event-based gateway waits on a message and a timer at once; the first to happen wins.

Both waits must be real rows (a timer the scheduler fires, a subscription a message finds), and
whichever loses must be withdrawn in the same step, so it can neither fire nor be delivered later.
"""

from __future__ import annotations

from datetime import timedelta

from engine import Engine, SimulatedClock
from tests.engine.conftest import diagram_files


def _start(engine: Engine, key: str) -> int:
    engine.deploy(diagram_files("race.bpmn"), name="race", user="analyst")
    return engine.start("race", business_key=key, data={}, user="cw1").id


def test_event_gateway_waits_on_a_timer_row_and_a_message_subscription(engine: Engine) -> None:
    instance_id = _start(engine, "EBG-1")
    assert [t.status for t in engine.timers(instance_id)] == ["waiting"]
    assert engine.tasks(instance_id=instance_id) == []
    result = engine.correlate("client_reply", "EBG-1", {"agreed": True})
    assert (result.status, result.instance_id) == ("delivered", instance_id)


def test_event_gateway_message_first_withdraws_the_timer(
    engine: Engine, clock: SimulatedClock
) -> None:
    instance_id = _start(engine, "EBG-2")
    engine.correlate("client_reply", "EBG-2", {"agreed": True})
    assert [t.spec_id for t in engine.tasks(instance_id=instance_id)] == ["read_reply"]
    assert [t.status for t in engine.timers(instance_id)] == ["cancelled"]
    clock.advance(timedelta(days=11))
    assert engine.fire_due_timers() == 0
    assert [t.spec_id for t in engine.tasks(instance_id=instance_id)] == ["read_reply"]


def test_event_gateway_timer_first_withdraws_the_subscription(
    engine: Engine, clock: SimulatedClock
) -> None:
    instance_id = _start(engine, "EBG-3")
    clock.advance(timedelta(days=10, seconds=1))
    assert engine.fire_due_timers() == 1
    assert [t.spec_id for t in engine.tasks(instance_id=instance_id)] == ["chase"]
    late = engine.correlate("client_reply", "EBG-3", {"agreed": True})
    assert late.status == "buffered"  # kept, not delivered to the chase branch
    assert [t.spec_id for t in engine.tasks(instance_id=instance_id)] == ["chase"]


def test_event_gateway_with_two_messages_subscribes_to_both(engine: Engine) -> None:
    instance_id = _start(engine, "EBG-4")
    result = engine.correlate("complaint_withdrawn", "EBG-4", {})
    assert (result.status, result.instance_id) == ("delivered", instance_id)
    assert [t.spec_id for t in engine.tasks(instance_id=instance_id)] == ["close_withdrawn"]
    assert engine.correlate("client_reply", "EBG-4", {}).status == "buffered"
    assert [t.status for t in engine.timers(instance_id)] == ["cancelled"]
