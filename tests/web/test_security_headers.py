"""Finding 8 (web): security headers, a CSP nonce for the template's one inline script, HSTS
over HTTPS in production, and a WSGI server that names no version."""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import build_test_app
from web.cli import make_wsgi_server


def test_pages_carry_a_strict_csp_and_the_inline_script_its_nonce(client: FlaskClient) -> None:
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp)
    assert nonce is not None and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    scripts = re.findall(r"<script([^>]*)>", page.get_data(as_text=True))
    inline = [s for s in scripts if "src=" not in s]
    assert inline and all(f'nonce="{nonce.group(1)}"' in s for s in inline)
    again = client.get("/login").headers["Content-Security-Policy"]
    assert nonce.group(1) not in again  # a fresh nonce per response
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP, not production


def test_production_sends_hsts_over_https_and_redirects_plain_http(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_ENV", "production")
    client = build_test_app(api_engine, test_mode=False).test_client()
    plain = client.get("/login")
    assert plain.status_code == 302 and plain.headers["Location"] == "https://localhost/login"
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert re.fullmatch(r"max-age=3155\d{4}; includeSubDomains",
                        secure.headers["Strict-Transport-Security"])  # a year
    assert "; Secure" in secure.headers["Set-Cookie"]  # the session cookie never goes over HTTP


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_wsgi_server(app, "127.0.0.1", 0, 2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    server.task_dispatcher.shutdown()
    thread.join(5)


def test_the_embedded_server_is_waitress_and_names_no_version(served: str) -> None:
    with urllib.request.urlopen(f"{served}/login", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Server"] == "Redress"
        assert "Content-Security-Policy" in response.headers
