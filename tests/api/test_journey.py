"""A complaint driven end to end through the API alone, on the simulated clock.

Intake (post room) → dissatisfaction (caseworker) → complaint resolution with its 15-working-day
deadline timer (R21) fired by moving the clock → team leader chases → response → the client's
review request arrives as a correlated message → review outcome (R30-R34) → closed.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import PDF, Headers, TokenFactory


def _task(client: FlaskClient, headers: Headers, name: str) -> dict[str, Any]:
    listing = client.get("/api/v1/tasks", headers=headers).get_json()["items"]
    [found] = [t for t in listing if t["name"] == name]
    return dict(found)


def _complete(client: FlaskClient, headers: Headers, task: dict[str, Any],
              data: dict[str, Any]) -> dict[str, Any]:
    etag = client.get(f"/api/v1/tasks/{task['id']}", headers=headers).headers["ETag"]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                           headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_r21_r30_journey_from_intake_to_review_outcome_with_deadline_timer_via_clock(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    postroom, caseworker = token_for("integration"), token_for("caseworker")
    crt, leader = token_for("resolution_case_manager"), token_for("team_leader")
    ccrt, ops = token_for("review_case_manager"), token_for("operations")

    # Intake on Friday 27 March 2026 (England): the post room starts the case.
    started = client.post("/api/v1/instances", headers={**postroom, "Idempotency-Key": "in-1"},
                          json={"process_id": "api_journey", "business_key": "CMS-2001",
                                "data": {"received_date": "2026-03-27",
                                         "division": "england-and-wales",
                                         "months_since_closure": 0}})
    assert started.status_code == 201
    case_url = started.headers["Location"]
    assert started.get_json()["tier"] == "dissatisfaction"

    # The caseworker cannot resolve it: it becomes a complaint at tier 1.
    case = _complete(client, caseworker, _task(client, caseworker, "Try to resolve the "
                                               "dissatisfaction"), {"resolved": False})
    assert (case["tier"], case["stage"], case["owner_role"]) == (
        "resolution", "Acknowledge Complaint", "resolution_case_manager")
    assert case["deadline"].startswith("2026-04-21T22:59:59")  # 15 working days, R21
    [letter] = client.get(f"{case_url}/letters", headers=crt).get_json()["items"]
    assert letter["name"] == "CMSL5842-CMS-2001.pdf"
    assert client.get(letter["content_url"], headers=postroom).data == PDF

    respond = _task(client, crt, "Investigate and respond")
    assert client.post(f"/api/v1/tasks/{respond['id']}/claim", headers=crt).status_code == 200

    # Ten days on, nothing is due yet; on 22 April the deadline timer fires.
    early = client.post("/api/v1/clock", json={"advance": "P10D"}, headers=ops).get_json()
    assert early["timers_fired"] == 0
    assert client.get(case_url, headers=ops).get_json()["overdue"] is False
    late = client.post("/api/v1/clock", json={"set": "2026-04-22T09:00:00Z"},
                       headers=ops).get_json()
    assert (late["now"], late["timers_fired"]) == ("2026-04-22T09:00:00+00:00", 1)
    assert client.get(case_url, headers=ops).get_json()["overdue"] is True
    _complete(client, leader, _task(client, leader, "Chase the overdue response"), {})

    # The response is not upheld and the client asks for a review, by letter to the post room.
    case = _complete(client, crt, respond, {"outcome": "not_upheld", "client_escalates": True})
    assert case["tier"] == "resolution" and case["open_tasks"] == []
    request = {"name": "review_request", "business_key": "CMS-2001",
               "payload": {"received_date": "2026-04-23"}}
    sent = client.post("/api/v1/messages", json=request,
                       headers={**postroom, "Idempotency-Key": "rv-1"})
    assert sent.status_code == 202 and sent.get_json()["status"] == "delivered"
    case = client.get(case_url, headers=ops).get_json()
    assert (case["tier"], case["owner_role"], case["overdue"]) == (
        "review", "review_case_manager", False)
    assert case["deadline"].startswith("2026-05-15T")  # 15 working days from 23 April (R31)

    case = _complete(client, ccrt, _task(client, ccrt, "Review the complaint"),
                     {"review_outcome": "justified"})
    assert (case["status"], case["tier"], case["outcome"]) == ("completed", "closed", "justified")

    history = [h["action"] for h in client.get(f"{case_url}/history", headers=ops)
               .get_json()["items"]]
    assert {"instance_started", "task_completed", "message_delivered",
            "instance_completed"} <= set(history)
    figures = client.get("/api/v1/figures", headers=ops).get_json()
    assert (figures["closed"], figures["outcomes"]) == (1, {"justified": 1})
