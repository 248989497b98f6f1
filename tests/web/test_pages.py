"""Sign-in and where each role starts; the session goes through the same access layer."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory, start_case
from tests.web.conftest import Login, form_csrf
from workflows.demo import seed_demo
from workflows.roles import ROLE_IDS, role

STARTS = {"caseworker": "/inbox", "review_case_manager": "/inbox", "operations": "/operations",
          "admin": "/operations", "analyst": "/deployments"}


def test_home_sends_an_anonymous_visitor_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'name="password"' in page


@pytest.mark.parametrize(("role_id", "start"), sorted(STARTS.items()))
def test_each_role_lands_on_its_start_page(client: FlaskClient, login_as: Login, role_id: str,
                                           start: str) -> None:
    response = login_as(role_id)
    assert (response.status_code, response.headers["Location"]) == (302, start)
    page = client.get(start)
    assert page.status_code == 200
    assert f"Demo {role(role_id).name.lower()}" in page.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient,
                                                             demo: list[str]) -> None:
    response = client.post("/login", data={"username": "caseworker", "password": "nope",
                                           "csrf_token": form_csrf(client)})
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_inbox_lists_the_lanes_tasks_with_links(client: FlaskClient, login_as: Login,
                                                token_for: TokenFactory,
                                                deployed: dict[str, Any]) -> None:
    start_case(client, token_for("caseworker"), key="CMS-4242")
    login_as("caseworker")
    page = client.get("/inbox").get_data(as_text=True)
    assert "CMS-4242" in page and "Try to resolve the dissatisfaction" in page
    assert 'href="/tasks/' in page


def test_operations_page_shows_tier_stage_and_owner(client: FlaskClient, login_as: Login,
                                                    token_for: TokenFactory,
                                                    deployed: dict[str, Any]) -> None:
    start_case(client, token_for("caseworker"), key="CMS-4343")
    login_as("operations")
    page = client.get("/operations").get_data(as_text=True)
    assert "CMS-4343" in page and "dissatisfaction" in page and "Acknowledge Issue" in page


def test_a_page_outside_the_role_is_refused(client: FlaskClient, login_as: Login) -> None:
    login_as("caseworker")
    assert client.get("/operations").status_code == 403
    assert client.get("/deployments").status_code == 403


def test_login_never_redirects_off_site(client: FlaskClient, demo: list[str]) -> None:
    response = client.post("/login?next=//evil.example/x", data={
        "username": "analyst", "password": "analyst-demo", "csrf_token": form_csrf(client)})
    assert response.headers["Location"] == "/deployments"


def test_session_reaches_the_api_but_unsafe_methods_need_the_csrf_header(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("caseworker")
    assert client.get("/api/v1/me").get_json()["username"] == "caseworker"
    refused = client.post("/api/v1/tokens", json={"name": "x"})
    assert refused.status_code == 403
    token = form_csrf(client, "/account")
    assert client.post("/api/v1/tokens", json={"name": "x"},
                       headers={"X-CSRF-Token": token}).status_code == 201
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_account_page_shows_a_new_token_once(client: FlaskClient, login_as: Login) -> None:
    login_as("analyst")
    token = form_csrf(client, "/account")
    page = client.post("/account", data={"name": "my scripts", "csrf_token": token})
    text = page.get_data(as_text=True)
    assert "will not be shown again" in text and "rdr_" in text
    assert "will not be shown again" not in client.get("/account").get_data(as_text=True)


def test_seed_demo_is_idempotent_and_prints_a_login_per_role(demo: list[str],
                                                             api_engine: Engine) -> None:
    again = seed_demo(api_engine)
    logins = [line for line in again if "→" in line]
    assert len(logins) == len(ROLE_IDS)
    assert any("caseworker / caseworker-demo" in line and "/inbox" in line for line in logins)
    assert not any("rdr_" in line or "Bearer" in line for line in demo + again)  # no secret
    assert any("redress users token postroom" in line for line in again)


def test_api_docs_page_lists_every_operation(client: FlaskClient) -> None:
    page = client.get("/api/docs").get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page
    assert 'id="problem-validation-failed"' in page
