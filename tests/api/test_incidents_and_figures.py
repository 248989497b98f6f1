"""Incidents operations can see and retry, and the complaint-handling figures."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import Headers, TokenFactory, start_case


def _complete_first(client: FlaskClient, headers: Headers, data: dict[str, Any],
                    key: str) -> None:
    [task] = [t for t in client.get("/api/v1/tasks", headers=headers).get_json()["items"]
              if t["business_key"] == key]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                           json={"data": data})
    assert response.status_code == 200, response.get_json()


def test_failed_script_is_an_incident_operations_can_retry(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker, ops = token_for("caseworker"), token_for("operations")
    client.post("/api/v1/instances", headers=worker, json={  # no division: the script fails
        "process_id": "api_journey", "business_key": "CMS-0901",
        "data": {"received_date": "2026-03-27", "months_since_closure": 0}})
    _complete_first(client, worker, {"resolved": False}, "CMS-0901")
    [incident] = client.get("/api/v1/incidents", headers=ops).get_json()["items"]
    assert (incident["kind"], incident["spec_id"]) == ("script", "open_complaint")
    assert "division" in incident["message"]
    retried = client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=ops)
    assert retried.status_code == 200 and retried.get_json()["resolved_by"] == "u-operations"
    again = client.post(f"/api/v1/incidents/{incident['id']}/retry", headers=ops)
    assert again.status_code == 409


def test_figures_give_volumes_timeliness_outcomes_and_overdue_cases(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker, crt = token_for("caseworker"), token_for("resolution_case_manager")
    ops = token_for("operations")
    for key in ("CMS-1000", "CMS-1001", "CMS-1002"):
        start_case(client, worker, key=key)
    _complete_first(client, worker, {"resolved": True}, "CMS-1000")
    _complete_first(client, worker, {"resolved": False}, "CMS-1001")
    _complete_first(client, worker, {"resolved": False}, "CMS-1002")
    client.post("/api/v1/clock", json={"set": "2026-04-08T10:00:00Z"}, headers=ops)
    _complete_first(client, crt, {"outcome": "upheld", "client_escalates": False}, "CMS-1001")
    client.post("/api/v1/clock", json={"set": "2026-04-22T10:00:00Z"}, headers=ops)

    figures = client.get("/api/v1/figures", headers=token_for("team_leader")).get_json()
    assert (figures["received"], figures["closed"]) == (3, 2)
    assert figures["open_by_tier"] == {"resolution": 1}
    assert figures["outcomes"] == {"upheld": 1} and figures["upheld_rate"] == 1.0
    assert figures["within_target"] == {"count": 1, "met": 1, "share": 1.0}
    assert figures["days_to_resolve"]["count"] == 2
    assert [o["business_key"] for o in figures["overdue"]] == ["CMS-1002"]
    april = client.get("/api/v1/figures?from=2026-04-01&to=2026-04-30", headers=ops).get_json()
    assert (april["received"], april["closed"]) == (0, 1)
    bad = client.get("/api/v1/figures?from=2026-04-30&to=2026-04-01", headers=ops)
    assert bad.status_code == 400
