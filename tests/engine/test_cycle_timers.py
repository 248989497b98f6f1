"""A cycle timer (``R3/P1D``) fires once per cycle from one timer row, then stops."""

from __future__ import annotations

from datetime import timedelta

from engine import Engine, SimulatedClock
from tests.engine.conftest import diagram_files


def test_cycle_timer_fires_each_cycle_then_stops(engine: Engine, clock: SimulatedClock) -> None:
    engine.deploy(diagram_files("reminders.bpmn"), name="reminders", user="analyst")
    instance = engine.start("reminders", business_key="CYC-1", data={}, user="cw1")
    fired = []
    for _ in range(5):
        clock.advance(timedelta(days=1, seconds=1))
        fired.append(engine.fire_due_timers())
    assert fired == [1, 1, 1, 0, 0]
    [timer] = engine.timers(instance.id)
    assert timer.status == "fired"
    specs = sorted(t.spec_id for t in engine.tasks(instance_id=instance.id))
    assert specs == ["remind", "remind", "remind", "reply"]
    assert [a.action for a in engine.audit(instance.id)].count("timer_fired") == 3


def test_cycle_timer_is_withdrawn_when_its_task_completes(
    engine: Engine, clock: SimulatedClock
) -> None:
    engine.deploy(diagram_files("reminders.bpmn"), name="reminders", user="analyst")
    instance = engine.start("reminders", business_key="CYC-2", data={}, user="cw1")
    clock.advance(timedelta(days=1, seconds=1))
    assert engine.fire_due_timers() == 1
    [reply] = [t for t in engine.tasks(instance_id=instance.id) if t.spec_id == "reply"]
    engine.complete(reply.id, {}, user="cw1")
    assert [t.status for t in engine.timers(instance.id)] == ["cancelled"]
    clock.advance(timedelta(days=3))
    assert engine.fire_due_timers() == 0
