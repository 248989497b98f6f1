"""The sign-in copy of checked API tokens (``workflows.token_cache``, decision 0027).

A token checked once is answered without a read on PostgreSQL, and every change to what it
signs in is honoured from the next call on: made in this process (dropped on commit), in
another (heard as a notice from migration 0008's triggers), with the listener lost, or when
the copy is old. SQLite keeps no copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text

import workflows.users as users_module
from engine import Engine, SimulatedClock
from engine.db import normalise_url
from workflows.users import User, Users


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per sign-in read of a token, user and roles."""
    seen: list[int] = []
    real = users_module.all_rows

    def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(users_module, "all_rows", counted)
    return seen


def _account(engine: Engine) -> tuple[Users, User, str, int]:
    users = Users(engine)
    person = users.ensure("cw_cache", display_name="Cache caseworker", roles=["caseworker"])
    issued = users.issue_token(person.id, "laptop")
    return users, person, issued.secret, issued.token.id


def _elsewhere(engine: Engine, sql: str, **params: Any) -> None:
    """A change made by another process: its own connection, not through ``Users``."""
    other = create_engine(normalise_url(str(engine.db.url.render_as_string(False))))
    try:
        with other.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        other.dispose()


def _until(check: Callable[[], bool], seconds: float = 2.0) -> float:
    """Seconds until ``check()`` holds (a notice travels from another connection)."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < seconds, "the change was not heard"
        time.sleep(0.005)
    return time.monotonic() - began


def _pg_only(engine: Engine) -> None:
    if engine.db.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps no copy")


def test_checked_token_is_answered_without_a_read_on_postgresql(
    api_engine: Engine, reads: list[int]
) -> None:
    users, person, secret, _ = _account(api_engine)
    for _ in range(3):
        found = users.by_token(secret)
        assert found is not None and found.id == person.id and found.roles == ("caseworker",)
    expected = 1 if api_engine.db.dialect.name == "postgresql" else 3  # SQLite: a read each call
    assert len(reads) == expected
    assert users.by_token(secret + "x") is None  # a wrong token is read each time
    assert users.by_token(secret + "x") is None
    assert len(reads) == expected + 2


def test_token_revoked_in_this_process_is_refused_at_the_next_call(api_engine: Engine) -> None:
    users, person, secret, token_id = _account(api_engine)
    worker = Users(api_engine)  # the web app's own copy, as in a gunicorn worker
    assert worker.by_token(secret) is not None
    users.revoke_token(token_id, by=person)
    assert worker.by_token(secret) is None  # no wait: dropped when the revocation committed


def test_token_revoked_by_another_process_is_heard_as_a_notice(
    api_engine: Engine, reads: list[int]
) -> None:
    _pg_only(api_engine)
    users, _, secret, token_id = _account(api_engine)
    assert users.by_token(secret) is not None
    assert users.by_token(secret) is not None and len(reads) == 1  # answered from the copy
    _elsewhere(api_engine, "UPDATE api_tokens SET revoked_at = now() WHERE id = :id", id=token_id)
    waited = _until(lambda: users.by_token(secret) is None)
    assert waited < users.token_cache.seconds / 10


def test_every_copy_on_one_engine_hears_the_same_notice(api_engine: Engine) -> None:
    """Two copies share the engine's one listener: a notice read by one drops the other too."""
    _pg_only(api_engine)
    users, _, secret, token_id = _account(api_engine)
    other = Users(api_engine)
    assert users.by_token(secret) is not None and other.by_token(secret) is not None
    _elsewhere(api_engine, "UPDATE api_tokens SET revoked_at = now() WHERE id = :id",
               id=token_id)
    _until(lambda: users.by_token(secret) is None)
    assert other.by_token(secret) is None


def test_user_deactivated_or_role_changed_elsewhere_is_heard(api_engine: Engine) -> None:
    _pg_only(api_engine)
    users, person, secret, _ = _account(api_engine)
    assert users.by_token(secret) is not None
    _elsewhere(api_engine, "INSERT INTO user_roles (user_id, role) VALUES (:id, 'analyst')",
               id=person.id)
    _until(lambda: (found := users.by_token(secret)) is not None
           and found.roles == ("caseworker", "analyst"))
    _elsewhere(api_engine, "UPDATE users SET active = false WHERE id = :id", id=person.id)
    _until(lambda: users.by_token(secret) is None)


