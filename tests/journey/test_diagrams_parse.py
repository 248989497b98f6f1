"""The packages' diagrams, decision table and forms, checked without the engine.

Every file parses with SpiffWorkflow's spiff parser and validates against the BPMN/DMN XSDs;
lanes name roles, user tasks name forms that exist, service tasks name registered handlers, the
layout (DI) covers every element on a clean grid, and the triage table routes as R01-R07 say.
Runs use SpiffWorkflow in memory with the engine's sandbox and expression functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import combinations, pairwise
from typing import Any

import jsonschema
import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

import engine.spiff  # noqa: F401  (routes SpiffWorkflow's timers through the engine clock)
import handlers  # noqa: F401  (registers every service-task handler)
from engine import SimulatedClock, default_registry
from engine.clock import using_clock
from engine.expressions import EXPRESSION_FUNCTIONS
from engine.sandbox import SandboxEnvironment
from workflows.packages import BPMN_ROOT, COMPLAINTS_PACKAGE, PACKAGES, Package
from workflows.roles import LANE_ROLES

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
OPERATORS = {"letters.send", "payments.assess", "payments.pay", "systemic.record",
             "notify.email", "caselist.update", "confidential.remove_staff_data"}
EXTRA_ROLES = {"ccast_adviser", "hmrc_complaints_handler", "csa_caseworker",
               "csa_complaints_resolution_team", "csa_client_services_director",
               "csa_chief_executive_office"}
FLOW_NODES = ("startEvent", "endEvent", "intermediateCatchEvent", "boundaryEvent", "userTask",
              "scriptTask", "serviceTask", "businessRuleTask", "callActivity", "receiveTask",
              "exclusiveGateway", "parallelGateway", "subProcess")
CANNED = {"payments.assess": {"payment_status": "none", "payment_total": 0},
          "systemic.record": {"systemic_issue_raised": False}}


def _files(package: Package, suffix: str) -> list[str]:
    return [str(BPMN_ROOT / f) for f in package.files if f.endswith(suffix)]


def _parser(package: Package) -> SpiffBpmnParser:
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_files(_files(package, ".bpmn"))
    if _files(package, ".dmn"):
        parser.add_dmn_files(_files(package, ".dmn"))
    return parser


def _trees(package: Package) -> Iterator[tuple[str, etree._ElementTree]]:
    for path in _files(package, ".bpmn"):
        yield path, etree.parse(path)


class _ScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """The engine's sandbox and expression functions; service calls return canned results."""

    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment(functions=EXPRESSION_FUNCTIONS))
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        self.calls.append((name, {k: v["value"] for k, v in kwargs["operation_params"].items()}))
        return json.dumps(CANNED.get(name, {}))


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with using_clock(SimulatedClock(datetime(2026, 3, 27, 9, tzinfo=UTC))):
        yield


def _workflow(process_id: str, data: dict[str, Any]) -> BpmnWorkflow:
    parser = _parser(COMPLAINTS_PACKAGE)
    wf = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id),
                      script_engine=_ScriptEngine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data)
    wf.do_engine_steps()
    return wf


def _complete(wf: BpmnWorkflow, spec_id: str, data: dict[str, Any]) -> None:
    [task] = [t for t in wf.get_tasks(state=TaskState.READY, manual=True)
              if t.task_spec.bpmn_id == spec_id]
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


# -- parsing and structure ---------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_package_parses_and_validates_against_the_xsd(name: str) -> None:
    package = PACKAGES[name]
    parser = _parser(package)
    spec = parser.get_spec(package.entry_process)
    subprocesses = parser.get_subprocess_specs(package.entry_process)
    assert spec.name == package.entry_process
    called = {el.get("calledElement") for _, tree in _trees(package)
              for el in tree.iterfind(".//bpmn:callActivity", NS)}
    assert called <= set(subprocesses)


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_lanes_are_roles_and_tasks_name_forms_and_handlers(name: str) -> None:
    package = PACKAGES[name]
    forms = {f.rsplit("/", 1)[1] for f in package.files if f.endswith(".json")}
    used: set[str] = set()
    for path, tree in _trees(package):
        for lane in tree.iterfind(".//bpmn:lane", NS):
            assert lane.get("name") in LANE_ROLES | EXTRA_ROLES, (path, lane.get("name"))
        for task in tree.iterfind(".//bpmn:userTask", NS):
            [prop] = task.findall(".//spiff:property[@name='formJsonSchemaFilename']", NS)
            used.add(prop.get("value"))
            assert prop.get("value") in forms, (path, task.get("id"))
        for op in tree.iterfind(".//spiff:serviceTaskOperator", NS):
            assert op.get("id") in OPERATORS and op.get("id") in default_registry
        assert not tree.findall(".//bpmn:task", NS), "a plain task would become a human task"
    assert used == forms, f"forms no task uses: {sorted(forms - used)}"


