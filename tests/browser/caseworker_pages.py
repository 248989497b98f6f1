"""Helpers for the caseworker browser tests: sign in, axe-core, screenshots at two widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workflows.demo import demo_password

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "screenshots"
PHONE = 375


def sign_in(page: Any, base: str, username: str, password: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password or demo_password(username))
    page.click("form button:has-text('Sign in')")
    page.wait_for_load_state("networkidle")


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA and best-practice violations on the page as it is now.

    axe is evaluated through the DevTools protocol: the pages' CSP (no inline script) refuses
    an injected ``<script>`` tag, as it should.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    return list(found)


def shoot_both(page: Any, name: str) -> int:
    """Desktop and 375 px screenshots; returns how far the phone page scrolls sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE, "height": 800})
    overflow = int(page.evaluate("document.documentElement.scrollWidth")) - PHONE
    page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size(size)
    return overflow
