"""``redress users add|passwd|roles|token``: the first-admin path, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from engine import Engine
from tests.api.conftest import build_test_app
from web import cli
from workflows.bootstrap import build_engine
from workflows.users import Users

GOOD = "river-lantern-orchard-42"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def run(database_url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, ["users", *args], input=stdin,
                              env={"DATABASE_URL": database_url})


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = build_engine(database_url)
    built.init_db()
    yield built
    built.close()


def sign_in(engine: Engine, username: str, password: str) -> int:
    client = build_test_app(engine, test_mode=False).test_client()
    return client.post("/login", data={"username": username, "password": password}).status_code


def test_users_add_makes_the_first_admin_from_stdin_on_a_new_database(database_url: str) -> None:
    result = run(database_url, "add", "chief", "--role", "admin", "--password-stdin",
                 stdin=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert "added account chief (admin)" in result.output and GOOD not in result.output
    engine = build_engine(database_url)
    try:
        found = Users(engine).by_username("chief")
        assert found is not None and found.roles == ("admin",) and found.has_password
        assert Users(engine).authenticate("chief", GOOD) is not None
    finally:
        engine.close()


def test_users_add_prompts_for_the_password_twice(database_url: str, engine: Engine) -> None:
    result = run(database_url, "add", "ops1", "--role", "operations", stdin=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output
    assert Users(engine).authenticate("ops1", GOOD) is not None


def test_users_add_refuses_a_weak_password_in_one_line(database_url: str, engine: Engine) -> None:
    for weak in ("short", "password1234", "chief-is-my-name"):
        result = run(database_url, "add", "chief", "--role", "admin", "--password-stdin",
                     stdin=weak + "\n")
        assert result.exit_code == 1 and result.output.startswith("Error: ")
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert Users(engine).by_username("chief") is None


def test_users_passwd_and_roles_change_the_account(database_url: str, engine: Engine) -> None:
    run(database_url, "add", "cw1", "--role", "caseworker", "--password-stdin", stdin=GOOD + "\n")
    new = "granite-meadow-sparrow-7"
    assert run(database_url, "passwd", "cw1", "--password-stdin", stdin=new + "\n").exit_code == 0
    users = Users(engine)
    assert users.authenticate("cw1", GOOD) is None and users.authenticate("cw1", new) is not None
    result = run(database_url, "roles", "cw1", "team_leader", "caseworker")
    assert result.exit_code == 0 and "caseworker, team_leader" in result.output
    assert run(database_url, "roles", "cw1", "wizard").exit_code == 2  # unknown role
    missing = run(database_url, "passwd", "nobody", "--password-stdin", stdin=new + "\n")
    assert missing.output == "Error: no account is named 'nobody' (see `redress users list`)\n"


def test_users_token_is_for_system_accounts_only_and_printed_once(
    database_url: str, engine: Engine
) -> None:
    assert run(database_url, "add", "postroom", "--role", "integration", "--system").exit_code == 0
    minted = run(database_url, "token", "postroom", "--name", "scanner")
    assert minted.exit_code == 0, minted.output
    secret = minted.output.strip().splitlines()[-1]
    assert secret.startswith("rdr_")
    client = build_test_app(engine, test_mode=False).test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["username"] == "postroom"
    run(database_url, "add", "cw1", "--role", "caseworker", "--password-stdin", stdin=GOOD + "\n")
    refused = run(database_url, "token", "cw1")
    assert refused.exit_code == 1 and "person's account" in refused.output
    assert run(database_url, "add", "x", "--role", "admin", "--system").exit_code == 1
