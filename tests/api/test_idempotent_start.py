"""Issue 10 soak, duplicate instances: a start whose reply a kill lost is never started twice.

The soak found 7 journeys with two instances: a web worker killed after the start committed
but before its Idempotency-Key reply was stored let the retry start again. The key is now
recorded in the start's own transaction (decision 0020), so these fail on the old store.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory
from web.api import instances as instance_views
from workflows.idempotency import IdempotencyStore, Pending

BODY = {"process_id": "api_journey", "business_key": "CMS-0300",
        "data": {"received_date": "2026-03-27", "division": "scotland",
                 "months_since_closure": 0}}


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs in the request, no handler catches it."""


def test_a_start_killed_after_commit_is_answered_with_the_same_instance_on_retry(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = {**token_for("integration"), "Idempotency-Key": "postroom-item-300"}
    answer = instance_views._one

    def killed_before_the_reply(*args: Any, **kwargs: Any) -> Any:
        raise WorkerKilled  # the start has committed; its reply is never built or stored

    monkeypatch.setattr(instance_views, "_one", killed_before_the_reply)
    with pytest.raises(WorkerKilled):
        client.post("/api/v1/instances", json=BODY, headers=headers)
    [made] = api_engine.instances(business_key="CMS-0300")

    monkeypatch.setattr(instance_views, "_one", answer)
    retry = client.post("/api/v1/instances", json=BODY, headers=headers)
    assert retry.status_code == 201, retry.get_json()
    assert retry.get_json()["id"] == made.id
    assert retry.headers["Location"].endswith(f"/api/v1/instances/{made.id}")
    assert retry.headers["Idempotent-Replayed"] == "true"
    again = client.post("/api/v1/instances", json=BODY, headers=headers)  # now from the store
    assert again.get_json() == retry.get_json()
    assert [i.id for i in api_engine.instances(business_key="CMS-0300")] == [made.id]


def test_two_starts_racing_with_one_key_make_one_instance(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second found the key unused before the first committed: its start rolls back."""
    headers = {**token_for("integration"), "Idempotency-Key": "postroom-item-301"}
    body = {**BODY, "business_key": "CMS-0301"}
    first = client.post("/api/v1/instances", json=body, headers=headers)
    assert first.status_code == 201

    looked = IdempotencyStore.begin
    raced: list[bool] = []

    def read_before_the_first_committed(self: IdempotencyStore, user_id: int, scope: str,
                                        key: str, print_: str) -> Any:
        if not raced:
            raced.append(True)
            return Pending(self, user_id, scope, key, print_)
        return looked(self, user_id, scope, key, print_)

    monkeypatch.setattr(IdempotencyStore, "begin", read_before_the_first_committed)
    second = client.post("/api/v1/instances", json=body, headers=headers)
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(api_engine.instances(business_key="CMS-0301")) == 1


def test_a_failed_start_leaves_its_key_free_for_the_corrected_request(
    client: FlaskClient, token_for: TokenFactory, deployed: dict[str, Any], api_engine: Engine,
) -> None:
    headers = {**token_for("integration"), "Idempotency-Key": "postroom-item-302"}
    body = {**BODY, "business_key": "CMS-0302", "data": {**BODY["data"], "today": "x"}}
    assert client.post("/api/v1/instances", json=body, headers=headers).status_code == 422
    assert api_engine.instances(business_key="CMS-0302") == []
    body["data"] = BODY["data"]
    fixed = client.post("/api/v1/instances", json=body, headers=headers)
    assert fixed.status_code == 201, fixed.get_json()  # nothing was recorded for the failure
    assert len(api_engine.instances(business_key="CMS-0302")) == 1
