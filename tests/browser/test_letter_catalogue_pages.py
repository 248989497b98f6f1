"""The letter catalogue in Debian's chromium: axe-clean, usable at 375 px, screenshots kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Engine
from tests.browser.caseworker_pages import sign_in
from tests.browser.conftest import shoot
from workflows.packages import COMPLAINTS_PACKAGE, package_files

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "frontend" / "node_modules" / "axe-core" / \
    "axe.min.js"


def _violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol: the page's CSP forbids injected <script> tags.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("async () => (await axe.run(document)).violations.map("
                           "v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))")
    return list(result)


def test_analyst_reads_the_letter_catalogue_and_a_preview_at_desktop_and_phone_width(
        page: Any, live_url: str, browser_engine: Engine) -> None:
    dep = browser_engine.deploy(package_files(COMPLAINTS_PACKAGE), name="complaints",
                                user="analyst").id
    sign_in(page, live_url, "analyst")
    pages = {"letters-index": f"/deployments/{dep}/letters",
             "letters-preview-mp": f"/deployments/{dep}/letters/OUTCOME_REVIEW?sample=mp"}
    for name, path in pages.items():
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_url + path)
            assert "Letters of complaints" in page.inner_text("h1") or \
                "OUTCOME_REVIEW" in page.inner_text("h1"), page.url
            assert _violations(page) == [], (name, width)
            wide = page.evaluate(
                "w => [...document.querySelectorAll('main *')].filter(e => "
                "e.getBoundingClientRect().right > w + 1 && !e.closest('.redress-table-wrap'))"
                ".map(e => e.tagName + '.' + e.className)", width)
            assert wide == [], (name, width, wide)
            shoot(page, f"{name}-{width}")
    page.select_option("#sample", "large-print")
    with page.expect_navigation():  # the sample's page, not the one it replaces
        page.click("text=Show this sample")
    assert "in large print" in page.inner_text("body")
