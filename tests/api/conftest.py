"""API fixtures: an app in test mode on a migrated engine with a simulated clock.

``api_engine`` is ``workflows.bootstrap.build_engine`` on a simulated clock; the API test
journey (``diagrams/``) adds one test handler that stores a letter, so these tests do not
depend on the production diagrams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine, HandlerContext, SimulatedClock, default_registry
from web.app import create_app
from workflows.bootstrap import build_engine
from workflows.users import Users

DIAGRAMS = Path(__file__).parent / "diagrams"
JOURNEY_FILES = ("api_journey.bpmn", "dissatisfaction.schema.json", "resolution.schema.json",
                 "review.schema.json")
PDF = b"%PDF-1.4\n% test letter\n"

Headers = dict[str, str]
TokenFactory = Callable[..., Headers]


def journey_files() -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes() for name in JOURNEY_FILES}


def store_letter(ctx: HandlerContext, *, code: str) -> dict[str, Any]:
    ref = ctx.store_document(name=f"{code}-{ctx.business_key}.pdf", content_type="application/pdf",
                             content=PDF, kind="letter", key=code)
    return {"last_letter": ref.id}


@pytest.fixture
def clock(start_time: datetime) -> SimulatedClock:
    return SimulatedClock(start_time)


if "apitest.letter" not in default_registry:
    default_registry.register("apitest.letter", store_letter)


def build_test_engine(url: str, clock: SimulatedClock) -> Engine:
    """A migrated engine exactly as Redress builds it (the test letter handler is registered)."""
    engine = build_engine(url, clock=clock)
    engine.init_db()
    return engine


def build_test_app(engine: Engine, *, test_mode: bool = True) -> Flask:
    return create_app(engine, test_mode=test_mode,
                      config={"SECRET_KEY": "test-secret", "TESTING": True})


@pytest.fixture
def api_engine(database_url: str, clock: SimulatedClock) -> Iterator[Engine]:
    engine = build_test_engine(database_url, clock)
    yield engine
    engine.close()


@pytest.fixture
def app(api_engine: Engine) -> Flask:
    return build_test_app(api_engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token_for(api_engine: Engine) -> TokenFactory:
    """Headers with a fresh API token for a new user holding ``roles``."""
    users = Users(api_engine)
    made: dict[tuple[str, ...], Headers] = {}

    def factory(*roles: str, username: str | None = None) -> Headers:
        key = (username or "", *sorted(roles))
        if key not in made:
            name = username or ("u-" + "-".join(sorted(roles)).replace("_", "-"))[:100]
            user = users.create(name, display_name=name, roles=roles)
            made[key] = {"Authorization": f"Bearer {users.issue_token(user.id, 'test').secret}"}
        return made[key]

    return factory


@pytest.fixture
def deployed(client: FlaskClient, token_for: TokenFactory) -> dict[str, Any]:
    """The API test journey deployed through the API by an analyst."""
    response = deploy_journey(client, token_for("analyst"))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def deploy_journey(client: FlaskClient, headers: Headers, name: str = "api-journey",
                   files: dict[str, bytes] | None = None) -> Any:
    uploads = [(BytesIO(content), filename)
               for filename, content in (files or journey_files()).items()]
    return client.post("/api/v1/deployments", headers=headers,
                       data={"name": name, "files": uploads}, content_type="multipart/form-data")


def start_case(client: FlaskClient, headers: Headers, key: str = "CMS-0001",
               **extra: Any) -> Any:
    body = {"process_id": "api_journey", "business_key": key,
            "data": {"received_date": "2026-03-27", "division": "england-and-wales",
                     "months_since_closure": 0, **extra}}
    response = client.post("/api/v1/instances", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response
