"""Lanes name roles: every lane of every package is a role users can hold (ARCHITECTURE.md)."""

from __future__ import annotations

import pytest
from lxml import etree

from workflows.packages import PACKAGES, package_files
from workflows.roles import LANE_ROLES

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_lane_is_a_lane_role(package: str) -> None:
    lanes = {
        lane.get("name")
        for name, content in package_files(PACKAGES[package]).items()
        if name.endswith(".bpmn")
        for lane in etree.fromstring(content).iter(f"{BPMN}lane")
    }
    assert lanes, "a package with no lanes offers no work to anyone"
    assert lanes <= LANE_ROLES, f"lanes with no role: {sorted(lanes - LANE_ROLES)}"
