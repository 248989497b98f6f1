"""docs/rules.md is generated from the diagrams and up to date; rules are read from DOMAIN.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workflows.policy import citations, domain_path, load_rules, rule_ids_in

ROOT = Path(__file__).resolve().parents[2]


def test_docs_rules_md_is_generated_from_the_current_diagrams() -> None:
    if not domain_path().is_file():
        pytest.skip("../shared/DOMAIN.md is not beside the project: rule texts unknown")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "rules_doc.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_r21_rule_text_and_paragraph_come_from_domain_md(tmp_path: Path) -> None:
    source = tmp_path / "DOMAIN.md"
    source.write_text("## Tier 1\n- R21 Aimed response deadline: 15 working days\n  from receipt.\n"
                      "- R22 Next.\n\n## Other\n- R30 Review.\n")
    rules = load_rules(source)
    assert rules["R21"].text == "Aimed response deadline: 15 working days from receipt."
    assert (rules["R21"].section, rules["R30"].section) == ("Tier 1", "Other")
    assert load_rules(tmp_path / "absent.md") == {}


def test_declared_rules_property_and_documented_ranges_are_citations() -> None:
    assert rule_ids_in("R19/R20: and R30-R32") == ["R30", "R31", "R32", "R19", "R20"]
    bpmn = b"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
      targetNamespace="x"><bpmn:process id="p" isExecutable="true">
      <bpmn:userTask id="t" name="T"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="rules" value="R21 R99"/></spiffworkflow:properties>
      </bpmn:extensionElements></bpmn:userTask></bpmn:process></bpmn:definitions>"""
    found = {(c.rule_id, c.element_id, c.declared) for c in citations({"p.bpmn": bpmn})}
    assert found == {("R21", "t", True), ("R99", "t", True)}
