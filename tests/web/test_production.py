"""Finding 1: production has no demo accounts and prints no secret at start."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import Engine
from tests.api.conftest import build_test_app
from web import cli
from workflows.demo import DemoRefused, seed_demo
from workflows.tables import api_tokens
from workflows.users import Users


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDRESS_ENV", "production")
    monkeypatch.setenv("REDRESS_SECRET_KEY", "a-production-secret-of-some-length")
    monkeypatch.delenv("REDRESS_TEST_MODE", raising=False)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``redress serve`` runs up to the WSGI server, which is recorded instead of started."""
    calls: list[Any] = []
    monkeypatch.setattr(cli, "_run_server", lambda *args: calls.append(args))
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    return calls


def test_serve_refuses_demo_in_production(production: None, served: list[Any],
                                          database_url: str) -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--demo"],
                                env={"DATABASE_URL": database_url})
    assert result.exit_code == 1 and served == []
    assert "--demo is refused in production" in result.output
    assert "redress users add" in result.output


def test_serve_makes_no_demo_accounts_and_prints_no_token_by_default(
    production: None, served: list[Any], database_url: str, api_engine: Engine
) -> None:
    result = CliRunner().invoke(cli.main, ["serve"], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    assert "rdr_" not in result.output and "-demo" not in result.output
    assert "make the first administrator with `redress users add" in result.output
    engine = served[0][0].extensions["redress"].engine
    try:
        assert engine.db.dialect.name == api_engine.db.dialect.name
        assert Users(engine).all() == []
    finally:
        engine.close()


def test_production_app_refuses_a_database_with_demo_accounts(
    api_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    seed_demo(api_engine)
    monkeypatch.setenv("REDRESS_ENV", "production")
    with pytest.raises(RuntimeError, match=r"demo account.*redress users disable-demo"):
        build_test_app(api_engine, test_mode=False)
    result = CliRunner().invoke(cli.main, ["users", "disable-demo"],
                                env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    app = build_test_app(api_engine, test_mode=False)  # starts now
    browser = app.test_client()
    plain = browser.get("/login")
    assert plain.status_code == 302 and plain.headers["Location"].startswith("https://")
    https = "https://localhost"  # production is served over HTTPS
    form = browser.get("/login", base_url=https).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed = browser.post("/login", base_url=https, data={
        "username": "admin", "password": "admin-demo", "csrf_token": csrf.group(1)})
    assert signed.status_code == 401  # the demo account is disabled


def test_seed_demo_is_refused_in_production(production: None, api_engine: Engine) -> None:
    with pytest.raises(DemoRefused, match="redress users add"):
        seed_demo(api_engine)


def test_seed_demo_makes_no_token(api_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    lines = seed_demo(api_engine)
    with api_engine.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(api_tokens)).scalar() == 0
    assert not any("rdr_" in line for line in lines)
