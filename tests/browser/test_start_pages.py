"""Each kind of user signs in through a real browser and lands where the README says."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.browser.conftest import shoot
from workflows.demo import demo_password

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", role)
    page.fill("#password", demo_password(role))
    page.click("form button:has-text('Sign in')")
    page.wait_for_load_state("networkidle")


def test_caseworker_signs_in_and_sees_the_new_complaint_in_the_inbox(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    browser_engine.start("complaint_journey", business_key="CMS-BROWSER-1", user="postroom",
                         data={"received_date": "2026-03-27", "division": "scotland",
                               "client": {"name": "Sam Example", "role": "paying_parent"}})
    _sign_in(page, live_url, "caseworker")
    assert page.url.endswith("/inbox")
    body = page.inner_text("body")
    assert "CMS-BROWSER-1" in body
    assert shoot(page, "inbox-caseworker").stat().st_size > 10_000


@pytest.mark.parametrize("role, start", [("operations", "/operations"),
                                         ("analyst", "/deployments")])
def test_staff_land_on_their_start_page(page: Any, live_url: str, role: str, start: str) -> None:
    _sign_in(page, live_url, role)
    assert page.url.endswith(start)
    assert "Sign in" not in page.inner_text("h1")
    shoot(page, f"start-{role}")


def test_wrong_password_stays_on_the_login_page(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/login")
    page.fill("#username", "caseworker")
    page.fill("#password", "not-the-password")
    page.click("form button:has-text('Sign in')")
    assert "/login" in page.url
    assert "/inbox" not in page.url
