"""Stored states: large ones packed (less written per step), plain JSON rows still read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from engine import Engine, spiff
from engine.tables import process_instances as pi
from tests.engine.conftest import fresh

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagrams"


def _start(engine: Engine, note: str) -> int:
    engine.deploy({"loop.bpmn": (BENCH / "loop.bpmn").read_bytes()}, name="p", user="analyst")
    return engine.start("bench_loop", business_key="PACK-1", user="cw1",
                        data={"counter": 0, "limit": 10, "note": note}).id


def _stored(engine: Engine, instance_id: int) -> bytes:
    with engine.db.connect() as conn:
        return bytes(conn.execute(select(pi.c.state).where(pi.c.id == instance_id)).scalar_one())


def test_a_large_state_is_stored_packed_and_steps_on(engine: Engine) -> None:
    instance_id = _start(engine, "a long case note " * 200)
    stored = _stored(engine, instance_id)
    assert stored[:1] == b"x"  # zlib
    assert len(stored) < len(spiff.unpack_state(stored)) / 4
    [task] = fresh(engine).tasks(instance_id=instance_id)
    engine.complete(task.id, {"more": "x"}, user="cw1")
    assert fresh(engine).instance(instance_id).data["note"].startswith("a long case note")


def test_a_state_stored_as_plain_json_before_packing_is_still_read(engine: Engine) -> None:
    instance_id = _start(engine, "short")
    plain = spiff.unpack_state(_stored(engine, instance_id))
    assert plain[:1] == b"{"
    with engine.db.begin() as conn:  # as a row written before states were packed
        conn.execute(update(pi).where(pi.c.id == instance_id).values(state=plain))
    [task] = fresh(engine).tasks(instance_id=instance_id)
    engine.complete(task.id, {"more": "x"}, user="cw1")
    assert fresh(engine).instance(instance_id).data["more"] == "x"
