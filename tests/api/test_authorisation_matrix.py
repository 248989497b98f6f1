"""Every API endpoint × every role → allowed or refused, as the role table in the issue says.

The expected table is written out here, independently of ``workflows.roles.PERMISSIONS``, so a
change to who may do what shows up as a failing test. Requests use ids that do not exist: an
allowed caller gets past the access layer (404, 400, 422 ...), a refused one gets 403 before
anything is looked up, and an anonymous one gets 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import SimulatedClock
from tests.api.conftest import build_test_app, build_test_engine
from web.api.openapi import OPERATIONS
from workflows.roles import ROLE_IDS
from workflows.users import Users

LANES = {"caseworker", "team_leader", "bau_g7", "resolution_case_manager",
         "review_case_manager", "ice_liaison", "phso_team", "special_payment_team",
         "legal_team", "disputes_team", "hmrc_complaints_handler", "ccast_adviser",
         "csa_caseworker", "csa_complaints_resolution_team", "csa_client_services_director",
         "csa_chief_executive_office"}
OPS = {"operations", "admin"}
ANALYSTS_AND_OPS = {"analyst", "operations", "admin"}
CASE_READERS = LANES | OPS | {"integration"}
EVERYONE = set(ROLE_IDS)
PUBLIC = None

EXPECTED: dict[str, set[str] | None] = {
    "GET /deployments": ANALYSTS_AND_OPS,
    "POST /deployments": {"analyst"},
    "GET /deployments/{deployment_id}": ANALYSTS_AND_OPS,
    "GET /deployments/{deployment_id}/files/{filename}": ANALYSTS_AND_OPS,
    "GET /process-definitions": ANALYSTS_AND_OPS,
    "GET /instances": CASE_READERS,
    "POST /instances": CASE_READERS,
    "GET /instances/{instance_id}": CASE_READERS,
    "GET /instances/{instance_id}/history": CASE_READERS,
    "POST /instances/{instance_id}/suspend": OPS,
    "POST /instances/{instance_id}/resume": OPS,
    "POST /instances/{instance_id}/cancel": OPS,
    "POST /instances/{instance_id}/migrate": OPS,
    "GET /instances/{instance_id}/migration-plan": OPS,
    "GET /instances/{instance_id}/letters": CASE_READERS,
    "GET /instances/{instance_id}/letters/{letter_id}": CASE_READERS,
    "GET /instances/{instance_id}/letters/{letter_id}/content": CASE_READERS,
    "GET /tasks": LANES | OPS,
    "GET /tasks/{task_id}": LANES | OPS,
    "POST /tasks/{task_id}/claim": LANES,
    "POST /tasks/{task_id}/release": LANES,
    "POST /tasks/{task_id}/complete": LANES,
    "POST /messages": {"integration", "operations", "admin"},
    "GET /incidents": OPS,
    "POST /incidents/{incident_id}/retry": OPS,
    "GET /figures": {"operations", "admin", "team_leader", "integration"},
    "GET /figures/complaints": {"operations", "admin", "team_leader", "integration"},
    "GET /clock": {"operations", "admin", "integration"},
    "POST /clock": {"operations", "admin", "integration"},
    "GET /me": EVERYONE,
    "GET /tokens": EVERYONE,
    "POST /tokens": EVERYONE,
    "DELETE /tokens/{token_id}": EVERYONE,
    "GET /users": {"admin"},
    "POST /users": {"admin"},
    "GET /openapi.json": PUBLIC,
}
MISSING = {"deployment_id": "999999", "instance_id": "999999", "letter_id": "999999",
           "incident_id": "999999", "token_id": "999999", "filename": "nothing.bpmn",
           "task_id": "00000000-0000-4000-8000-000000000000"}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('matrix')}/redress.db"
    engine = build_test_engine(url, SimulatedClock(datetime(2026, 3, 27, 9, tzinfo=UTC)))
    users = Users(engine)
    tokens = {}
    for role_id in ROLE_IDS:
        user = users.create(f"only-{role_id.replace('_', '-')}", display_name=role_id,
                            roles=[role_id])
        tokens[role_id] = {"Authorization": f"Bearer {users.issue_token(user.id, 'm').secret}"}
    yield build_test_app(engine), tokens
    engine.close()


def _call(client: FlaskClient, label: str, headers: dict[str, str]) -> Any:
    method, path = label.split(" ", 1)
    for name, value in MISSING.items():
        path = path.replace("{" + name + "}", value)
    body: dict[str, Any] | None = {} if method in ("POST", "DELETE") else None
    return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def test_the_matrix_covers_every_served_endpoint(matrix: tuple[Flask, dict[str, Any]]) -> None:
    app = matrix[0]
    served = {f"{op.method} {op.path}" for op in OPERATIONS.values()
              if op.endpoint in app.view_functions}
    assert served == set(EXPECTED)


@pytest.mark.parametrize("role_id", ROLE_IDS)
@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_role_is_allowed_or_refused_as_the_table_says(
    label: str, role_id: str, matrix: tuple[Flask, dict[str, Any]]
) -> None:
    app, tokens = matrix
    response = _call(app.test_client(), label, tokens[role_id])
    expected = EXPECTED[label]
    if expected is None or role_id in expected:
        assert response.status_code not in (401, 403), response.get_json()
    else:
        assert response.status_code == 403, response.get_json()
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("label", sorted(k for k, v in EXPECTED.items() if v is not None))
def test_anonymous_caller_gets_401_with_a_bearer_challenge(
    label: str, matrix: tuple[Flask, dict[str, Any]]
) -> None:
    response = _call(matrix[0].test_client(), label, {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_revoked_or_unknown_token_is_refused(matrix: tuple[Flask, dict[str, Any]]) -> None:
    client = matrix[0].test_client()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer rdr_nope"}
                      ).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
