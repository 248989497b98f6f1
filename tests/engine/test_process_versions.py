"""A deployment bumps only the processes whose content changed; instances keep their release."""

from __future__ import annotations

from engine import Engine
from engine.catalogue import Catalogue

PARENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_parent" targetNamespace="http://redress.test/parent">
  <bpmn:process id="parent" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="call" name="Call the child" calledElement="child">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

CHILD = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_child" targetNamespace="http://redress.test/child">
  <bpmn:process id="child" isExecutable="true">
    <bpmn:startEvent id="cstart"><bpmn:outgoing>c1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="First wording">
      <bpmn:incoming>c1</bpmn:incoming><bpmn:outgoing>c2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="cend"><bpmn:incoming>c2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="c1" sourceRef="cstart" targetRef="work"/>
    <bpmn:sequenceFlow id="c2" sourceRef="work" targetRef="cend"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _package(child: bytes = CHILD) -> dict[str, bytes]:
    return {"parent.bpmn": PARENT, "child.bpmn": child}


def test_deploy_makes_a_new_version_only_of_the_changed_process(engine: Engine) -> None:
    first = engine.deploy(_package(), name="pkg", user="analyst1")
    assert first.processes == {"parent": 1, "child": 1}
    assert sorted(first.changed) == ["child", "parent"]
    old = engine.start("parent", business_key="OLD", user="cw1")

    second = engine.deploy(_package(CHILD.replace(b"First wording", b"Second wording")),
                           name="pkg", user="analyst2")
    assert second.processes == {"parent": 1, "child": 2}
    assert second.changed == ["child"]

    new = engine.start("parent", business_key="NEW", user="cw1")
    assert (old.version, new.version) == (1, 1)
    [old_task] = engine.tasks(instance_id=old.id)
    [new_task] = engine.tasks(instance_id=new.id)
    assert (old_task.name, new_task.name) == ("First wording", "Second wording")


def test_version_list_names_author_and_counts_running_instances(engine: Engine) -> None:
    engine.deploy(_package(), name="pkg", user="analyst1")
    engine.start("parent", business_key="A", user="cw1")
    engine.deploy(_package(CHILD.replace(b"First wording", b"Second wording")),
                  name="pkg", user="analyst2")
    engine.start("parent", business_key="B", user="cw1")
    engine.start("parent", business_key="C", user="cw1")
    engine.start("child", business_key="D", user="cw1")

    child = Catalogue(engine.db).versions("child")
    assert [(v.version, v.created_by, v.running) for v in child] == [
        (1, "analyst1", 1), (2, "analyst2", 3)]
    parent = Catalogue(engine.db).versions("parent")
    assert [(v.version, v.created_by, v.running) for v in parent] == [(1, "analyst1", 3)]


def test_redeploying_a_layout_identical_package_changes_no_version(engine: Engine) -> None:
    engine.deploy(_package(), name="pkg", user="analyst1")
    again = engine.deploy({**_package(), "notes.json": b'{"type": "object"}'},
                          name="pkg", user="analyst1")
    assert again.created and again.changed == []
    assert again.processes == {"parent": 1, "child": 1}


def test_a_changed_letter_template_is_a_new_version_of_the_process_that_names_it() -> None:
    from engine import safe_xml
    from engine.versions import process_hashes
    from workflows.packages import COMPLAINTS_PACKAGE, package_files

    files = package_files(COMPLAINTS_PACKAGE)
    bpmn = {n: safe_xml.parse_untrusted(c, n) for n, c in files.items() if n.endswith(".bpmn")}
    dmn = {n: safe_xml.parse_untrusted(c, n) for n, c in files.items() if n.endswith(".dmn")}
    before = process_hashes(files, bpmn, dmn)
    edited = {**files, "ACK_COMPLAINT.md.j2": files["ACK_COMPLAINT.md.j2"] + b"\nThank you."}
    after = process_hashes(edited, bpmn, dmn)
    assert [p for p in before if before[p] != after[p]] == ["complaint_resolution"]
