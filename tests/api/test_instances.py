"""Instances over the API: the complaint's tier and owner, ETags, idempotency, paging, control."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory, deploy_journey, journey_files, start_case


def test_started_instance_states_tier_stage_owner_and_deadline(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    response = start_case(client, token_for("caseworker"))
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/instances/{body['id']}")
    assert response.headers["ETag"] == f'"{body["revision"]}"'
    assert (body["tier"], body["stage"], body["owner_role"]) == (
        "dissatisfaction", "Acknowledge Issue", "caseworker")
    assert body["owner_role_name"] == "Caseworker"
    assert body["deadline"] is None and body["refusal_reason"] is None
    assert [t["name"] for t in body["open_tasks"]] == ["Try to resolve the dissatisfaction"]


def test_r01_refused_complaint_reports_tier_refused_and_the_reason(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    body = start_case(client, token_for("caseworker"), months_since_closure=15).get_json()
    assert (body["status"], body["tier"], body["stage"]) == ("completed", "refused", "Refused")
    assert body["refusal_reason"] == "R01: raised more than 14 months after the case closed"
    assert body["owner_role"] is None and body["open_tasks"] == []


def test_idempotency_key_returns_the_first_response_without_a_second_instance(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine
) -> None:
    headers = {**token_for("integration"), "Idempotency-Key": "postroom-batch-7-item-1"}
    body = {"process_id": "api_journey", "business_key": "CMS-0100",
            "data": {"received_date": "2026-03-27", "division": "scotland",
                     "months_since_closure": 0}}
    first = client.post("/api/v1/instances", json=body, headers=headers)
    again = client.post("/api/v1/instances", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api_engine.instances(business_key="CMS-0100")) == 1

    other = client.post("/api/v1/instances", json={**body, "business_key": "CMS-0101"},
                        headers=headers)
    assert other.status_code == 422  # the same key for a different request
    assert len(api_engine.instances(business_key="CMS-0101")) == 0


def test_failed_request_frees_its_idempotency_key(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    headers = {**token_for("integration"), "Idempotency-Key": "retry-me"}
    body = {"process_id": "no_such_process", "business_key": "CMS-0200"}
    assert client.post("/api/v1/instances", json=body, headers=headers).status_code == 404
    assert client.post("/api/v1/instances", json=body, headers=headers).status_code == 404


def test_if_match_with_a_stale_revision_is_refused_with_412(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    ops = token_for("operations")
    created = start_case(client, token_for("caseworker"))
    url, stale = created.headers["Location"], created.headers["ETag"]
    suspended = client.post(f"{url}/suspend", headers={**ops, "If-Match": stale})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    refused = client.post(f"{url}/resume", headers={**ops, "If-Match": stale})
    assert refused.status_code == 412
    assert refused.get_json()["current_revision"] == suspended.get_json()["revision"]
    resumed = client.post(f"{url}/resume", headers={**ops, "If-Match": suspended.headers["ETag"]})
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "active"


def test_suspended_instance_cannot_be_suspended_again(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    ops = token_for("operations")
    url = start_case(client, token_for("caseworker")).headers["Location"]
    assert client.post(f"{url}/suspend", headers=ops).status_code == 200
    again = client.post(f"{url}/suspend", headers=ops)
    assert again.status_code == 409
    assert again.get_json()["type"] == "/api/docs#problem-invalid-state"


def test_instances_list_pages_with_an_opaque_cursor_and_link_header(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker = token_for("caseworker")
    for n in range(5):
        start_case(client, worker, key=f"CMS-03{n:02d}")
    seen: list[str] = []
    url: str | None = "/api/v1/instances?limit=2"
    while url:
        response = client.get(url, headers=worker)
        body = response.get_json()
        seen += [i["business_key"] for i in body["items"]]
        assert (body["next"] is None) == ("Link" not in response.headers)
        url = body["next"]
    assert seen == [f"CMS-03{n:02d}" for n in range(5)]
    bad = client.get("/api/v1/instances?cursor=notours", headers=worker)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def test_migrate_moves_a_running_case_to_the_new_version(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    analyst, ops = token_for("analyst"), token_for("operations")
    url = start_case(client, token_for("caseworker")).headers["Location"]
    files = journey_files()
    files["api_journey.bpmn"] = files["api_journey.bpmn"].replace(
        b'name="Try to resolve the dissatisfaction"', b'name="Resolve the dissatisfaction"')
    assert deploy_journey(client, analyst, name="api-journey-2", files=files).status_code == 201
    plan = client.get(f"{url}/migration-plan?to_version=2", headers=ops).get_json()
    assert plan["possible"] is True
    moved = client.post(f"{url}/migrate", json={"to_version": 2}, headers=ops)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["version"] == 2
    missing = client.post(f"{url}/migrate", json={"to_version": 9}, headers=ops)
    assert missing.status_code == 404


def test_unknown_instance_is_a_404_problem(client: FlaskClient, token_for: TokenFactory) -> None:
    response = client.get("/api/v1/instances/424242", headers=token_for("operations"))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["status"], body["type"], body["instance"]) == (
        404, "/api/docs#problem-not-found", "/api/v1/instances/424242")


def test_malformed_json_is_a_400_problem(client: FlaskClient, token_for: TokenFactory) -> None:
    response = client.post("/api/v1/instances", data=b"{not json",
                           content_type="application/json", headers=token_for("caseworker"))
    assert response.status_code == 400 and response.get_json()["title"] == "Bad request"
    wrong = client.post("/api/v1/instances", data=b"a=b",
                        content_type="application/x-www-form-urlencoded",
                        headers=token_for("caseworker"))
    assert wrong.status_code == 415
