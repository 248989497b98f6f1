"""Try a decision table: which rule hits for some inputs, and what it outputs.

The modeller's "try it" panel asks this. It evaluates the table with the engine's own DMN engine
and sandboxed script engine, exactly as a business rule task would, on a throw-away workflow
that never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import safe_xml
from engine.exceptions import DeploymentError
from engine.spiff import _Parser  # the parser class deployments use

__all__ = ["DecisionTry", "try_decision"]

_HOLDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_try" targetNamespace="https://redress.example/try">
  <bpmn:process id="decision_try" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:manualTask id="hold"><bpmn:incoming>f1</bpmn:incoming></bpmn:manualTask>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="hold"/>
  </bpmn:process>
</bpmn:definitions>"""


@dataclass(frozen=True)
class DecisionTry:
    """The first rule that hits (table row number and id, 1-based), its outputs, all hits."""

    rule_id: str | None
    row: int | None
    description: str
    outputs: dict[str, Any]
    hits: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)


def try_decision(
    script_engine: Any,
    dmn_files: Mapping[str, bytes],
    decision_id: str,
    inputs: Mapping[str, Any],
) -> DecisionTry:
    """Evaluate ``decision_id`` on ``inputs``; inputs the table reads but were not given are None.

    Raises:
        DeploymentError: a file is not a safe DMN, or no such decision, or a rule fails.
    """
    parser = _Parser()
    try:
        for name, content in dmn_files.items():
            parser.add_dmn_xml(safe_xml.parse_untrusted(content, name), filename=name)
        dmn_engine = parser.get_engine(decision_id, None)
        parser.add_bpmn_xml(safe_xml.parse_untrusted(_HOLDER, "try.bpmn"), filename="try.bpmn")
        workflow = BpmnWorkflow(parser.get_spec("decision_try"), script_engine=script_engine)
        workflow.do_engine_steps()
        [task] = workflow.get_tasks(state=TaskState.READY)
        table = dmn_engine.decision_table
        names = [str(i.expression) for i in table.inputs]
        task.data = {**{n: None for n in names if n.isidentifier()}, **dict(inputs)}
        hits = dmn_engine.decide(task)
        outputs = dmn_engine.result(task)
    except DeploymentError:
        raise
    except SpiffWorkflowException as exc:
        raise DeploymentError(f"decision {decision_id!r}: {str(exc).splitlines()[0]}") from exc
    if not hits:
        return DecisionTry(None, None, "", {}, [], names)
    first = hits[0]
    return DecisionTry(first.id, first.row_number, first.description or "", dict(outputs),
                       [h.id for h in hits], names)
