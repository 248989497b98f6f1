"""Personal API tokens (stored hashed, shown once, revocable) and user accounts."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine
from tests.api.conftest import TokenFactory
from workflows.tables import api_tokens


def test_token_is_shown_once_and_only_its_sha256_is_stored(
    client: FlaskClient, token_for: TokenFactory, api_engine: Engine
) -> None:
    issued = client.post("/api/v1/tokens", json={"name": "scripts"},
                         headers=token_for("caseworker")).get_json()
    secret = issued["token"]
    with api_engine.db.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == issued["id"])).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(v) for v in row}
    listed = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert all("token" not in t for t in listed.get_json()["items"])


def test_revoked_token_is_refused_from_then_on(client: FlaskClient,
                                               token_for: TokenFactory) -> None:
    issued = client.post("/api/v1/tokens", json={"name": "laptop"},
                         headers=token_for("caseworker")).get_json()
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/me", headers=mine).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{issued['id']}", headers=mine).get_json()
    assert revoked["revoked_at"] is not None
    assert client.get("/api/v1/me", headers=mine).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client: FlaskClient,
                                               token_for: TokenFactory) -> None:
    issued = client.post("/api/v1/tokens", json={"name": "x"},
                         headers=token_for("caseworker")).get_json()
    response = client.delete(f"/api/v1/tokens/{issued['id']}", headers=token_for("analyst"))
    assert response.status_code == 404


def test_admin_creates_a_system_account_and_issues_its_token(
    client: FlaskClient, token_for: TokenFactory
) -> None:
    admin = token_for("admin")
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "ice-gateway", "display_name": "ICE gateway", "roles": ["integration"]})
    assert created.status_code == 201 and created.get_json()["roles"] == ["integration"]
    assert client.post("/api/v1/users", headers=admin, json={
        "username": "ice-gateway", "roles": ["integration"]}).status_code == 409
    issued = client.post("/api/v1/tokens", headers=admin,
                         json={"name": "ice", "username": "ice-gateway"}).get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert me.get_json()["username"] == "ice-gateway"
    assert "correlate_messages" in me.get_json()["permissions"]
    refused = client.post("/api/v1/tokens", headers=token_for("operations"),
                          json={"name": "x", "username": "ice-gateway"})
    assert refused.status_code == 403


def test_me_says_where_the_user_starts(client: FlaskClient, token_for: TokenFactory) -> None:
    me = client.get("/api/v1/me", headers=token_for("analyst")).get_json()
    assert (me["roles"], me["start"]) == (["analyst"], "/deployments")
    assert "deploy" in me["permissions"] and "work_tasks" not in me["permissions"]


def test_admin_cannot_mint_a_token_for_a_person(client: FlaskClient,
                                                token_for: TokenFactory) -> None:
    token_for("team_leader", username="tl1")
    refused = client.post("/api/v1/tokens", headers=token_for("admin"),
                          json={"name": "x", "username": "tl1"})
    assert refused.status_code == 422
    assert "person's account" in refused.get_json()["detail"]
