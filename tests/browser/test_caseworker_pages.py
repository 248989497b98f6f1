"""The caseworker pages under stress in chromium: bad input, a race for one task, pages of
other roles, and the find page; each checked by axe-core and photographed at two widths."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.browser.caseworker_pages import axe_violations, shoot_both, sign_in

pytestmark = pytest.mark.browser


def test_invalid_new_complaint_shows_errors_by_the_fields_keeps_values_and_focuses_summary(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    sign_in(page, live_url, "caseworker")
    page.goto(f"{live_url}/complaints/new")
    page.fill("#f-reference", "CMS 12 !")
    page.fill("#f-received_date-day", "31")
    page.fill("#f-received_date-month", "2")
    page.fill("#f-received_date-year", "2026")
    page.fill("#f-client-name", "Robin <Example>")
    page.click("button:has-text('Log complaint and run triage')")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary = page.inner_text(".govuk-error-summary")
    for message in ("Enter complaint reference in the right format",
                    "‘Received on’ must be a real date", "Select who raised it",
                    "Select how the client wants us to contact them",
                    "Enter complaint details"):
        assert message in summary, message
    assert page.inner_text("#f-reference-error").strip().endswith(
        "Letters, numbers and hyphens, like CMS-0001.")
    assert page.input_value("#f-reference") == "CMS 12 !"
    assert page.input_value("#f-received_date-day") == "31"
    assert page.input_value("#f-client-name") == "Robin <Example>"
    page.click(".govuk-error-summary a[href='#f-reference']")
    assert page.evaluate("document.activeElement.id") == "f-reference"
    assert axe_violations(page) == []
    assert shoot_both(page, "new-complaint-errors") <= 0
    assert browser_engine.instances(limit=5) == []


def test_two_browsers_completing_one_task_one_gets_a_clear_conflict(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    browser_engine.start("complaint_journey", business_key="CMS-RACE-1", user="postroom",
                         data={"division": "scotland", "client": {"name": "Sam Example"}})
    [task] = browser_engine.tasks(business_key="CMS-RACE-1")
    browser_engine.complete(task.id, {"source": "client", "contact_type": "dissatisfaction",
                                      "subject": "Payments", "complaint_details": "Late."},
                            user="caseworker", roles={"caseworker"})
    [call] = browser_engine.tasks(business_key="CMS-RACE-1")
    browser_engine.claim(call.id, user="caseworker", roles={"caseworker"})
    other = page.context.browser.new_context(locale="en-GB", timezone_id="Europe/London")
    second = other.new_page()
    for tab in (page, second):
        sign_in(tab, live_url, "caseworker")
        tab.goto(f"{live_url}/tasks/{call.id}")
        tab.check("#f-phone_contact_made")  # yes
    page.click("button:has-text('Complete task')")
    page.wait_for_url("**/inbox")
    second.click("button:has-text('Complete task')")
    second.wait_for_load_state("networkidle")
    banner = second.inner_text("#task-message")
    assert "Someone else completed this task" in banner and "Nothing was saved" in banner
    assert axe_violations(second) == []
    shoot_both(second, "task-conflict")
    other.close()


@pytest.mark.parametrize("path", ["/operations", "/deployments"])
def test_a_caseworker_opening_an_operations_or_analyst_page_gets_403(
    page: Any, live_url: str, path: str
) -> None:
    sign_in(page, live_url, "caseworker")
    response = page.goto(f"{live_url}{path}")
    assert response.status == 403
    assert page.inner_text("h1") == "You cannot open this page"
    assert "permission" not in page.inner_text("main")
    assert axe_violations(page) == []


def test_find_a_case_and_sign_in_pages(page: Any, live_url: str, browser_engine: Engine) -> None:
    page.goto(f"{live_url}/login")
    assert axe_violations(page) == []
    assert shoot_both(page, "login") <= 0
    sign_in(page, live_url, "caseworker")
    page.goto(f"{live_url}/cases?q=x")
    assert "Enter at least 2 characters" in page.inner_text("main")
    assert axe_violations(page) == []
    assert shoot_both(page, "find") <= 0