def _form_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    for package in PACKAGES.values():
        for rel in package.files:
            if rel.endswith(".json"):
                yield rel, json.loads((BPMN_ROOT / rel).read_text())


def _property_names(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.get("properties", {}).items():
            yield key
            yield from _property_names(value)
        for key in ("items", "allOf", "then", "if", "oneOf", "anyOf"):
            value = schema.get(key)
            for part in value if isinstance(value, list) else [value]:
                yield from _property_names(part)


def test_forms_are_closed_draft_2020_12_schemas() -> None:
    for rel, schema in _form_schemas():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", rel
        assert schema["additionalProperties"] is False, rel


def test_r06_no_form_records_a_staff_identity() -> None:
    staff = re.compile(r"(^|_)(name|officer|employee|caseworker|signatory|disciplin\w*)$|"
                       r"^staff_(?!complaint$)|^line_manager")
    for rel, schema in _form_schemas():
        for key in _property_names(schema):
            assert not staff.search(key), f"{rel}: {key}"


def test_r10_r14_r24_forms_require_what_the_rules_require() -> None:
    forms = dict(_form_schemas())
    log = forms["complaints/forms/log-contact.schema.json"]
    assert "complaint_details" in log["required"]
    outcome = log_outcome = forms["complaints/forms/outcome-review.schema.json"]
    values = {o["const"] for o in outcome["properties"]["outcome"]["oneOf"]}
    assert values == {"upheld", "part_upheld", "not_upheld", "justified"}
    validator = jsonschema.Draft202012Validator(log_outcome)
    assert not validator.is_valid({"outcome": "part_upheld", "outcome_explanation": "x",
                                   "issues": ["one issue"]})  # R24: needs more than one
    assert not validator.is_valid({"outcome": "not_upheld", "outcome_explanation": "x",
                                   "issues": ["a"], "hr_assurance": "not_assured"})
    plan = forms["complaints/forms/dissat-plan.schema.json"]["properties"]["resolution_plan"]
    item = plan["items"]
    assert set(item["required"]) == {"type", "reason", "due_date", "status", "client_approved"}
    assert {o["title"] for o in item["properties"]["type"]["oneOf"]} == {
        "Corrective Action", "Apology", "Application Fee Refund", "Admin Account Payment"}
    assert item["properties"]["due_date"]["format"] == "date"


# -- layout ----------------------------------------------------------------------------------

def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1] - 20
            and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3] + 20)


@pytest.mark.parametrize("path", sorted({str(BPMN_ROOT / f) for p in PACKAGES.values()
                                         for f in p.files if f.endswith(".bpmn")}))
