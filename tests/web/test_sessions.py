"""The session cookie: unchanged for browsers, no signer built for a call that sends none."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient

from tests.api.conftest import TokenFactory
from tests.web.conftest import Login
from web.sessions import CookieSessions


def _count_signers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the signers built by Flask's cookie sessions (ours among them)."""
    built = [0]
    original = SecureCookieSessionInterface.get_signing_serializer

    def counting(self: SecureCookieSessionInterface, flask_app: Flask):  # type: ignore[no-untyped-def]
        built[0] += 1
        return original(self, flask_app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counting)
    return built


def test_an_api_call_with_a_token_builds_no_session_signer_and_sets_no_cookie(
        app: Flask, client: FlaskClient, token_for: TokenFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    headers = token_for("caseworker")
    built = _count_signers(monkeypatch)
    reply = client.get("/api/v1/tasks", headers=headers)
    assert reply.status_code == 200
    assert built[0] == 0
    assert "Set-Cookie" not in reply.headers


def test_a_signed_in_browser_keeps_its_session_and_a_forged_cookie_signs_in_no_one(
        app: Flask, client: FlaskClient, login_as: Login) -> None:
    assert isinstance(app.session_interface, CookieSessions)
    assert login_as("caseworker").status_code == 302
    assert client.get("/inbox").status_code == 200  # the cookie is read and trusted
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), "forged.value.sig")
    reply = client.get("/inbox")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
