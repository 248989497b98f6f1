"""A live Redress server and Debian's chromium driven by Playwright.

Skipped when chromium or Playwright is missing (``.ci/run`` installs both). The browser is
launched with the flags this sandboxed machine needs; Playwright never downloads a browser.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from engine import Engine, SimulatedClock
from tests.api.conftest import build_test_app, build_test_engine
from workflows.demo import seed_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.fixture
def browser_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr("workflows.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")  # fast
    clock = SimulatedClock(datetime(2026, 3, 27, 9, tzinfo=UTC))
    engine = build_test_engine(f"sqlite:///{tmp_path}/browser.db", clock)
    seed_demo(engine)
    yield engine
    engine.close()


def _buffered(app: Any) -> Any:
    """Each reply read whole, and its file closed, before werkzeug's test server sends it.

    The browser drops requests it no longer needs (a favicon when the page moves on). The dev
    server then fails while draining the dropped socket, before it closes the reply's file,
    and the leaked file's ResourceWarning fails whichever test is running. Production serves
    through gunicorn or waitress, which close it.
    """
    def serve(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reply = app(environ, start_response)
        try:
            return [b"".join(reply)]
        finally:
            close = getattr(reply, "close", None)
            if close is not None:
                close()

    return serve


@pytest.fixture
def live_url(browser_engine: Engine) -> Iterator[str]:
    app = build_test_app(browser_engine)
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def page(live_url: str) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB",
                               timezone_id="Europe/London")
        tab.set_default_timeout(15000)
        yield tab
        browser.close()


def shoot(page: object, name: str) -> Path:
    """Keep a screenshot of what the test saw, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
