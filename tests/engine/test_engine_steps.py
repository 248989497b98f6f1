"""The engine facade end to end on a small diagram: deploy, start, complete, versions, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import (
    DeploymentError,
    Engine,
    InvalidStateError,
    PermissionDeniedError,
    TaskNotOpenError,
    ValidationError,
)
from tests.engine.conftest import EngineFactory, diagram_files, fresh, script_diagram

SIMPLE = ("simple.bpmn", "review.schema.json")


def _start(engine: Engine, key: str = "CASE-1") -> int:
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    return engine.start("simple", business_key=key, data={"name": "Alex"}, user="cw1").id


def test_user_task_service_task_and_gateway_run_in_order(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    assert (review.spec_id, review.lane, review.form) == (
        "review",
        "caseworker",
        "review.schema.json",
    )

    engine.complete(review.id, {"approved": False}, user="cw1", roles={"caseworker"})

    assert (
        engine.instance(instance_id).data["notified"] is True
    )  # the handler's result merged into the case data
    [followup] = engine.tasks(instance_id=instance_id)
    assert (followup.spec_id, followup.lane) == ("followup", "team_leader")
    engine.complete(followup.id, {}, user="tl1", roles={"team_leader"})
    assert engine.instance(instance_id).status == "completed"


def test_state_survives_reload_between_every_step(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = fresh(engine).tasks(instance_id=instance_id)
    fresh(engine).complete(review.id, {"approved": True}, user="cw1")
    record = fresh(engine).instance(instance_id)
    assert record.status == "completed"
    assert record.data["approved"] is True and record.data["name"] == "Alex"


def test_form_data_is_validated_and_invalid_data_changes_nothing(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    before = engine.instance(instance_id)
    with pytest.raises(ValidationError) as caught:
        engine.complete(review.id, {"approved": "yes", "extra": 1}, user="cw1")
    assert any("approved" in e for e in caught.value.errors)
    after = engine.instance(instance_id)
    assert after.revision == before.revision
    assert engine.task(review.id).status == "open"


def test_a_task_is_only_for_its_lane(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    with pytest.raises(PermissionDeniedError):
        engine.complete(review.id, {"approved": True}, user="x", roles={"team_leader"})
    assert engine.tasks(roles={"team_leader"}) == []
    assert [t.id for t in engine.tasks(roles={"caseworker"})] == [review.id]


def test_claimed_task_belongs_to_its_assignee(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    engine.claim(review.id, user="cw1", roles={"caseworker"})
    with pytest.raises(TaskNotOpenError):
        engine.claim(review.id, user="cw2", roles={"caseworker"})
    with pytest.raises(PermissionDeniedError):
        engine.complete(review.id, {"approved": True}, user="cw2", roles={"caseworker"})
    assert [t.id for t in engine.tasks(assignee="cw1")] == [review.id]
    engine.release(review.id, user="cw1")
    engine.complete(review.id, {"approved": True}, user="cw2", roles={"caseworker"})


def test_completed_task_cannot_be_completed_again(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    engine.complete(review.id, {"approved": False}, user="cw1")
    with pytest.raises(TaskNotOpenError):
        engine.complete(review.id, {"approved": False}, user="cw1")


def test_deploy_is_content_addressed_and_versioned(engine: Engine) -> None:
    first = engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    again = engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    assert again.id == first.id and again.created is False
    old = engine.start("simple", business_key="OLD", data={"name": "A"}, user="cw1")

    changed = diagram_files(*SIMPLE)
    changed["simple.bpmn"] = changed["simple.bpmn"].replace(b"Review the case", b"Review it")
    second = engine.deploy(changed, name="simple", user="analyst")
    assert second.processes == {"simple": 2}

    new = engine.start("simple", business_key="NEW", data={"name": "B"}, user="cw1")
    assert (old.version, new.version) == (1, 2)
    [old_task] = engine.tasks(instance_id=old.id)
    [new_task] = engine.tasks(instance_id=new.id)
    assert (old_task.name, new_task.name) == ("Review the case", "Review it")


def test_deploy_refuses_unknown_operator_and_missing_form(engine: Engine) -> None:
    files = diagram_files(*SIMPLE)
    broken = dict(files)
    broken["simple.bpmn"] = files["simple.bpmn"].replace(b"test.notify", b"test.nobody")
    with pytest.raises(DeploymentError, match=r"test\.nobody"):
        engine.deploy(broken, name="x", user="analyst")
    with pytest.raises(DeploymentError, match=r"review\.schema\.json"):
        engine.deploy({"simple.bpmn": files["simple.bpmn"]}, name="x", user="analyst")
    assert engine.instances() == []


def test_every_step_is_audited_and_the_audit_is_append_only(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    engine.complete(review.id, {"approved": True}, user="cw1")
    actions = [a.action for a in engine.audit(instance_id)]
    assert actions[0] == "instance_started"
    for expected in (
        "task_created",
        "task_completed",
        "service_task_completed",
        "instance_completed",
    ):
        assert expected in actions
    completed = next(a for a in engine.audit(instance_id) if a.action == "task_completed")
    assert completed.actor == "cw1"
    assert completed.detail["changes"]["approved"] == {"before": None, "after": True}
    with pytest.raises(Exception, match="append-only"), engine.db.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))


def test_suspend_blocks_work_until_resumed_and_cancel_closes_tasks(engine: Engine) -> None:
    instance_id = _start(engine)
    [review] = engine.tasks(instance_id=instance_id)
    engine.suspend(instance_id, user="ops")
    with pytest.raises(InvalidStateError):
        engine.complete(review.id, {"approved": True}, user="cw1")
    engine.resume(instance_id, user="ops")
    engine.cancel(instance_id, user="ops", reason="withdrawn")
    assert engine.instance(instance_id).status == "cancelled"
    assert engine.task(review.id).status == "cancelled"
    assert engine.tasks(instance_id=instance_id) == []


def test_running_instance_migrates_to_a_new_version_after_preview(engine: Engine) -> None:
    instance_id = _start(engine, "MIG-1")
    changed = diagram_files(*SIMPLE)
    changed["simple.bpmn"] = changed["simple.bpmn"].replace(b"Follow up", b"Follow up quickly")
    engine.deploy(changed, name="simple", user="analyst")

    plan = engine.preview_migration(instance_id, 2)
    assert plan.possible and plan.removed_active == []
    migrated = engine.migrate(instance_id, 2, user="ops")
    assert migrated.version == 2
    [review] = fresh(engine).tasks(instance_id=instance_id)
    engine.complete(review.id, {"approved": False}, user="cw1")
    [followup] = engine.tasks(instance_id=instance_id)
    assert followup.name == "Follow up quickly"
    assert "instance_migrated" in [a.action for a in engine.audit(instance_id)]


def test_migration_refused_when_an_open_task_disappears(engine: Engine) -> None:
    instance_id = _start(engine, "MIG-2")
    changed = diagram_files(*SIMPLE)
    # Version 2 drops the review step: start goes straight to the notification.
    xml = changed["simple.bpmn"].decode()
    head, _, rest = xml.partition('<bpmn:userTask id="review"')
    _, _, tail = rest.partition("</bpmn:userTask>")
    xml = (head + tail).replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="notify"/>', ""
    )
    xml = (
        xml.replace('targetRef="review"', 'targetRef="notify"')
        .replace("<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", "")
        .replace(
            "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3",
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f3",
        )
    )
    changed["simple.bpmn"] = xml.encode()
    engine.deploy(changed, name="simple", user="analyst")
    assert engine.preview_migration(instance_id, 2).removed_active == ["review"]
    with pytest.raises(InvalidStateError, match="review"):
        engine.migrate(instance_id, 2, user="ops")
    assert engine.instance(instance_id).version == 1


def test_r06_private_keys_are_audited_without_their_values(make_engine: EngineFactory) -> None:
    engine = make_engine(audit_private_keys=("*notes*",))
    engine.init_db()
    instance_id = _start(engine, "PRIV-1")
    [review] = engine.tasks(instance_id=instance_id)
    engine.complete(review.id, {"approved": True, "notes": "the officer Jane Doe"}, user="cw1")
    [done] = [a for a in engine.audit(instance_id) if a.action == "task_completed"]
    assert done.detail["changes"]["notes"] == {"changed": True, "private": True}
    assert done.detail["changes"]["approved"]["after"] is True
    assert "Jane" not in str(engine.audit(instance_id))


def test_finding_8_the_bare_engine_knows_no_team_leader_and_no_laneless_worker(
    engine: Engine,
) -> None:
    """Without the application's rule (``task_access``) the engine is strict: a claim is
    released by its holder only, and a task in no lane is worked by no role."""
    engine.deploy(diagram_files(*SIMPLE), name="simple", user="analyst")
    instance = engine.start("simple", business_key="F8-E", data={"name": "A"}, user="cw1")
    [review] = engine.tasks(instance_id=instance.id)
    engine.claim(review.id, user="cw1", roles={"caseworker"})
    with pytest.raises(PermissionDeniedError):
        engine.release(review.id, user="tl1", roles={"team_leader"})
    assert engine.release(review.id, user="cw1", roles={"caseworker"}).assignee is None

    engine.deploy(script_diagram("laneless", "x = 1"), name="laneless", user="analyst")
    other = engine.start("laneless", business_key="F8-F", data={}, user="cw1")
    [after] = engine.tasks(instance_id=other.id)
    with pytest.raises(PermissionDeniedError, match="in no queue"):
        engine.complete(after.id, {}, user="cw1", roles={"caseworker", "team_leader"})
