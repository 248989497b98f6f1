"""A web request after the database ended the pool's connections is answered, not failed.

With the sign-in answered from the worker's copy of checked tokens (decision 0027) a request
may send its first statement from a view that does not retry; the pool must not hand that
view a connection the server has already ended (``engine.db._refuse_if_closed_by_server``).
"""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory
from tests.pool import end_pooled_connections


def test_a_request_after_a_database_restart_is_answered_by_a_fresh_connection(
    api_engine: Engine, client: FlaskClient, token_for: TokenFactory, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL")
    headers = token_for("caseworker")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # token kept
    end_pooled_connections(api_engine, database_url)
    time.sleep(0.1)  # the server's goodbye reaches the sockets
    for _ in range(3):  # each of the three dead connections would have been handed out
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
