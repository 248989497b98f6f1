"""The idempotency store's rules, below HTTP: record with the work, replay, refuse, expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import Engine, SimulatedClock, ValidationError
from workflows.idempotency import (
    EXPIRES_AFTER,
    Committed,
    IdempotencyStore,
    KeyTaken,
    Pending,
    StoredResponse,
)
from workflows.users import Users


@pytest.fixture
def store_and_user(api_engine: Engine) -> tuple[IdempotencyStore, int]:
    user = Users(api_engine).create("postroom", display_name="Post room", roles=["integration"])
    return IdempotencyStore(api_engine), user.id


def _pending(store: IdempotencyStore, user_id: int, key: str, body: str) -> Pending:
    found = store.begin(user_id, "POST /instances", key, body)
    assert isinstance(found, Pending)
    return found


def test_a_finished_request_is_replayed_and_a_different_body_refused(
    store_and_user: tuple[IdempotencyStore, int]
) -> None:
    store, user_id = store_and_user
    pending = _pending(store, user_id, "k1", "body-a")
    store.finish(pending, StoredResponse(201, {"id": 7}, {"ETag": '"1"'}))
    replay = store.begin(user_id, "POST /instances", "k1", "body-a")
    assert replay == StoredResponse(201, {"id": 7}, {"ETag": '"1"'})
    with pytest.raises(ValidationError):
        store.begin(user_id, "POST /instances", "k1", "body-b")
    assert isinstance(store.begin(user_id, "POST /messages", "k1", "body-b"), Pending)


def test_a_key_recorded_by_committed_work_names_what_it_made_until_the_reply_is_stored(
    store_and_user: tuple[IdempotencyStore, int], api_engine: Engine
) -> None:
    """Issue 10 soak: a worker killed after COMMIT but before the reply leaves the key
    recorded with the instance, so the retry answers from it instead of starting again."""
    store, user_id = store_and_user
    pending = _pending(store, user_id, "k2", "body")
    with api_engine.db.begin() as conn:
        pending.record(conn, 41)
    assert store.begin(user_id, "POST /instances", "k2", "body") == Committed(41)
    with pytest.raises(ValidationError):
        store.begin(user_id, "POST /instances", "k2", "other body")
    store.finish(pending, StoredResponse(201, {"id": 41}, {}))
    assert store.begin(user_id, "POST /instances", "k2", "body") == StoredResponse(
        201, {"id": 41}, {})


def test_work_that_rolled_back_leaves_the_key_free(
    store_and_user: tuple[IdempotencyStore, int], api_engine: Engine
) -> None:
    store, user_id = store_and_user
    pending = _pending(store, user_id, "k3", "body")
    with pytest.raises(RuntimeError), api_engine.db.begin() as conn:
        pending.record(conn, 5)
        raise RuntimeError("the step failed after recording the key")
    assert isinstance(store.begin(user_id, "POST /instances", "k3", "body"), Pending)


def test_a_second_record_of_one_key_is_refused_so_its_work_rolls_back(
    store_and_user: tuple[IdempotencyStore, int], api_engine: Engine
) -> None:
    store, user_id = store_and_user
    first = _pending(store, user_id, "k4", "body")
    second = _pending(store, user_id, "k4", "body")  # both began before either committed
    with api_engine.db.begin() as conn:
        first.record(conn, 1)
    with pytest.raises(KeyTaken), api_engine.db.begin() as conn:
        second.record(conn, 2)
    assert store.begin(user_id, "POST /instances", "k4", "body") == Committed(1)


def test_stored_replies_expire_so_case_data_is_not_kept(
    store_and_user: tuple[IdempotencyStore, int], clock: SimulatedClock
) -> None:
    store, user_id = store_and_user
    store.finish(_pending(store, user_id, "k5", "body"), StoredResponse(201, {"data": "x"}, {}))
    clock.advance(EXPIRES_AFTER + timedelta(seconds=1))
    assert isinstance(store.begin(user_id, "POST /instances", "k5", "other body"), Pending)
