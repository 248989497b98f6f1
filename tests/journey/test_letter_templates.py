"""Letter wording is the package's: an analyst edits a template file and deploys, no Python."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import DeploymentError, Engine, SimulatedClock
from tests.journey.driver import CLIENT, Case
from workflows.packages import BPMN_ROOT, CSA_PACKAGE, package_files

OLD = "We have looked into it and this is our reply."
NEW = "We have now finished looking into your complaint, and this letter is our answer."


def _csa_case(engine: Engine, clock: SimulatedClock, key: str) -> Case:
    inst = engine.start("csa_complaint", business_key=key, user="postroom",
                        data={"received_date": "2026-03-27", "division": "scotland",
                              "client": CLIENT})
    case = Case(engine, clock, inst.id, key)
    case.complete("cs_log", {"complaint_details": "Arrears wrong.", "received_in_writing": True})
    return case.complete("cs_s1_reply", {"outcome": "not_upheld",
                                         "reply_summary": "Your arrears are right."})


def _edited_csa_package(tmp_path: Path, old: str, new: str) -> dict[str, bytes]:
    root = tmp_path / "bpmn"
    shutil.copytree(BPMN_ROOT, root)
    template = root / "csa" / "letters" / "CSA_STAGE_REPLY.md.j2"
    text = template.read_text(encoding="utf-8")
    assert old in text
    template.write_text(text.replace(old, new), encoding="utf-8")
    return package_files(CSA_PACKAGE, root)


def test_analyst_changes_a_csa_letter_sentence_and_the_next_letter_carries_it(
        engine: Engine, clock: SimulatedClock, tmp_path: Path) -> None:
    first = _csa_case(engine, clock, "CSA-0101")
    sent = first.engine.documents(first.instance_id)
    before = {d.id: engine.document_content(d.id) for d in sent}
    assert OLD in first.letter_text("CSA_STAGE_REPLY")

    engine.deploy(_edited_csa_package(tmp_path, OLD, NEW), name="csa-legacy", user="analyst")

    second = _csa_case(engine, clock, "CSA-0102")
    text = second.letter_text("CSA_STAGE_REPLY")
    assert NEW in text and OLD not in text
    assert "Dear Ms Example" in text and "CSA-0102" in text
    # Letters already sent stay exactly as they were.
    assert {d.id: engine.document_content(d.id) for d in sent} == before
    assert OLD in first.letter_text("CSA_STAGE_REPLY")


def test_template_naming_a_field_no_case_has_is_refused_at_deploy_with_the_field_named(
        engine: Engine, tmp_path: Path) -> None:
    files = _edited_csa_package(tmp_path, OLD, "We looked at {{ client.shoe_size }}.")
    with pytest.raises(DeploymentError, match=r"CSA_STAGE_REPLY\.md\.j2: refers to field "
                                              r"'client\.shoe_size', which no case has"):
        engine.deploy(files, name="csa-legacy", user="analyst")
    files = _edited_csa_package(tmp_path / "2", OLD, "Dear {{ nickname }}.")
    with pytest.raises(DeploymentError, match="refers to field 'nickname', which no case has"):
        engine.deploy(files, name="csa-legacy", user="analyst")


def test_diagram_sending_a_letter_with_no_template_is_refused_at_deploy(
        engine: Engine, tmp_path: Path) -> None:
    files = package_files(CSA_PACKAGE)
    del files["CSA_STAGE_REPLY.md.j2"]
    with pytest.raises(DeploymentError, match="cs_s1_letter sends letter CSA_STAGE_REPLY, but "
                                              "the package has no letter template"):
        engine.deploy(files, name="csa-legacy", user="analyst")


def test_template_that_does_not_parse_is_refused_at_deploy_with_its_line(
        engine: Engine, tmp_path: Path) -> None:
    files = _edited_csa_package(tmp_path, OLD, "{% if outcome %}unclosed")
    with pytest.raises(DeploymentError, match=r"CSA_STAGE_REPLY\.md\.j2 line \d+"):
        engine.deploy(files, name="csa-legacy", user="analyst")


def test_template_reaching_for_python_internals_is_refused_at_deploy(
        engine: Engine, tmp_path: Path) -> None:
    files = _edited_csa_package(tmp_path, OLD, "{{ reference.__class__.__mro__ }}")
    with pytest.raises(DeploymentError, match="may not read private attributes"):
        engine.deploy(files, name="csa-legacy", user="analyst")
