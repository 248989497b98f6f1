"""Write SpiffWorkflow-ready BPMN 2.0 with a grid layout (DI) from a compact description.

A bootstrap tool for analysts' diagrams: describe lanes (role ids), nodes on a grid of lane rows
and columns, and sequence flows; get one pool with horizontal lanes, shapes on the grid and
orthogonal edges with waypoints. The written ``.bpmn`` files are the product: open them in a
BPMN modeller and edit them there; running the tool again overwrites them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "spiffworkflow": SPIFF, "xsi": XSI}

COL_W = 150  # one grid column
ROW_H = 120  # one row inside a lane
POOL_X = 160
HEADER = 30  # pool and lane label bands
LANE_PAD = 15
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
TASK_TAGS = {"userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
             "receiveTask", "manualTask", "subProcess"}
EVENT_TAGS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
              "boundaryEvent"}


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str
    col: float
    row: float
    spec: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # x, y, w, h

    @property
    def kind(self) -> str:
        if self.tag in EVENT_TAGS:
            return "event"
        if self.tag.endswith("Gateway"):
            return "gateway"
        return "task"

    @property
    def cx(self) -> float:
        return self.box[0] + self.box[2] / 2

    @property
    def cy(self) -> float:
        return self.box[1] + self.box[3] / 2

    @property
    def left(self) -> float:
        return self.box[0]

    @property
    def right(self) -> float:
        return self.box[0] + self.box[2]

    @property
    def top(self) -> float:
        return self.box[1]

    @property
    def bottom(self) -> float:
        return self.box[1] + self.box[3]


Point = tuple[float, float]
Via = list[Point] | Callable[[], list[Point]]  # a callable is read when edges are routed


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    via: Via | None = None
    points: list[tuple[float, float]] = field(default_factory=list)


class Diagram:
    """One process in one pool; lanes top to bottom as ``(role_id, rows)``."""

    def __init__(self, process_id: str, name: str, lanes: list[tuple[str, int]],
                 pool: str, doc: str = "") -> None:
        self.process_id = process_id
        self.name = name
        self.pool = pool
        self.doc = doc
        self.lanes = lanes
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.messages: dict[str, str] = {}
        self.subprocesses: dict[str, tuple[str, float, float, float, float]] = {}
        self.lane_top: dict[str, float] = {}
        y = 80.0
        for lane, rows in lanes:
            self.lane_top[lane] = y
            y += rows * ROW_H + 2 * LANE_PAD
        self.bottom = y
        self.width = 0.0

    # -- geometry -------------------------------------------------------------------------

    def center(self, lane: str, col: float, row: float) -> tuple[float, float]:
        x = POOL_X + 2 * HEADER + 20 + col * COL_W + 50
        y = self.lane_top[lane] + LANE_PAD + row * ROW_H + ROW_H / 2
        return x, y

    def _place(self, node: Node) -> None:
        cx, cy = self.center(node.lane, node.col, node.row)
        w, h = SIZES[node.kind]
        node.box = (cx - w / 2, cy - h / 2, w, h)
        self.width = max(self.width, cx + 100)

    # -- nodes ----------------------------------------------------------------------------

    def _add(self, tag: str, id: str, name: str, lane: str, col: float, row: float,
             parent: str | None = None, **spec: Any) -> str:
        if id in self.nodes:
            raise ValueError(f"duplicate id {id}")
        node = Node(id, tag, name, lane, col, row, spec, parent)
        self._place(node)
        self.nodes[id] = node
        return id

    def start(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
              message: str | None = None, var: str | None = None, interrupting: bool = True,
              parent: str | None = None, doc: str = "") -> str:
        return self._add("startEvent", id, name, lane, col, row, parent, message=message,
                         var=var, interrupting=interrupting, doc=doc)

    def end(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
            terminate: bool = False, parent: str | None = None, doc: str = "") -> str:
        return self._add("endEvent", id, name, lane, col, row, parent, terminate=terminate,
                         doc=doc)

    def user(self, id: str, name: str, lane: str, col: float, row: float = 0, *, form: str,
             pre: str | None = None, post: str | None = None, due: str | None = None,
             doc: str = "", parent: str | None = None) -> str:
        return self._add("userTask", id, name, lane, col, row, parent, form=form, pre=pre,
                         post=post, due=due, doc=doc)

    def script(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
               script: str, doc: str = "", parent: str | None = None) -> str:
        return self._add("scriptTask", id, name, lane, col, row, parent, script=script, doc=doc)

    def service(self, id: str, name: str, lane: str, col: float, row: float = 0, *, op: str,
                params: dict[str, str] | None = None, doc: str = "",
                parent: str | None = None) -> str:
        return self._add("serviceTask", id, name, lane, col, row, parent, op=op,
                         params=params or {}, doc=doc)

    def letter(self, id: str, code: str, lane: str, col: float, row: float = 0, *,
               name: str | None = None, doc: str = "", **params: str) -> str:
        """A ``letters.send`` service task for one letter code."""
        return self.service(id, name or f"Send {code}", lane, col, row, op="letters.send",
                            params={"letter_code": repr(code), **params}, doc=doc)

    def rule(self, id: str, name: str, lane: str, col: float, row: float = 0, *, decision: str,
             doc: str = "") -> str:
        return self._add("businessRuleTask", id, name, lane, col, row, decision=decision,
                         doc=doc)

    def call(self, id: str, name: str, lane: str, col: float, row: float = 0, *, called: str,
             doc: str = "") -> str:
        return self._add("callActivity", id, name, lane, col, row, called=called, doc=doc)

    def xor(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
            default: str | None = None, doc: str = "", parent: str | None = None) -> str:
        return self._add("exclusiveGateway", id, name, lane, col, row, parent, default=default,
                         doc=doc)

    def par(self, id: str, name: str, lane: str, col: float, row: float = 0) -> str:
        return self._add("parallelGateway", id, name, lane, col, row)

    def evgw(self, id: str, name: str, lane: str, col: float, row: float = 0) -> str:
        return self._add("eventBasedGateway", id, name, lane, col, row)

    def catch_message(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
                      message: str, var: str | None = None, doc: str = "") -> str:
        return self._add("intermediateCatchEvent", id, name, lane, col, row, message=message,
                         var=var, doc=doc)

    def catch_timer(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
                    duration: str | None = None, date: str | None = None, doc: str = "") -> str:
        return self._add("intermediateCatchEvent", id, name, lane, col, row, duration=duration,
                         date=date, doc=doc)

    def receive(self, id: str, name: str, lane: str, col: float, row: float = 0, *,
                message: str, var: str | None = None, pre: str | None = None,
                doc: str = "") -> str:
        """A receive task: waits for a message and can carry boundary events."""
        return self._add("receiveTask", id, name, lane, col, row, message=message, var=var,
                         pre=pre, doc=doc)

    def boundary_timer(self, id: str, name: str, attached: str, *, date: str | None = None,
                       duration: str | None = None, interrupting: bool = False,
                       side: int = 1, doc: str = "") -> str:
        return self._boundary(id, name, attached, side, interrupting=interrupting, date=date,
                              duration=duration, doc=doc)

    def boundary_message(self, id: str, name: str, attached: str, *, message: str,
                         var: str | None = None, interrupting: bool = False, side: int = 1,
                         doc: str = "") -> str:
        return self._boundary(id, name, attached, side, interrupting=interrupting,
                              message=message, var=var, doc=doc)

    def _boundary(self, id: str, name: str, attached: str, side: int, **spec: Any) -> str:
        host = self.nodes[attached]
        node = Node(id, "boundaryEvent", name, host.lane, host.col, host.row,
                    {**spec, "attached": attached}, host.parent)
        bx = host.cx + 28 * side
        node.box = (bx - 18, host.bottom - 18, 36, 36)
        self.nodes[id] = node
        return id

    def event_subprocess(self, id: str, name: str, lane: str, cols: tuple[float, float],
                         rows: tuple[float, float] = (0, 0), doc: str = "") -> str:
        """An expanded event subprocess box over grid cells; children use ``parent=id``."""
        x0, y0 = self.center(lane, cols[0], rows[0])
        x1, y1 = self.center(lane, cols[1], rows[1])
        node = Node(id, "subProcess", name, lane, cols[0], rows[0], {"doc": doc})
        node.box = (x0 - 75, y0 - ROW_H / 2 + 6, x1 - x0 + 150, y1 - y0 + ROW_H - 12)
        self.nodes[id] = node
        return id

    def shift(self, after: float, by: float = 1) -> None:
        """Move every node at column ``after`` or later ``by`` columns (before adding flows)."""
        for node in self.nodes.values():
            if node.tag in ("boundaryEvent", "subProcess") or node.col < after:
                continue
            node.col += by
            self._place(node)
        for node in self.nodes.values():
            if node.tag == "boundaryEvent":
                host = self.nodes[node.spec["attached"]]
                side = 1 if node.cx >= host.cx else -1
                node.col, node.row = host.col, host.row
                node.box = (host.cx + 28 * side - 18, host.bottom - 18, 36, 36)

    # -- flows ----------------------------------------------------------------------------

    def flow(self, source: str, target: str, name: str = "", *, cond: str | None = None,
             via: Via | None = None, id: str | None = None,
             default: bool = False) -> str:
        fid = id or f"f_{source}__{target}"
        self.flows.append(Flow(fid, source, target, name, cond, via))
        self.nodes[source].outgoing.append(fid)
        self.nodes[target].incoming.append(fid)
        if default:
            self.nodes[source].spec["default"] = fid
        return fid

    def chain(self, *ids: str) -> None:
        for a, b in itertools.pairwise(ids):
            self.flow(a, b)

    def message(self, name: str) -> str:
        self.messages.setdefault(name, f"msg_{name}")
        return self.messages[name]

    # -- routing --------------------------------------------------------------------------

    def _route(self, f: Flow) -> list[tuple[float, float]]:
        s, t = self.nodes[f.source], self.nodes[f.target]
        if f.via:
            return self._via(s, t, f.via() if callable(f.via) else f.via)
        if s.tag == "boundaryEvent":
            if t.cy > s.cy + 1:
                return [(s.cx, s.bottom), (s.cx, t.cy), (t.left, t.cy)] if t.left > s.cx else \
                    [(s.cx, s.bottom), (s.cx, t.top)]
            return [(s.cx, s.bottom), (s.cx, s.bottom + 12), (t.cx, s.bottom + 12),
                    (t.cx, t.bottom)]
        if abs(s.cy - t.cy) < 1 and t.left >= s.right:
            return [(s.right, s.cy), (t.left, t.cy)]
        if abs(s.cx - t.cx) < 1:
            return [(s.cx, s.bottom), (t.cx, t.top)] if t.cy > s.cy else \
                [(s.cx, s.top), (t.cx, t.bottom)]
        if t.cx > s.cx:
            if s.kind == "gateway" and s.outgoing[1:]:
                y0 = s.bottom if t.cy > s.cy else s.top
                return [(s.cx, y0), (s.cx, t.cy), (t.left, t.cy)]
            if t.kind == "gateway":
                y1 = t.top if s.cy < t.cy else t.bottom
                return [(s.right, s.cy), (t.cx, s.cy), (t.cx, y1)]
            mx = t.left - 25
            return [(s.right, s.cy), (mx, s.cy), (mx, t.cy), (t.left, t.cy)]
        # backwards: under both shapes
        y = max(s.bottom, t.bottom) + 25
        return [(s.cx, s.bottom), (s.cx, y), (t.cx, y), (t.cx, t.bottom)]

    @staticmethod
    def _anchor(n: Node, toward: tuple[float, float]) -> tuple[float, float]:
        x, y = toward
        if abs(x - n.cx) < 1:
            return (n.cx, n.bottom) if y > n.cy else (n.cx, n.top)
        if abs(y - n.cy) < 1:
            return (n.right, n.cy) if x > n.cx else (n.left, n.cy)
        return (n.right, n.cy) if x > n.right else (n.left, n.cy) if x < n.left else \
            ((n.cx, n.bottom) if y > n.cy else (n.cx, n.top))

    def _via(self, s: Node, t: Node, via: list[tuple[float, float]]) -> list[tuple[float, float]]:
        pts = [self._anchor(s, via[0]), *via, self._anchor(t, via[-1])]
        return pts

    # -- XML ------------------------------------------------------------------------------

    def xml(self) -> bytes:
        root = etree.Element(q(BPMN, "definitions"), nsmap=NSMAP)
        root.set("id", f"defs_{self.process_id}")
        root.set("targetNamespace", f"https://redress.example/bpmn/{self.process_id}")
        root.set("exporter", "redress bpmngen")
        root.set("exporterVersion", "1")
        collab = etree.SubElement(root, q(BPMN, "collaboration"), id=f"collab_{self.process_id}")
        etree.SubElement(collab, q(BPMN, "participant"), id=f"pool_{self.process_id}",
                         name=self.pool, processRef=self.process_id)
        for node in self.nodes.values():
            if node.spec.get("message"):
                self.message(node.spec["message"])
        for name, mid in sorted(self.messages.items()):
            etree.SubElement(root, q(BPMN, "message"), id=mid, name=name)
        proc = etree.SubElement(root, q(BPMN, "process"), id=self.process_id, name=self.name,
                                isExecutable="true")
        if self.doc:
            etree.SubElement(proc, q(BPMN, "documentation")).text = self.doc
        self._lanes_xml(proc)
        containers = {None: proc}
        for node in self.nodes.values():
            if node.tag == "subProcess":
                containers[node.id] = self._node_xml(proc, node)
        for node in self.nodes.values():
            if node.tag != "subProcess":
                self._node_xml(containers[node.parent], node)
        for f in self.flows:
            self._flow_xml(containers[self.nodes[f.source].parent], f)
        self._di(root)
        etree.indent(root, space="  ")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def _lanes_xml(self, proc: etree._Element) -> None:
        lane_set = etree.SubElement(proc, q(BPMN, "laneSet"), id=f"lanes_{self.process_id}")
        for lane, _ in self.lanes:
            el = etree.SubElement(lane_set, q(BPMN, "lane"), id=f"lane_{lane}", name=lane)
            for node in self.nodes.values():
                if node.lane == lane and node.parent is None:
                    etree.SubElement(el, q(BPMN, "flowNodeRef")).text = node.id

    @staticmethod
    def _flow_xml(parent: etree._Element, f: Flow) -> None:
        el = etree.SubElement(parent, q(BPMN, "sequenceFlow"), id=f.id, sourceRef=f.source,
                              targetRef=f.target)
        if f.name:
            el.set("name", f.name)
        if f.condition:
            cond = etree.SubElement(el, q(BPMN, "conditionExpression"))
            cond.set(q(XSI, "type"), "bpmn:tFormalExpression")
            cond.text = f.condition

    def _node_xml(self, parent: etree._Element, n: Node) -> etree._Element:
        el = etree.SubElement(parent, q(BPMN, n.tag), id=n.id)
        if n.name:
            el.set("name", n.name)
        sp = n.spec
        if sp.get("doc"):
            etree.SubElement(el, q(BPMN, "documentation")).text = sp["doc"]
        self._extensions(el, n)
        for fid in n.incoming:
            etree.SubElement(el, q(BPMN, "incoming")).text = fid
        for fid in n.outgoing:
            etree.SubElement(el, q(BPMN, "outgoing")).text = fid
        attrs = {
            "default": sp.get("default"),
            "calledElement": sp.get("called"),
            "triggeredByEvent": "true" if n.tag == "subProcess" else None,
            "attachedToRef": sp.get("attached"),
            "cancelActivity": _bool(sp["interrupting"]) if n.tag == "boundaryEvent" else None,
            "isInterrupting": _bool(sp["interrupting"]) if n.tag == "startEvent"
            and sp.get("message") else None,
            "messageRef": self.message(sp["message"]) if n.tag == "receiveTask" else None,
            "scriptFormat": "python" if n.tag == "scriptTask" else None,
        }
        for key, value in attrs.items():
            if value is not None:
                el.set(key, value)
        if n.tag == "scriptTask":
            etree.SubElement(el, q(BPMN, "script")).text = sp["script"].strip()
        elif n.tag != "receiveTask":
            self._event_definitions(el, sp)
        return el

    def _event_definitions(self, el: etree._Element, sp: dict[str, Any]) -> None:
        if sp.get("terminate"):
            etree.SubElement(el, q(BPMN, "terminateEventDefinition"))
        if sp.get("message"):
            md = etree.SubElement(el, q(BPMN, "messageEventDefinition"),
                                  messageRef=self.message(sp["message"]))
            if sp.get("var"):
                ext = etree.SubElement(md, q(BPMN, "extensionElements"))
                etree.SubElement(ext, q(SPIFF, "messageVariable")).text = sp["var"]
        if sp.get("date") or sp.get("duration"):
            td = etree.SubElement(el, q(BPMN, "timerEventDefinition"))
            kind = "timeDate" if sp.get("date") else "timeDuration"
            expr = etree.SubElement(td, q(BPMN, kind))
            expr.set(q(XSI, "type"), "bpmn:tFormalExpression")
            expr.text = sp.get("date") or sp.get("duration")

    @staticmethod
    def _extensions(el: etree._Element, n: Node) -> None:
        sp = n.spec
        items: list[etree._Element] = []
        if n.tag == "userTask":
            props = etree.Element(q(SPIFF, "properties"))
            etree.SubElement(props, q(SPIFF, "property"), name="formJsonSchemaFilename",
                             value=sp["form"])
            if sp.get("due"):
                etree.SubElement(props, q(SPIFF, "property"), name="dueDateExpression",
                                 value=sp["due"])
            items.append(props)
        for key, tag in (("pre", "preScript"), ("post", "postScript")):
            if sp.get(key):
                script = etree.Element(q(SPIFF, tag))
                script.text = sp[key].strip()
                items.append(script)
        if n.tag == "serviceTask":
            op = etree.Element(q(SPIFF, "serviceTaskOperator"), id=sp["op"], resultVariable="")
            params = etree.SubElement(op, q(SPIFF, "parameters"))
            for key, value in sp["params"].items():
                kind = "str" if value[:1] in "'\"" else "bool" if value in ("True", "False") \
                    else "any"
                etree.SubElement(params, q(SPIFF, "parameter"), id=key, type=kind, value=value)
            items.append(op)
        if n.tag == "receiveTask" and sp.get("var"):
            var = etree.Element(q(SPIFF, "messageVariable"))
            var.text = sp["var"]
            items.append(var)
        if n.tag == "businessRuleTask":
            dec = etree.Element(q(SPIFF, "calledDecisionId"))
            dec.text = sp["decision"]
            items.append(dec)
        if items:
            ext = etree.SubElement(el, q(BPMN, "extensionElements"))
            for item in items:
                ext.append(item)

    def _di(self, root: etree._Element) -> None:
        dia = etree.SubElement(root, q(BPMNDI, "BPMNDiagram"), id=f"dia_{self.process_id}")
        plane = etree.SubElement(dia, q(BPMNDI, "BPMNPlane"), id=f"plane_{self.process_id}",
                                 bpmnElement=f"collab_{self.process_id}")
        width = self.width + 60 - POOL_X
        top = self.lane_top[self.lanes[0][0]]
        _shape(plane, f"pool_{self.process_id}", (POOL_X, top, width, self.bottom - top),
               horizontal=True)
        for lane, rows in self.lanes:
            _shape(plane, f"lane_{lane}", (POOL_X + HEADER, self.lane_top[lane], width - HEADER,
                                           rows * ROW_H + 2 * LANE_PAD), horizontal=True)
        for n in self.nodes.values():
            shape = _shape(plane, n.id, n.box, expanded=n.tag == "subProcess" or None)
            if n.kind in ("event", "gateway") and n.name:
                lw, lx, ly = 100.0, n.cx - 50, n.bottom + 4
                if n.tag == "boundaryEvent":
                    host = self.nodes[n.spec["attached"]]
                    lx = n.right + 2 if n.cx > host.cx else n.left - lw - 2
                    ly = n.bottom - 6
                label = etree.SubElement(shape, q(BPMNDI, "BPMNLabel"))
                _bounds(label, (lx, ly, lw, 27))
        for f in self.flows:
            f.points = self._route(f)
            edge = etree.SubElement(plane, q(BPMNDI, "BPMNEdge"), id=f"{f.id}_di",
                                    bpmnElement=f.id)
            for x, y in f.points:
                etree.SubElement(edge, q(DI, "waypoint"), x=_n(x), y=_n(y))
            if f.name:
                (x0, y0), (x1, y1) = f.points[0], f.points[1]
                if abs(x0 - x1) < 1 and len(f.points) > 2:  # vertical first: at the bend
                    box = (x1 + 6, y1 - 17, 110, 14)
                elif abs(x0 - x1) < 1:
                    box = (x0 + 4, (y0 + y1) / 2 - 7, 110, 14)
                else:
                    box = (min(x0, x1) + 4, y0 - 17, 110, 14)
                label = etree.SubElement(edge, q(BPMNDI, "BPMNLabel"))
                _bounds(label, box)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _n(v: float) -> str:
    return str(round(v))


def _bounds(parent: etree._Element, box: tuple[float, float, float, float]) -> None:
    x, y, w, h = box
    etree.SubElement(parent, q(DC, "Bounds"), x=_n(x), y=_n(y), width=_n(w), height=_n(h))


def _shape(plane: etree._Element, element: str, box: tuple[float, float, float, float], *,
           horizontal: bool | None = None, expanded: bool | None = None) -> etree._Element:
    shape = etree.SubElement(plane, q(BPMNDI, "BPMNShape"), id=f"{element}_di",
                             bpmnElement=element)
    if horizontal is not None:
        shape.set("isHorizontal", "true" if horizontal else "false")
    if expanded is not None:
        shape.set("isExpanded", "true" if expanded else "false")
    _bounds(shape, box)
    return shape
