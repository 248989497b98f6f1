"""The idempotency store's rules, below HTTP: reserve, replay, refuse, take over, expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import ConflictError, Engine, SimulatedClock, ValidationError
from workflows.idempotency import (
    EXPIRES_AFTER,
    STALE_AFTER,
    IdempotencyStore,
    StoredResponse,
)
from workflows.users import Users


@pytest.fixture
def store_and_user(api_engine: Engine) -> tuple[IdempotencyStore, int]:
    user = Users(api_engine).create("postroom", display_name="Post room", roles=["integration"])
    return IdempotencyStore(api_engine), user.id


def test_a_finished_request_is_replayed_and_a_different_body_refused(
    store_and_user: tuple[IdempotencyStore, int]
) -> None:
    store, user_id = store_and_user
    assert store.begin(user_id, "POST /instances", "k1", "body-a") is None
    store.finish(user_id, "POST /instances", "k1", StoredResponse(201, {"id": 7}, {"ETag": '"1"'}))
    replay = store.begin(user_id, "POST /instances", "k1", "body-a")
    assert replay == StoredResponse(201, {"id": 7}, {"ETag": '"1"'})
    with pytest.raises(ValidationError):
        store.begin(user_id, "POST /instances", "k1", "body-b")
    assert store.begin(user_id, "POST /messages", "k1", "body-b") is None  # another scope


def test_a_repeat_while_the_first_runs_conflicts_until_the_reservation_is_stale(
    store_and_user: tuple[IdempotencyStore, int], clock: SimulatedClock
) -> None:
    store, user_id = store_and_user
    assert store.begin(user_id, "POST /instances", "k2", "body") is None
    with pytest.raises(ConflictError):
        store.begin(user_id, "POST /instances", "k2", "body")
    clock.advance(STALE_AFTER + timedelta(seconds=1))  # the first request died
    assert store.begin(user_id, "POST /instances", "k2", "body") is None


def test_stored_replies_expire_so_case_data_is_not_kept(
    store_and_user: tuple[IdempotencyStore, int], clock: SimulatedClock
) -> None:
    store, user_id = store_and_user
    store.begin(user_id, "POST /instances", "k3", "body")
    store.finish(user_id, "POST /instances", "k3", StoredResponse(201, {"data": "x"}, {}))
    clock.advance(EXPIRES_AFTER + timedelta(seconds=1))
    assert store.begin(user_id, "POST /instances", "k3", "other body") is None
