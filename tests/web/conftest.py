"""Browser-page fixtures: the API fixtures, plus signing in through the login form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine
from tests.api import conftest as api_fixtures
from workflows.demo import demo_password, seed_demo

Login = Callable[[str], TestResponse]

# The API tests' fixtures, shared (a conftest below the root cannot use pytest_plugins).
api_engine = api_fixtures.api_engine
app = api_fixtures.app
client = api_fixtures.client
clock = api_fixtures.clock
deployed = api_fixtures.deployed
token_for = api_fixtures.token_for


def form_csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


@pytest.fixture
def demo(api_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")  # fast
    return seed_demo(api_engine)


@pytest.fixture
def login_as(client: FlaskClient, demo: list[str]) -> Login:
    """Sign in through the form as the demo user of ``role``."""
    def login(role_id: str) -> TestResponse:
        return client.post("/login", data={"username": role_id,
                                           "password": demo_password(role_id),
                                           "csrf_token": form_csrf(client)})

    return login
