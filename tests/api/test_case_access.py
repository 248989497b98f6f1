"""Per-case access (findings 4/5 and 8): departments, R06 staff complaints, lanes of tasks."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import Headers, TokenFactory
from workflows.case_access import REDACTED
from workflows.packages import COMPLAINTS_PACKAGE, HMRC_PACKAGE, package_files

STAFF = "Rosalind Featherstonehaugh"

TWO_LANES = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_access" targetNamespace="http://redress.test/access">
  <bpmn:process id="access_test" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l_legal" name="legal_team"><bpmn:flowNodeRef>legal</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="l_cw" name="caseworker"><bpmn:flowNodeRef>cw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="legal" name="Legal advice"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="cw" name="Casework"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="legal"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="cw"/>
    <bpmn:sequenceFlow id="f4" sourceRef="legal" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="cw" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

NO_LANE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d_nolane" targetNamespace="http://redress.test/nolane">
  <bpmn:process id="complaint_nolane" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="orphan" name="Nobody's task"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="orphan"/>
    <bpmn:sequenceFlow id="f2" sourceRef="orphan" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def deploy(client: FlaskClient, token_for: TokenFactory, name: str, content: bytes) -> Any:
    return client.post("/api/v1/deployments", headers=token_for("analyst"),
                       data={"name": name, "files": [(BytesIO(content), f"{name}.bpmn")]},
                       content_type="multipart/form-data")


def start(client: FlaskClient, headers: Headers, process_id: str, key: str,
          **data: Any) -> int:
    body = {"process_id": process_id, "business_key": key,
            "data": {"received_date": "2026-03-27", "division": "england-and-wales", **data}}
    response = client.post("/api/v1/instances", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def task_of(client: FlaskClient, instance_id: int, spec_id: str,
            token_for: TokenFactory) -> dict[str, Any]:
    items = client.get(f"/api/v1/tasks?instance_id={instance_id}",
                       headers=token_for("operations")).get_json()["items"]
    return dict(next(t for t in items if t["spec_id"] == spec_id))


@pytest.fixture
def packages(api_engine: Engine) -> None:
    for package in (COMPLAINTS_PACKAGE, HMRC_PACKAGE):
        api_engine.deploy(package_files(package), name=package.name, user="analyst")


def test_a_department_opens_only_its_own_cases(
    client: FlaskClient, token_for: TokenFactory, packages: None
) -> None:
    cms = start(client, token_for("caseworker"), "complaint_journey", "CMS-0001")
    hmrc = start(client, token_for("hmrc_complaints_handler"), "hmrc_complaint", "HMRC-0001")
    for role in ("hmrc_complaints_handler", "ccast_adviser", "csa_caseworker"):
        refused = client.get(f"/api/v1/instances/{cms}", headers=token_for(role))
        assert refused.status_code == 403, role
        assert "Child Maintenance Service" in refused.get_json()["detail"]
        assert client.get(f"/api/v1/instances/{cms}/history",
                          headers=token_for(role)).status_code == 403
        assert client.get(f"/api/v1/instances/{cms}/letters",
                          headers=token_for(role)).status_code == 403
    assert client.get(f"/api/v1/instances/{hmrc}", headers=token_for("caseworker")
                      ).status_code == 403
    for role in ("caseworker", "operations", "integration"):
        assert client.get(f"/api/v1/instances/{cms}", headers=token_for(role)).status_code == 200
    listed = client.get("/api/v1/instances", headers=token_for("csa_caseworker")).get_json()
    assert listed["items"] == []
    listed = client.get("/api/v1/instances", headers=token_for("hmrc_complaints_handler"))
    assert [i["id"] for i in listed.get_json()["items"]] == [hmrc]


def test_r06_only_the_team_leader_sees_who_a_staff_complaint_is_about(
    client: FlaskClient, token_for: TokenFactory, packages: None
) -> None:
    case = start(client, token_for("integration"), "complaint_journey", "CMS-0006",
                 staff_name_unredacted=STAFF, line_manager_name="P. Quill")
    cw = token_for("caseworker")
    log = task_of(client, case, "in_log", token_for)
    client.post(f"/api/v1/tasks/{log['id']}/claim", headers=cw)
    done = client.post(f"/api/v1/tasks/{log['id']}/complete", headers=cw, json={"data": {
        "source": "client", "contact_type": "complaint", "subject": "staff_conduct",
        "complaint_details": f"{STAFF} was rude.", "issues": [f"Rudeness by {STAFF}"],
        "staff_complaint": True}})
    assert done.status_code == 200 and STAFF not in done.get_data(as_text=True)
    leader = client.get(f"/api/v1/instances/{case}", headers=token_for("team_leader")).get_json()
    assert leader["data"]["staff_name_unredacted"] == STAFF
    for role in ("caseworker", "operations", "integration", "admin", "legal_team"):
        seen = client.get(f"/api/v1/instances/{case}", headers=token_for(role))
        assert seen.status_code == 200, role  # the case exists for them ...
        data = seen.get_json()["data"]
        assert STAFF not in seen.get_data(as_text=True), role  # ... but not who it is about
        assert data["staff_name_unredacted"] == REDACTED and data["issues"] == REDACTED
        assert data["staff_complaint"] is True
        history = client.get(f"/api/v1/instances/{case}/history", headers=token_for(role))
        assert STAFF not in history.get_data(as_text=True), role
    assert STAFF in client.get(f"/api/v1/instances/{case}/history",
                               headers=token_for("team_leader")).get_data(as_text=True)


def test_api_task_read_needs_the_tasks_lane_and_a_team_leader_releases_only_led_queues(
    client: FlaskClient, token_for: TokenFactory
) -> None:
    assert deploy(client, token_for, "access", TWO_LANES).status_code == 201
    case = start(client, token_for("caseworker"), "access_test", "ACC-1")
    legal, cw = (task_of(client, case, s, token_for) for s in ("legal", "cw"))
    assert client.get(f"/api/v1/tasks/{legal['id']}", headers=token_for("caseworker")
                      ).status_code == 403
    assert client.get(f"/api/v1/tasks/{legal['id']}", headers=token_for("legal_team")
                      ).status_code == 200
    assert client.get(f"/api/v1/tasks/{legal['id']}", headers=token_for("operations")
                      ).status_code == 403  # as on the page: operations use the case page
    assert client.post(f"/api/v1/tasks/{legal['id']}/claim", headers=token_for("legal_team")
                       ).status_code == 200
    assert client.post(f"/api/v1/tasks/{cw['id']}/claim", headers=token_for("caseworker")
                       ).status_code == 200
    leader = token_for("team_leader")
    refused = client.post(f"/api/v1/tasks/{legal['id']}/release", headers=leader)
    assert refused.status_code == 403 and "team leader of the legal_team" in refused.get_json()[
        "detail"]
    released = client.post(f"/api/v1/tasks/{cw['id']}/release", headers=leader)
    assert released.status_code == 200 and released.get_json()["assignee"] is None


def test_a_task_without_a_lane_cannot_be_worked_by_any_role(
    client: FlaskClient, token_for: TokenFactory
) -> None:
    deployed = deploy(client, token_for, "nolane", NO_LANE)
    if deployed.status_code == 422:  # refused at deploy already: nothing can reach a task
        assert "lane" in deployed.get_data(as_text=True).lower()
        return
    case = start(client, token_for("caseworker"), "complaint_nolane", "CMS-0404")
    orphan = task_of(client, case, "orphan", token_for)
    for role in ("caseworker", "team_leader", "hmrc_complaints_handler", "csa_caseworker"):
        headers = token_for(role)
        claim = client.post(f"/api/v1/tasks/{orphan['id']}/claim", headers=headers)
        assert claim.status_code == 403 and "no queue" in claim.get_json()["detail"]
        done = client.post(f"/api/v1/tasks/{orphan['id']}/complete", headers=headers,
                           json={"data": {}})
        assert done.status_code == 403, role
        assert client.get(f"/api/v1/tasks/{orphan['id']}", headers=headers).status_code == 403
