"""Every path of a diagram, read from the BPMN file: the decisions taken and the letters sent.

A path runs from a start event (or an event subprocess's start) to an end event. Exclusive and
event-based gateways branch; a boundary event is a branch of its own; a parallel split takes
every branch to its join; a flow back to an element already on the path ends the path there
("back to …"). Call activities are steps: the called diagram's letters are on its own paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from lxml import etree

__all__ = ["DiagramPath", "diagram_paths"]

B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
S = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
_ACTIVITIES = {"userTask", "serviceTask", "scriptTask", "receiveTask", "sendTask", "task",
               "callActivity", "businessRuleTask", "manualTask", "subProcess"}


@dataclass(frozen=True)
class DiagramPath:
    process_id: str
    steps: tuple[str, ...]  # decisions and events, as a reader says them
    end: str  # the end event's name (or "back to …")
    letters: tuple[str, ...]  # letter codes sent on the path, in order

    @property
    def label(self) -> str:
        return " → ".join((*self.steps, self.end))


class _Graph:
    def __init__(self, process: etree._Element) -> None:
        self.nodes: dict[str, etree._Element] = {}
        self.flows: dict[str, etree._Element] = {}
        self.boundaries: dict[str, list[etree._Element]] = {}
        for el in process.iter():
            if not isinstance(el.tag, str) or el.get("id") is None:
                continue
            tag = etree.QName(el).localname
            if tag == "sequenceFlow":
                self.flows[el.get("id")] = el
            elif tag == "boundaryEvent":
                self.nodes[el.get("id")] = el
                self.boundaries.setdefault(el.get("attachedToRef"), []).append(el)
            else:
                self.nodes[el.get("id")] = el

    def tag(self, node: str) -> str:
        return etree.QName(self.nodes[node]).localname

    def outgoing(self, node: str) -> list[etree._Element]:
        return [f for f in self.flows.values() if f.get("sourceRef") == node]

    def incoming(self, node: str) -> list[etree._Element]:
        return [f for f in self.flows.values() if f.get("targetRef") == node]

    def name(self, node: str) -> str:
        return self.nodes[node].get("name") or node

    def letter(self, node: str) -> str | None:
        op = self.nodes[node].find(f".//{S}serviceTaskOperator")
        if op is None or op.get("id") != "letters.send":
            return None
        for p in op.iter(f"{S}parameter"):
            if p.get("id") == "letter_code":
                return str(p.get("value")).strip("'\"")
        return None


# A partial path: steps said, letters sent, where it ended ("end:<name>", "join:<id>", "loop").
_Part = tuple[tuple[str, ...], tuple[str, ...], str]


def _parallel(g: _Graph, node: str, seen: frozenset[str], depth: int) -> Iterator[_Part]:
    """A parallel split: every branch to the join, then on from the join."""
    branches = [list(_walk(g, f.get("targetRef"), seen, depth + 1)) for f in g.outgoing(node)]
    for combo in product(*branches):
        steps = tuple(s for part in combo for s in part[0])
        letters = tuple(c for part in combo for c in part[1])
        joins = sorted(part[2] for part in combo if part[2].startswith("join:"))
        if not joins:
            yield steps, letters, sorted(part[2] for part in combo)[0]
            continue
        for rest in _walk(g, joins[0].removeprefix("join:"), seen, depth):
            yield steps + rest[0], letters + rest[1], rest[2]


def _choices(g: _Graph, node: str) -> list[tuple[str, str]]:
    """(what is said of the choice, next node) for each way out of ``node``."""
    tag = g.tag(node)
    outs = g.outgoing(node)
    branching = tag in ("exclusiveGateway", "eventBasedGateway", "inclusiveGateway")
    choices = [(f"{g.name(node)}: {f.get('name') or 'otherwise'}"
                if branching and len(outs) > 1 else "", f.get("targetRef")) for f in outs]
    if tag in _ACTIVITIES:
        choices += [(f"⏱ {b.get('name') or b.get('id')}", b.get("id"))
                    for b in g.boundaries.get(node, [])]
    return choices


def _walk(g: _Graph, node: str, seen: frozenset[str], depth: int) -> Iterator[_Part]:
    tag = g.tag(node)
    if tag == "parallelGateway" and len(g.incoming(node)) > 1 and depth > 0:
        yield (), (), f"join:{node}"
        return
    seen = seen | {node}
    code = g.letter(node)
    here_letters: tuple[str, ...] = (code,) if code else ()
    here_steps: tuple[str, ...] = (f"[{g.name(node)}]",) if tag == "callActivity" else ()
    if tag == "endEvent":
        yield here_steps, here_letters, f"end:{g.name(node)}"
        return
    if tag == "parallelGateway" and len(g.outgoing(node)) > 1:
        yield from _parallel(g, node, seen, depth)
        return
    for said, target in _choices(g, node):
        step = (said,) if said else ()
        if target in seen:
            yield here_steps + step, here_letters, f"back to {g.name(target)}"
            continue
        for rest in _walk(g, target, seen, depth):
            yield here_steps + step + rest[0], here_letters + rest[1], rest[2]


def diagram_paths(path: Path) -> list[DiagramPath]:
    """Every path of every executable process in the BPMN file at ``path``."""
    root = etree.parse(str(path)).getroot()
    found: list[DiagramPath] = []
    for process in root.iter(f"{B}process"):
        g = _Graph(process)
        containers = [process, *process.iter(f"{B}subProcess")]
        for container in containers:
            for start in container.findall(f"{B}startEvent"):
                for steps, letters, end in _walk(g, start.get("id"), frozenset(), 0):
                    if container is not process:
                        steps = (f"[{container.get('name')}]", *steps)
                    found.append(DiagramPath(process.get("id"), steps,
                                             end.removeprefix("end:"), letters))
    return found
