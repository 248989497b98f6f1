"""Messages from other systems, and the letters a case produced."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine
from engine.tables import messages
from tests.api.conftest import PDF, TokenFactory, start_case


def _to_review_wait(client: FlaskClient, token_for: TokenFactory, key: str) -> str:
    url = str(start_case(client, token_for("caseworker"), key=key).headers["Location"])
    worker, crt = token_for("caseworker"), token_for("resolution_case_manager")
    [task] = client.get("/api/v1/tasks", headers=worker).get_json()["items"]
    client.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker,
                json={"data": {"resolved": False}})
    [task] = client.get("/api/v1/tasks", headers=crt).get_json()["items"]
    client.post(f"/api/v1/tasks/{task['id']}/complete", headers=crt,
                json={"data": {"outcome": "upheld", "client_escalates": True}})
    return url


def test_message_for_a_waiting_case_is_delivered_once_per_idempotency_key(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine
) -> None:
    url = _to_review_wait(client, token_for, "CMS-0600")
    headers = {**token_for("integration"), "Idempotency-Key": "ice-7781"}
    body = {"name": "review_request", "business_key": "CMS-0600",
            "payload": {"received_date": "2026-04-01"}}
    first = client.post("/api/v1/messages", json=body, headers=headers)
    again = client.post("/api/v1/messages", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.get_json()["status"] == "delivered"
    assert again.get_json() == first.get_json()
    assert client.get(url, headers=headers).get_json()["tier"] == "review"
    history = client.get(f"{url}/history", headers=headers).get_json()["items"]
    assert [h["action"] for h in history].count("message_delivered") == 1


def test_message_that_arrives_before_the_case_waits_is_kept(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    early = client.post("/api/v1/messages", headers=token_for("integration"), json={
        "name": "review_request", "business_key": "CMS-0700",
        "payload": {"received_date": "2026-04-01"}})
    assert early.get_json() == {"status": "buffered", "message_id": early.get_json()["message_id"],
                                "instance_id": None}
    url = _to_review_wait(client, token_for, "CMS-0700")
    assert client.get(url, headers=token_for("operations")).get_json()["tier"] == "review"


def test_letter_metadata_and_pdf_are_served_with_the_case(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any]
) -> None:
    url = _to_review_wait(client, token_for, "CMS-0800")
    postroom = token_for("integration")
    [letter] = client.get(f"{url}/letters", headers=postroom).get_json()["items"]
    assert (letter["kind"], letter["content_type"]) == ("letter", "application/pdf")
    meta = client.get(f"{url}/letters/{letter['id']}", headers=postroom).get_json()
    assert meta == letter
    pdf = client.get(letter["content_url"], headers=postroom)
    assert pdf.mimetype == "application/pdf" and pdf.data == PDF
    other = start_case(client, token_for("caseworker"), key="CMS-0801").headers["Location"]
    assert client.get(f"{other}/letters/{letter['id']}", headers=postroom).status_code == 404


def test_a_message_payload_holding_the_state_s_reserved_key_is_a_422_and_nothing_is_kept(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine
) -> None:
    """A payload becomes case data when the message is caught: a ``typename`` dict in it made
    every later load of the case fail, and a buffered one broke the case that caught it."""
    url = _to_review_wait(client, token_for, "CMS-0650")
    postroom = token_for("integration")
    for payload in ({"received_date": {"typename": "datetime", "value": "nope"}},
                    {"notes": [{"typename": "Task"}]}):
        for key in ("CMS-0650", "CMS-0651"):  # the waiting case; none waits yet
            refused = client.post("/api/v1/messages", headers=postroom, json={
                "name": "review_request", "business_key": key, "payload": payload})
            assert refused.status_code == 422, refused.get_json()
            assert "'typename'" in refused.get_json()["detail"]
    with api_engine.reads.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar() == 0
    case = client.get(url, headers=postroom)  # still loads, still waits for a good payload
    assert case.status_code == 200 and case.get_json()["tier"] != "review"
