"""Helpers for the operations browser tests: axe-core, screenshots into screenshots/, and a
second signed-in browser page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workflows.demo import demo_password

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "screenshots"


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page (the diagram canvas left out)."""
    # Evaluated through the DevTools protocol: the page's CSP forbids injected <script> tags.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate("""async () => {
        const r = await axe.run({exclude: [['.djs-container']]},
                                {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']});
        return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    return list(found)


def shoot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", role)
    page.fill("#password", demo_password(role))
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("networkidle")


def fits(page: Any, width: int = 375) -> bool:
    """No sideways scrolling at this width."""
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def checked_at_both_widths(page: Any, name: str) -> None:
    """axe-clean, then screenshots at desktop width and at 375 px, where nothing may scroll
    sideways; the page is left at desktop width."""
    assert axe_violations(page) == []
    shoot(page, name)
    page.set_viewport_size({"width": 375, "height": 800})
    assert fits(page), f"{name} scrolls sideways at 375 px"
    shoot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})
