"""The CSP (web/headers.py) breaks neither GOV.UK Frontend nor bpmn-js: no violation reported.

Chromium reports each blocked script, style, image or connection on the console ("Refused to
... because it violates the following Content Security Policy directive") and fires a
``securitypolicyviolation`` event; both are collected on every page below.
"""

from __future__ import annotations

import re
from typing import Any

from engine import Engine
from tests.browser.conftest import shoot
from workflows.demo import demo_password

LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _sign_in(page: Any, live_url: str, role: str) -> None:
    page.goto(f"{live_url}/login")
    page.fill("#username", role)
    page.fill("#password", demo_password(role))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(deployments|inbox|operations)$"))


def test_pages_and_diagrams_load_without_a_csp_violation(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda err: console.append(f"pageerror: {err}"))
    page.add_init_script(LISTEN)
    case = browser_engine.start("complaint_journey", business_key="CMS-CSP1", user="postroom",
                                data={"received_date": "2026-03-27",
                                      "division": "england-and-wales"}).id
    seen: list[str] = []
    _sign_in(page, live_url, "operations")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    seen += page.evaluate("window.__csp")
    page.goto(f"{live_url}/operations/instances/{case}")
    page.wait_for_selector("[data-redress-diagram][data-shown]")
    assert page.locator(".djs-container svg").count() >= 1
    seen += page.evaluate("window.__csp")
    shoot(page, "csp-operations-diagram")
    page.context.clear_cookies()
    _sign_in(page, live_url, "analyst")
    page.goto(f"{live_url}/modeller/complaints/edit/resolution.bpmn")
    page.wait_for_selector("#modeller[data-ready]")
    seen += page.evaluate("window.__csp")
    shoot(page, "csp-modeller")
    violations = [m for m in console if "Content Security Policy" in m or "pageerror" in m]
    assert seen == [] and violations == []
