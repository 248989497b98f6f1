"""The real complaints package driven from outside, only through the JSON API.

The post room starts the case, each lane's user completes their tasks with their own token,
the tester moves the simulated clock with ``POST /clock`` so the resolution deadline timer
fires (R21), and the review outcome closes the case. The steps and form data are the journey
tests' own (``tests/journey/driver.py``); only the transport differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory
from tests.journey.driver import (
    CLIENT,
    Case,
    dissatisfaction_unresolved,
    log_contact,
    review,
)
from workflows.packages import COMPLAINTS_PACKAGE, package_files


@dataclass
class ApiCase(Case):
    """A case whose every action is an HTTP request made with the lane's own token."""

    client: FlaskClient | None = None
    token_for: TokenFactory | None = None

    def _get(self, path: str, role: str = "operations") -> Any:
        assert self.client is not None and self.token_for is not None
        response = self.client.get(f"/api/v1{path}", headers=self.token_for(role))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def open_api_tasks(self) -> list[dict[str, Any]]:
        return list(self._get(f"/tasks?business_key={self.business_key}&limit=100")["items"])

    def complete(self, spec_id: str, data: dict[str, Any] | None = None) -> Case:
        assert self.client is not None and self.token_for is not None
        [task] = [t for t in self.open_api_tasks() if t["spec_id"] == spec_id]
        headers = self.token_for(task["lane"])
        response = self.client.post(f"/api/v1/tasks/{task['id']}/complete",
                                    json={"data": data or {}}, headers=headers)
        assert response.status_code == 200, (spec_id, response.get_json())
        return self

    def send(self, message: str, payload: dict[str, Any] | None = None) -> Case:
        assert self.client is not None and self.token_for is not None
        response = self.client.post("/api/v1/messages", headers=self.token_for("integration"),
                                    json={"name": message, "business_key": self.business_key,
                                          "payload": payload or {}})
        assert response.status_code in (200, 201, 202), response.get_json()
        assert response.get_json()["status"] == "delivered"
        return self

    def resource(self) -> dict[str, Any]:
        return dict(self._get(f"/instances/{self.instance_id}"))


def test_r21_r30_real_complaint_from_intake_to_review_outcome_through_the_api(
    client: FlaskClient, token_for: TokenFactory, api_engine: Engine
) -> None:
    files = package_files(COMPLAINTS_PACKAGE)
    deployed = client.post("/api/v1/deployments", headers=token_for("analyst"),
                           data={"name": "complaints",
                                 "files": [(BytesIO(c), n) for n, c in files.items()]},
                           content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()

    started = client.post("/api/v1/instances", headers={
        **token_for("integration"), "Idempotency-Key": "postroom-scan-77"}, json={
        "process_id": "complaint_journey", "business_key": "CMS-API-0077",
        "data": {"received_date": "2026-03-27", "division": "england-and-wales",
                 "client": CLIENT}})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    case = ApiCase(api_engine, api_engine.clock, body["id"], "CMS-API-0077",  # type: ignore[arg-type]
                   client=client, token_for=token_for)
    assert (body["tier"], body["stage"]) == ("dissatisfaction", "Log Complaint")

    log_contact(case)
    dissatisfaction_unresolved(case, told_by_phone=False)
    assert case.resource()["tier"] == "resolution"
    case.complete("rs_contact", {"contact_method": "phone", "issues": ["Late payments"],
                                 "resolved_on_call": False})
    assert case.resource()["deadline"].startswith("2026-04-21")  # 15 working days, Easter

    moved = client.post("/api/v1/clock", headers=token_for("operations"),
                        json={"set": datetime(2026, 4, 22, 9, tzinfo=UTC).isoformat()})
    assert moved.status_code == 200, moved.get_json()
    assert "rs_chase" in [t["spec_id"] for t in case.open_api_tasks()]  # the timer fired

    case.complete("rs_chase", {"action_agreed": "Reply by Friday"})
    case.complete("rs_investigate", {"findings": "Two payments were sent late.",
                                     "root_cause": "system_error"})
    case.complete("rs_outcome", {"outcome": "not_upheld", "outcome_explanation": "Checked.",
                                 "issues": ["Late payments"]})
    case.complete("rs_tell", {"contact_method": "phone", "client_still_dissatisfied": True,
                              "case_conference_worthwhile": False})
    assert case.resource()["tier"] == "review"  # R26: escalated proactively

    review(case, outcome="justified")
    case.complete("rv_feedback", {"feedback_summary": "Fed back to the resolution team."})  # R34
    final = case.resource()
    assert final["status"] in ("active", "completed")
    assert api_engine.instance(case.instance_id).data["outcome"] == "justified"
    letters = client.get(f"/api/v1/instances/{case.instance_id}/letters",
                         headers=token_for("operations")).get_json()["items"]
    codes = sorted(item["name"] for item in letters)
    assert any(name.endswith("OUTCOME_REVIEW.pdf") for name in codes), codes
