"""Tasks over the API: queues by lane, the form schema, claim, and validated completion."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import Headers, TokenFactory, start_case


def _open_task(client: FlaskClient, headers: Headers) -> dict[str, Any]:
    [task] = client.get("/api/v1/tasks", headers=headers).get_json()["items"]
    return dict(task)


def test_each_lane_sees_only_its_own_queue(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    start_case(client, token_for("caseworker"))
    names = [t["lane"] for t in client.get("/api/v1/tasks", headers=token_for("caseworker"))
             .get_json()["items"]]
    assert names == ["caseworker"]
    assert client.get("/api/v1/tasks", headers=token_for("team_leader")
                      ).get_json()["items"] == []
    refused = client.get("/api/v1/tasks?lane=caseworker", headers=token_for("team_leader"))
    assert refused.status_code == 403
    everyone = client.get("/api/v1/tasks", headers=token_for("operations")).get_json()["items"]
    assert len(everyone) == 1


def test_task_carries_its_form_schema_and_the_instance_etag(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker = token_for("caseworker")
    started = start_case(client, worker)
    task = _open_task(client, worker)
    response = client.get(f"/api/v1/tasks/{task['id']}", headers=worker)
    assert response.headers["ETag"] == started.headers["ETag"]
    assert response.get_json()["form_schema"]["required"] == ["resolved"]


def test_completion_that_breaks_the_form_schema_is_refused_with_each_error(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker = token_for("caseworker")
    start_case(client, worker)
    task = _open_task(client, worker)
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker,
                           json={"data": {"resolved": "no", "colour": "blue"}})
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/api/docs#problem-validation-failed"
    assert any(e.startswith("resolved:") for e in body["errors"])
    assert any("colour" in e for e in body["errors"])


def test_only_the_tasks_lane_may_complete_it(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    start_case(client, token_for("caseworker"))
    task = _open_task(client, token_for("operations"))
    response = client.post(f"/api/v1/tasks/{task['id']}/complete",
                           headers=token_for("review_case_manager"),
                           json={"data": {"resolved": True}})
    assert response.status_code == 403
    assert "caseworker" in response.get_json()["detail"]


def test_claimed_task_is_closed_to_other_workers_until_released(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    ann, bob = token_for("caseworker", username="ann"), token_for("caseworker", username="bob")
    start_case(client, ann)
    task = _open_task(client, ann)
    url = f"/api/v1/tasks/{task['id']}"
    assert client.post(f"{url}/claim", headers=ann).get_json()["assignee"] == "ann"
    assert client.post(f"{url}/claim", headers=bob).status_code == 409
    mine = client.get("/api/v1/tasks?assignee=me", headers=ann).get_json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]
    blocked = client.post(f"{url}/complete", headers=bob, json={"data": {"resolved": True}})
    assert blocked.status_code == 403
    assert client.post(f"{url}/release", headers=ann).get_json()["assignee"] is None
    done = client.post(f"{url}/complete", headers=bob, json={"data": {"resolved": True}})
    assert done.status_code == 200 and done.get_json()["tier"] == "closed"


def test_completing_twice_or_on_a_stale_revision_conflicts(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker, ops = token_for("caseworker"), token_for("operations")
    started = start_case(client, worker)
    task = _open_task(client, worker)
    url = f"/api/v1/tasks/{task['id']}/complete"
    stale = started.headers["ETag"]
    client.post(f"{started.headers['Location']}/suspend", headers=ops)
    client.post(f"{started.headers['Location']}/resume", headers=ops)
    refused = client.post(url, headers={**worker, "If-Match": stale},
                          json={"data": {"resolved": True}})
    assert refused.status_code == 412
    assert client.post(url, headers=worker, json={"data": {"resolved": True}}).status_code == 200
    again = client.post(url, headers=worker, json={"data": {"resolved": True}})
    assert again.status_code == 409
    assert again.get_json()["type"] == "/api/docs#problem-task-not-open"


def test_task_list_pages_with_a_cursor(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    worker = token_for("caseworker")
    for n in range(3):
        start_case(client, worker, key=f"CMS-05{n:02d}")
    first = client.get("/api/v1/tasks?limit=2", headers=worker).get_json()
    second = client.get(first["next"], headers=worker).get_json()
    keys = [t["business_key"] for t in first["items"] + second["items"]]
    # Same creation time on the simulated clock: the order is by task id, each seen once.
    assert sorted(keys) == ["CMS-0500", "CMS-0501", "CMS-0502"] and second["next"] is None
