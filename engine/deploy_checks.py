"""Deploy-time checks that refuse a package which would hang, crash or leak when it runs.

Each check gives one line that names the file and the element, so an analyst can fix it:

* :func:`check_call_cycles` — a call activity that calls its own process (directly or through
  other diagrams) would start process after process without end inside one step;
* :func:`check_sequence_length` — SpiffWorkflow's parser recurses once per element along a
  sequence, so a very long unbroken chain of tasks would end in a ``RecursionError``;
* :func:`check_lanes` — in a package that uses lanes, a user task in no lane (or in a lane
  without a name) would be offered to every role of every department;
* :func:`check_dmn_cells` — SpiffWorkflow rewrites each ``?`` of a DMN cell with a regular
  expression whose cost grows with the square of the cell, so cells are bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from engine.exceptions import DeploymentError

__all__ = [
    "MAX_DMN_CELL",
    "MAX_DMN_QUESTION_MARKS",
    "MAX_SEQUENCE",
    "check_call_cycles",
    "check_dmn_cells",
    "check_lanes",
    "check_sequence_length",
]

BPMN_NS: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS: Final = {"bpmn": BPMN_NS}
#: Elements one after another in one process; the parser's recursion gives out near 450.
MAX_SEQUENCE: Final = 300
MAX_DMN_CELL: Final = 1000
MAX_DMN_QUESTION_MARKS: Final = 8


def check_call_cycles(specs: Mapping[str, Any], subprocess_specs: Mapping[str, Any]) -> None:
    """Refuse call activities (and subprocesses) that lead back to their own process.

    Raises:
        DeploymentError: "call activities form a cycle: a → b → a".
    """
    calls: dict[str, list[str]] = {}
    for spec in [*specs.values(), *_flatten(subprocess_specs)]:
        calls.setdefault(spec.name, [])
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask):
                calls[spec.name].append(task_spec.spec)
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    for root in sorted(calls):
        if root in state:
            continue
        path, stack = [root], [iter(calls[root])]
        state[root] = "open"
        while stack:
            callee = next(stack[-1], None)
            if callee is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(callee) == "open":
                cycle = [*path[path.index(callee):], callee]
                raise DeploymentError(
                    f"call activities form a cycle: {' → '.join(cycle)}; a process may not "
                    "call itself, directly or through other diagrams"
                )
            elif callee not in state:
                state[callee] = "open"
                path.append(callee)
                stack.append(iter(calls.get(callee, [])))


def _flatten(subprocess_specs: Mapping[str, Any]) -> Iterable[Any]:
    for value in subprocess_specs.values():
        if isinstance(value, Mapping):
            yield from _flatten(value)
        else:
            yield value


def check_sequence_length(root: etree._Element, filename: str) -> None:
    """Refuse a process whose elements follow each other in a run longer than MAX_SEQUENCE.

    Raises:
        DeploymentError: naming the process, the run's length and the limit.
    """
    for process in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
        targets: dict[str, list[str]] = {}
        for flow in process.findall("bpmn:sequenceFlow", _NS):
            targets.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
        # Depth-first from each start, as the parser walks: the deepest point is its recursion.
        seen: set[str] = set()
        deepest = 0
        for start in process.findall("bpmn:startEvent", _NS):
            stack = [(start.get("id", ""), 1)]
            while stack:
                node, depth = stack.pop()
                if node in seen:
                    continue
                seen.add(node)
                deepest = max(deepest, depth)
                stack.extend((target, depth + 1) for target in targets.get(node, []))
        if deepest > MAX_SEQUENCE:
            raise DeploymentError(
                f"{filename}: process {process.get('id')!r} has a run of {deepest} elements "
                f"one after another; the limit is {MAX_SEQUENCE}: move part of it into a "
                "subprocess or a called diagram"
            )


def check_lanes(bpmn: Mapping[str, etree._Element]) -> None:
    """In a package that uses lanes, every user task must be in a lane that names a role.

    Raises:
        DeploymentError: "file: user task 'X' (id) is in no lane".
    """
    processes = [
        (name, process) for name, root in bpmn.items()
        for process in root.iter(f"{{{BPMN_NS}}}process")
    ]
    if not any(process.find(".//bpmn:lane", _NS) is not None for _, process in processes):
        return
    for name, process in processes:
        in_lane: set[str] = set()
        for lane in process.iter(f"{{{BPMN_NS}}}lane"):
            refs = {(ref.text or "").strip() for ref in lane.findall("bpmn:flowNodeRef", _NS)}
            if not (lane.get("name") or "").strip() and refs:
                raise DeploymentError(
                    f"{name}: lane {lane.get('id')!r} has no name; a lane names the role "
                    "whose queue gets its tasks"
                )
            in_lane |= refs
        for task in process.iter(f"{{{BPMN_NS}}}userTask"):
            # A task inside a subprocess takes the lane of the subprocess, as in SpiffWorkflow.
            enclosing = {task.get("id")} | {a.get("id") for a in task.iterancestors()}
            if not enclosing & in_lane:
                label = " ".join((task.get("name") or "").split())
                shown = f"{label!r} ({task.get('id')})" if label else repr(task.get("id"))
                raise DeploymentError(
                    f"{name}: user task {shown} is in no lane; put it in the lane of the "
                    "role that should do it"
                )


def check_dmn_cells(root: etree._Element, filename: str) -> None:
    """Refuse DMN cells longer than MAX_DMN_CELL or with more than a few ``?``.

    Raises:
        DeploymentError: naming the file, the rule and the limit.
    """
    dmn_ns = root.nsmap.get(None) or root.nsmap.get("dmn") or ""
    for text in root.iter(f"{{{dmn_ns}}}text"):
        cell = text.text or ""
        too_long = len(cell) > MAX_DMN_CELL
        if too_long or cell.count("?") > MAX_DMN_QUESTION_MARKS:
            owner = text.getparent()
            rule = owner.getparent() if owner is not None else None
            where = (rule.get("id") if rule is not None else None) or "a cell"
            limit = (
                f"{len(cell)} characters long; the limit is {MAX_DMN_CELL}" if too_long
                else f"{cell.count('?')} '?'; the limit is {MAX_DMN_QUESTION_MARKS}"
            )
            raise DeploymentError(f"{filename}: a cell of {where!r} is {limit}")
