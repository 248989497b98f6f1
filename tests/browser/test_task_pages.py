"""A caseworker works a complaint in chromium: open the task, fix the form, complete, move on."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, SimulatedClock
from tests.browser.conftest import shoot
from tests.browser.test_start_pages import _sign_in
from tests.journey import driver

pytestmark = pytest.mark.browser

KEY = "CMS-BROWSER-2"


def test_caseworker_completes_log_contact_and_sees_the_next_task(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    browser_engine.start("complaint_journey", business_key=KEY, user="postroom",
                         data={"received_date": "2026-03-27", "division": "scotland",
                               "client": {"name": "Sam Example", "role": "paying_parent"}})
    _sign_in(page, live_url, "caseworker")
    page.click("text=Log contact and triage facts")
    assert page.inner_text("h1") == "Log contact and triage facts"
    assert "Log Complaint" in page.inner_text("aside")
    shoot(page, "task-log-contact")

    # The diagram filled in some triage facts; the caseworker clears two and forgets a date.
    assert page.input_value("#f-source") == "client"
    page.select_option("#f-source", "")
    page.fill("#f-subject", "")
    page.check("#f-appealable_decision")
    page.fill("#f-complaint_details", "Payments to the receiving parent arrived late twice.")
    page.click("button:has-text('Complete task')")
    summary = page.inner_text(".error-summary")
    assert "Select raised by" in summary and "Enter subject category" in summary
    assert "Enter a date for ‘Date of the original decision’" in summary
    assert page.is_checked("#f-appealable_decision")
    assert page.input_value("#f-complaint_details").startswith("Payments to the receiving")
    shoot(page, "task-log-contact-errors")
    page.click(".error-summary a[href='#f-source']")
    assert page.evaluate("document.activeElement.id") == "f-source"

    page.select_option("#f-source", "client")
    page.uncheck("#f-appealable_decision")
    page.check("#f-contact_type")  # the first choice: dissatisfaction
    page.fill("#f-subject", "payment_delay")
    page.fill("#f-issues", "Late payments\nNo reply to letters")
    page.click("button:has-text('Complete task')")
    page.wait_for_url("**/inbox")
    assert "Completed: Log contact and triage facts for CMS-BROWSER-2" in page.inner_text(
        ".govuk-notification-banner")
    row = page.locator("tr", has_text=KEY)
    assert "Call the client" in row.inner_text()
    shoot(page, "inbox-after-complete")

    data = browser_engine.instance(browser_engine.tasks(business_key=KEY)[0].instance_id).data
    assert data["issues"] == ["Late payments", "No reply to letters"]
    assert data["source"] == "client" and data["vulnerable"] is False

    page.click("text=Call the client")
    page.click("button:has-text('Claim this task')")
    assert "You claimed Call the client" in page.inner_text(".govuk-notification-banner")
    assert page.input_value("#f-complaint_details").startswith("Payments to the receiving")
    shoot(page, "task-call-claimed")

    page.click(f"aside a:has-text('{KEY}')")
    assert page.inner_text("h1") == KEY
    assert "Log contact and triage facts" in page.inner_text("table.history")
    assert "Payments to the receiving parent" not in page.inner_text("body")
    shoot(page, "case-page")


def test_resolution_plan_rows_keep_their_place_when_one_is_wrong(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    clock = browser_engine.clock
    assert isinstance(clock, SimulatedClock)
    case = driver.log_contact(driver.start(browser_engine, clock, "CMS-BROWSER-3"))
    case.complete("ds_call", {"phone_contact_made": True})
    case.complete("ds_investigate", {"reasons": [{"reason": "Late payments", "type": "delay"}],
                                     "root_cause": "caseworker_error"})
    _sign_in(page, live_url, "caseworker")
    page.click("text=Agree resolution plan")
    page.select_option("#f-resolution_plan-0-type", "apology")
    page.fill("#f-resolution_plan-0-reason", "Late payments")
    page.fill("#f-resolution_plan-0-due_date", "2026-04-10")
    page.select_option("#f-resolution_plan-0-status", "draft")
    page.check("#f-resolution_plan-0-client_approved-2")  # No
    page.fill("#f-resolution_plan-2-description", "Refund the fee")  # row 2 left half done
    page.check("#f-plan_discussed_by_phone")  # Yes
    page.click("button:has-text('Complete task')")
    summary = page.inner_text(".error-summary")
    assert "Resolution plan, entry 3: Select action" in summary
    assert "Select yes or no for ‘Client agrees" in summary
    assert page.input_value("#f-resolution_plan-2-description") == "Refund the fee"
    assert page.is_checked("#f-resolution_plan-0-client_approved-2")
    shoot(page, "task-plan-errors")

    page.fill("#f-resolution_plan-2-description", "")
    page.check("#f-client_agrees")
    page.click("button:has-text('Complete task')")
    page.wait_for_url("**/inbox")
    plan = case.data["resolution_plan"]
    assert plan == [{"type": "apology", "reason": "Late payments", "due_date": "2026-04-10",
                     "status": "draft", "client_approved": False}]
