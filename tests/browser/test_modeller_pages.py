"""The analysts' plain pages are axe-clean and fit 375 px: deployments, packages, rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_modeller_acceptance import SHOTS, _sign_in

AXE = (Path(__file__).resolve().parents[2] / "web" / "frontend" / "node_modules" / "axe-core"
       / "axe.min.js")
# Nothing of the page's own content may stick out sideways (wide tables scroll in their wrap).
STICKING_OUT = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > 376 && !e.closest('.redress-table-wrap'))
    .map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("path", ["/deployments", "/modeller", "/modeller/rules"])
def test_analyst_page_has_no_axe_violation_and_no_sideways_scroll_at_375_px(
        page: Any, live_url: str, path: str) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci in web/frontend)")
    _sign_in(page, live_url)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_url}{path}")
    page.evaluate(AXE.read_text())  # not a script tag: the strict CSP refuses inline scripts
    violations = page.evaluate("""async () => (await axe.run(document)).violations
        .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`)""")
    assert violations == []
    assert page.evaluate(STICKING_OUT) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"page{path.replace('/', '-')}-375.png"), full_page=True)