def test_noting_last_use_does_not_drop_the_copy(
    api_engine: Engine, clock: SimulatedClock, reads: list[int]
) -> None:
    _pg_only(api_engine)
    users, _, secret, _ = _account(api_engine)
    users.by_token(secret)
    clock.advance(timedelta(minutes=6))  # last use is now stale: this call reads and touches
    users.by_token(secret)
    time.sleep(0.05)  # a notice, had the touch sent one, would have arrived
    users.by_token(secret)
    assert len(reads) == 2


def test_lost_listener_drops_the_copy_and_listens_again(
    api_engine: Engine, reads: list[int]
) -> None:
    _pg_only(api_engine)
    users, _, secret, token_id = _account(api_engine)
    users.by_token(secret)
    listener = users.token_cache.notices._conn
    assert listener is not None
    _elsewhere(api_engine, "SELECT pg_terminate_backend(:pid)", pid=listener.info.backend_pid)
    time.sleep(0.05)
    _elsewhere(api_engine, "UPDATE api_tokens SET revoked_at = now() WHERE id = :id", id=token_id)
    assert users.by_token(secret) is None  # the notice was missed; the copy was not trusted
    assert users.by_token(secret) is None
    again = users.token_cache.notices._conn
    assert again is not None and again is not listener  # listening on a new connection


def test_copy_is_read_again_once_old(api_engine: Engine, reads: list[int]) -> None:
    _pg_only(api_engine)
    users, _, secret, _ = _account(api_engine)
    users.token_cache.seconds = 0.02
    users.by_token(secret)
    time.sleep(0.05)
    users.by_token(secret)
    assert len(reads) == 2


def test_copy_holds_at_most_its_size(api_engine: Engine) -> None:
    _pg_only(api_engine)
    users, person, secret, _ = _account(api_engine)
    users.token_cache.size = 2
    secrets = [secret] + [users.issue_token(person.id, f"t{i}").secret for i in range(3)]
    for each in secrets:
        assert users.by_token(each) is not None
    assert len(users.token_cache) == 2


def test_a_notice_from_another_schema_of_the_database_keeps_the_copy(
    api_engine: Engine, reads: list[int]
) -> None:
    """Migration 0009: a channel is the whole database's. A change in another deployment's
    schema (or a test beside this one) names that schema and drops nothing here; a notice
    naming ours, or one in 0008's form (a table name), still drops the copy."""
    _pg_only(api_engine)
    users, _, secret, _ = _account(api_engine)
    users.by_token(secret)
    _elsewhere(api_engine, "SELECT pg_notify('redress_auth', 'schema:some_other_deployment')")
    time.sleep(0.05)  # the notice has arrived
    users.by_token(secret)
    assert len(reads) == 1  # still answered from the copy
    ours = _schema(api_engine)
    for payload in (f"schema:{ours}", "api_tokens"):
        reads.clear()
        _elsewhere(api_engine, "SELECT pg_notify('redress_auth', :p)", p=payload)
        _until(lambda: users.by_token(secret) is not None and len(reads) == 1)
        users.by_token(secret)
        assert len(reads) == 1  # read once after the notice, then the copy again


def test_a_revocation_s_notice_names_its_schema(api_engine: Engine) -> None:
    """The trigger's payload is ``schema:<the table's schema>``, which the listener matches."""
    _pg_only(api_engine)
    users, person, _, token_id = _account(api_engine)
    url = api_engine.db.url.render_as_string(False)
    listener = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                               autocommit=True)
    try:
        listener.execute("LISTEN redress_auth")
        users.revoke_token(token_id, by=person)
        [notice] = list(listener.notifies(timeout=2, stop_after=1))
        assert notice.payload == f"schema:{_schema(api_engine)}"
    finally:
        listener.close()


def _schema(engine: Engine) -> str:
    with engine.db.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar_one())