def test_every_diagram_has_a_clean_layout(path: str) -> None:
    tree = etree.parse(path)
    shapes = {s.get("bpmnElement"): _bounds(s) for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    nodes = [el for tag in FLOW_NODES for el in tree.iterfind(f".//bpmn:{tag}", NS)]
    for el in nodes:
        assert el.get("id") in shapes, f"{el.get('id')} has no shape"
    lanes = {ref.text: lane.get("id") for lane in tree.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    for el in nodes:
        parent = el.getparent()
        container = parent.get("id") if parent.tag.endswith("subProcess") else lanes.get(
            el.get("id"))
        if el.tag.endswith("boundaryEvent"):
            continue
        assert container and _inside(shapes[el.get("id")], shapes[container]), el.get("id")
    solid = [el.get("id") for el in nodes if not el.tag.endswith(("boundaryEvent",
                                                                  "subProcess"))]
    for a, b in combinations(solid, 2):
        (ax, ay, aw, ah), (bx, by, bw, bh) = shapes[a], shapes[b]
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
    boundaries = [el.get("id") for el in nodes if el.tag.endswith("boundaryEvent")]
    for a, b in combinations(boundaries, 2):  # two events stacked on one spot hide each other
        (ax, ay, aw, ah), (bx, by, bw, bh) = shapes[a], shapes[b]
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
    for flow in tree.iterfind(".//bpmn:sequenceFlow", NS):
        [edge] = tree.findall(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", NS)
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edge.iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        for (x0, y0), (x1, y1) in pairwise(points):
            assert abs(x0 - x1) < 1 or abs(y0 - y1) < 1, f"{flow.get('id')} is not orthogonal"
        for point, end in ((points[0], "sourceRef"), (points[-1], "targetRef")):
            x, y, w, h = shapes[flow.get(end)]
            assert x - 1 <= point[0] <= x + w + 1 and y - 1 <= point[1] <= y + h + 1, (
                flow.get("id"), end)
        ends = {flow.get("sourceRef"), flow.get("targetRef")}
        for other in solid:
            if other not in ends:
                assert not _crosses(points, shapes[other]), f"{flow.get('id')} crosses {other}"


def _crosses(points: list[tuple[float, float]], box: tuple[float, ...]) -> bool:
    """Whether an orthogonal polyline runs through the inside of a shape."""
    x, y, w, h = box
    for (x0, y0), (x1, y1) in pairwise(points):
        if abs(x0 - x1) < 1 and x + 2 < x0 < x + w - 2 and min(y0, y1) < y + h - 2 and \
                max(y0, y1) > y + 2:
            return True
        if abs(y0 - y1) < 1 and y + 2 < y0 < y + h - 2 and min(x0, x1) < x + w - 2 and \
                max(x0, x1) > x + 2:
            return True
    return False


# -- running in memory -----------------------------------------------------------------------

def _triage(**facts: Any) -> dict[str, Any]:
    wf = _workflow("complaint_intake", {"received_date": "2026-03-27",
                                        "division": "england-and-wales"})
    _complete(wf, "in_log", {"source": "client", "contact_type": "dissatisfaction",
                             "complaint_details": "Late payments.", "subject": "payments",
                             **facts})
    assert wf.completed
    return dict(wf.last_task.data)


@pytest.mark.parametrize(("facts", "route", "reason"), [
    ({"case_closed_date": "2024-12-26"}, "refused", "out_of_time"),          # R01: 15 months
    ({"case_closed_date": "2025-01-27"}, "dissatisfaction", None),           # R01: 14, inclusive
    ({"case_closed_date": "2024-12-26", "source": "mp"}, "mp_correspondence", None),  # R02
    ({"case_closed_date": "2020-01-01", "source": "ice"}, "new_complaint", None),     # R02
    ({"about_options": "only"}, "options_referral", "options_service"),      # R04
    ({"appealable_decision": True, "decision_date": "2014-01-01"}, "appeal", None),   # R03
    ({"contact_type": "effective_date_challenge"}, "appeal", None),         # R57
    ({"high_profile": True}, "high_profile", None),                          # R03
    ({"correspondence_type": "pos"}, "official_correspondence", None),       # R35
    ({"resolution_closed_date": "2025-10-01", "contests_outcome": True}, "review", None),
    ({"resolution_closed_date": "2025-10-01"}, "new_complaint", None),       # R03
    ({"resolution_closed_date": "2025-09-26", "contests_outcome": True}, "dissatisfaction",
     None),                                                                  # over 6 months
    ({"parliamentary_contact": True}, "new_complaint", None),                # R07
    ({"previous_dissatisfaction_date": "2026-01-10"}, "new_complaint", None),  # R03
    ({"contact_type": "complaint", "before_provisional_calculation": True},
     "application_complaint", None),                                         # R03
    ({"contact_type": "complaint"}, "new_complaint", None),
    ({"contact_type": "enquiry"}, "refused", "not_a_complaint"),
    ({}, "dissatisfaction", None),
])
def test_r01_to_r07_triage_table_routes(facts: dict[str, Any], route: str,
                                        reason: str | None) -> None:
    data = _triage(**facts)
    assert (data["route"], data["refusal_reason"]) == (route, reason)


def test_r01_refused_in_memory_is_closed_with_a_refusal_letter() -> None:
    wf = _workflow("complaint_intake", {"received_date": "2026-03-27"})
    _complete(wf, "in_log", {"source": "client", "contact_type": "complaint", "subject": "x",
                             "complaint_details": "x", "case_closed_date": "2024-12-01"})
    calls = wf.script_engine.calls
    assert ("letters.send", {"letter_code": "REFUSAL"}) in calls
    assert wf.last_task.data["tier"] == "refused"


def test_r04_mixed_options_complaint_is_referred_to_options_by_email() -> None:
    wf = _workflow("complaint_intake", {"received_date": "2026-03-27"})
    _complete(wf, "in_log", {"source": "client", "contact_type": "dissatisfaction",
                             "subject": "x", "complaint_details": "x", "about_options": "mixed"})
    assert ("notify.email", {"to": "CM Options", "template": "options_referral"}) in \
        wf.script_engine.calls
    assert wf.last_task.data["route"] == "dissatisfaction"


def test_r56_judicial_review_claim_opens_a_legal_team_task_at_any_point() -> None:
    wf = _workflow("complaint_journey", {"received_date": "2026-03-27",
                                         "division": "scotland"})
    wf.catch(BpmnEvent(MessageEventDefinition("judicial_review_claimed"), {"matter": "x"}))
    wf.do_engine_steps()
    ready = {t.task_spec.bpmn_id: t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
    assert ready["j_jr_respond"].task_spec.lane == "legal_team"
    assert "in_log" in ready  # the complaint carries on beside it
