"""Finding 7: sign-in throttled with lockout, a password policy, revocable server-side sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine, SimulatedClock
from tests.api.conftest import TokenFactory
from tests.web.conftest import form_csrf
from workflows.tables import sign_in_failures
from workflows.users import Users

GOOD = "river-lantern-orchard-42"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def person(api_engine: Engine) -> str:
    Users(api_engine).create("casey", display_name="Casey", roles=["caseworker"], password=GOOD)
    return "casey"


def sign_in(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> int:
    csrf = form_csrf(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_forty_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: FlaskClient, person: str, clock: SimulatedClock
) -> None:
    codes = [sign_in(client, person, f"wrong-{i}") for i in range(40)]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    assert sign_in(client, person, GOOD) == 429
    page = client.post("/login", data={"username": person, "password": GOOD,
                                       "csrf_token": form_csrf(client)},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})  # another address too
    assert page.status_code == 429
    assert "Too many failed attempts to sign in. Wait 15 minutes" in page.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401
    clock.advance(timedelta(minutes=16))
    assert sign_in(client, person, GOOD) == 302


def test_an_unknown_username_is_locked_out_the_same_way(client: FlaskClient, demo: list[str]
                                                        ) -> None:
    codes = [sign_in(client, "nobody-here", "wrong") for _ in range(11)]
    assert codes[-1] == 429  # the answer does not tell whether the account exists


def test_one_address_trying_many_accounts_is_locked_out(
    client: FlaskClient, person: str
) -> None:
    for i in range(50):
        sign_in(client, f"guess{i}", "wrong", address="10.6.6.6")
    assert sign_in(client, person, GOOD, address="10.6.6.6") == 429
    assert sign_in(client, person, GOOD, address="10.0.0.2") == 302  # others still get in


def test_sign_out_revokes_the_old_cookie(app: Flask, person: str) -> None:
    client = app.test_client()
    assert sign_in(client, person, GOOD) == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": form_csrf(client, "/account")})
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert "ended=1" in thief.get("/inbox").headers["Location"]  # the page says why
    thief.set_cookie("session", cookie.value)
    assert thief.get("/api/v1/me").status_code == 401


def test_password_change_revokes_the_other_sessions(app: Flask, person: str) -> None:
    here, there = app.test_client(), app.test_client()
    assert sign_in(here, person, GOOD) == 302 and sign_in(there, person, GOOD) == 302
    new = "granite-meadow-sparrow-7"
    changed = here.post("/account", data={"current_password": GOOD, "new_password": new,
                                          "csrf_token": form_csrf(here, "/account")})
    assert changed.status_code == 200 and "was changed" in changed.get_data(as_text=True)
    assert here.get("/api/v1/me").status_code == 200
    assert there.get("/api/v1/me").status_code == 401
    weak = here.post("/account", data={"current_password": new, "new_password": "casey-casey-1",
                                       "csrf_token": form_csrf(here, "/account")})
    assert weak.status_code == 422
    assert "must not contain the username" in weak.get_data(as_text=True).lower()
    wrong = here.post("/account", data={"current_password": "nope", "new_password": GOOD + "x",
                                        "csrf_token": form_csrf(here, "/account")})
    assert wrong.status_code == 422
    assert "not your current password" in wrong.get_data(as_text=True).lower()


def test_a_session_ends_after_30_idle_minutes_and_after_12_hours(
    client: FlaskClient, person: str, clock: SimulatedClock
) -> None:
    assert sign_in(client, person, GOOD) == 302
    clock.advance(timedelta(minutes=29))
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/api/v1/me").status_code == 401
    assert sign_in(client, person, GOOD) == 302
    for _ in range(35):  # busy all day: every 20 minutes
        clock.advance(timedelta(minutes=20))
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=20))  # 12 h since sign-in
    assert client.get("/api/v1/me").status_code == 401


def test_password_policy_refuses_weak_passwords_for_new_accounts(
    client: FlaskClient, token_for: TokenFactory
) -> None:
    admin = token_for("admin")
    for weak, why in (("password1234", "well-known"), ("aaaaaaaaaaaaaa", "well-known"),
                      ("amy-the-caseworker", "must not contain the username")):
        refused = client.post("/api/v1/users", headers=admin, json={
            "username": "amy", "roles": ["caseworker"], "password": weak})
        assert refused.status_code == 422 and why in str(refused.get_json()), weak


def test_old_failure_counts_are_forgotten_after_a_day(
    client: FlaskClient, api_engine: Engine, clock: SimulatedClock, demo: list[str]
) -> None:
    for i in range(5):
        sign_in(client, f"guess{i}", "wrong", address="10.7.7.7")
    clock.advance(timedelta(days=2))
    sign_in(client, "someone", "wrong", address="10.8.8.8")
    with api_engine.db.connect() as conn:
        keys = sorted(conn.execute(select(sign_in_failures.c.key)).scalars())
    assert keys == ["addr:10.8.8.8", "user:someone"]
