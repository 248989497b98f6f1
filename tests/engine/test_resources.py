"""Package resources (letter templates): stored with a deployment, read by the instance's handler,
checked by registered deploy checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from engine import DeploymentError, Engine, HandlerContext, HandlerRegistry
from engine.resources import ServiceCall
from tests.engine.conftest import EngineFactory, diagram_files

SIMPLE = ("simple.bpmn", "review.schema.json")


def _run(engine: Engine, key: str) -> int:
    iid = engine.start("simple", business_key=key, data={"name": "Alex"}, user="cw1").id
    [review] = engine.tasks(instance_id=iid)
    engine.complete(review.id, {"approved": False}, user="cw1", roles={"caseworker"})
    return iid


def test_handler_reads_the_resources_of_the_deployment_its_instance_started_on(
        make_engine: EngineFactory) -> None:
    seen: list[bytes | None] = []

    def notify(ctx: HandlerContext, *, greeting: str) -> dict[str, Any]:
        seen.append(ctx.resource("hello.md.j2"))
        return {"notified": True}

    registry = HandlerRegistry()
    registry.register("test.notify", notify)
    engine = make_engine(registry=registry)
    engine.init_db()
    engine.deploy({**diagram_files(*SIMPLE), "hello.md.j2": b"first"}, name="s", user="a")
    old = engine.start("simple", business_key="K-1", data={"name": "Alex"}, user="cw1").id
    engine.deploy({**diagram_files(*SIMPLE), "hello.md.j2": b"second"}, name="s", user="a")
    _run(engine, "K-2")
    [review] = engine.tasks(instance_id=old)
    engine.complete(review.id, {"approved": False}, user="cw1", roles={"caseworker"})
    assert seen == [b"second", b"first"]


def test_resource_that_is_not_utf8_text_is_refused(engine: Engine) -> None:
    with pytest.raises(DeploymentError, match=r"hello\.md\.j2: not UTF-8 text"):
        engine.deploy({**diagram_files(*SIMPLE), "hello.md.j2": b"\xff\xfe"}, name="s", user="a")


def test_deploy_checks_see_resources_and_service_calls_and_can_refuse(
        make_engine: EngineFactory, registry: HandlerRegistry) -> None:
    seen: list[tuple[list[str], list[tuple[str, str]]]] = []

    def check(files: Mapping[str, bytes], calls: Sequence[ServiceCall]) -> None:
        seen.append((sorted(files), [(c.element_id, c.operator) for c in calls]))
        if b"bad" in files.get("hello.md.j2", b""):
            raise ValueError("hello.md.j2: refers to field 'nope', which no case has")

    registry.add_deploy_check(check)
    engine = make_engine(registry=registry)
    engine.init_db()
    engine.deploy({**diagram_files(*SIMPLE), "hello.md.j2": b"ok"}, name="s", user="a")
    assert seen == [(["hello.md.j2"], [("notify", "test.notify")])]
    with pytest.raises(DeploymentError, match="refers to field 'nope'"):
        engine.deploy({**diagram_files(*SIMPLE), "hello.md.j2": b"bad"}, name="s", user="a")
