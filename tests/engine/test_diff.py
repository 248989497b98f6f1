"""diff_versions: elements added, removed and changed between two versions of a diagram."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diff import diff_versions
from engine.exceptions import DeploymentError

RESOLUTION = (Path(__file__).parents[2] / "bpmn" / "complaints" / "resolution.bpmn").read_bytes()


def test_identical_diagrams_have_no_differences() -> None:
    assert diff_versions(RESOLUTION, RESOLUTION) == {"added": [], "removed": [], "changed": []}


def test_moving_a_shape_is_not_a_change_of_behaviour() -> None:
    moved = RESOLUTION.replace(b'<dc:Bounds x="', b'<dc:Bounds x="1', 1)
    assert moved != RESOLUTION
    assert diff_versions(RESOLUTION, moved) == {"added": [], "removed": [], "changed": []}


def test_renamed_task_is_changed_and_a_removed_one_is_listed() -> None:
    renamed = RESOLUTION.replace(b'name="Open complaint resolution record"', b'name="Open it"')
    diff = diff_versions(RESOLUTION, renamed)
    assert [c["id"] for c in diff["changed"]] == ["rs_open"]
    back = diff_versions(renamed.replace(b'id="rs_open"', b'id="rs_open2"'), RESOLUTION)
    assert [a["id"] for a in back["added"]] == ["rs_open"]
    assert [r["id"] for r in back["removed"]] == ["rs_open2"]


def test_hostile_xml_is_refused() -> None:
    with pytest.raises(DeploymentError):
        diff_versions(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', RESOLUTION)


def test_default_attributes_and_child_order_are_not_changes() -> None:
    rewritten = RESOLUTION.replace(
        b'attachedToRef="rs_contact" cancelActivity="true">', b'attachedToRef="rs_contact">')
    assert rewritten != RESOLUTION
    assert diff_versions(RESOLUTION, rewritten)["changed"] == []


def test_adding_a_task_does_not_mark_its_whole_process_changed() -> None:
    added = RESOLUTION.replace(
        b'<bpmn:startEvent id="rs_start"',
        b'<bpmn:userTask id="rs_new" name="New"/><bpmn:startEvent id="rs_start"', 1)
    diff = diff_versions(RESOLUTION, added)
    assert [a["id"] for a in diff["added"]] == ["rs_new"]
    assert diff["changed"] == []
