"""A complaint from first contact to the resolution tier, worked in chromium by three people:
the caseworker logs it with the client's details, the client's reply is recorded from the case
page, the team leader refuses to sign off and reassigns the next call, a second caseworker
makes it; every page checked by axe-core and photographed at desktop and phone width."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from engine import Engine
from tests.browser.caseworker_pages import axe_violations, shoot_both, sign_in
from tests.handlers.pdfs import pdf_text
from workflows.users import Users

pytestmark = pytest.mark.browser

KEY = "CMS-JOURNEY-1"
CLIENT = {"#f-client-title": "Ms", "#f-client-name": "Alex Smith",
          "#f-client-address": "1 High Street\nLeeds", "#f-client-postcode": "LS1 1AA",
          "#f-client-reference": "CR-555001"}


def _clean(page: Any, name: str) -> None:
    """No axe violation, and no sideways scrolling at 375 px."""
    assert axe_violations(page) == [], name
    assert shoot_both(page, name) <= 0, f"{name} scrolls sideways at 375 px"


def _open_task(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/inbox?view=queues&clear=1")
    page.click(f"a:has-text('{name}')")
    page.wait_for_load_state("networkidle")
    if page.locator("button:has-text('Claim this task')").count():
        page.click("button:has-text('Claim this task')")
        page.wait_for_selector("text=You claimed")


def _complete(page: Any) -> None:
    with page.expect_navigation():
        page.click("button:has-text('Complete task')")
    page.wait_for_load_state("networkidle")


def _log_complaint(page: Any, base: str) -> None:
    page.goto(f"{base}/complaints/new")
    page.fill("#f-reference", KEY)
    for part, value in (("day", "27"), ("month", "3"), ("year", "2026")):
        page.fill(f"#f-received_date-{part}", value)
    page.check("#f-division")  # England and Wales
    page.select_option("#f-source", "client")
    for selector, value in CLIENT.items():
        page.fill(selector, value)
    page.check("#f-client-contact_preference")  # post
    page.check("#f-contact_type")  # dissatisfaction
    page.fill("#f-subject", "Payments")
    page.fill("#f-complaint_details", "Payments to the receiving parent arrived late twice.")
    page.fill("#f-issues", "Late payments")
    _clean(page, "new-complaint")
    page.click("button:has-text('Log complaint and run triage')")
    page.wait_for_load_state("networkidle")


def test_caseworker_logs_works_and_team_leader_escalates_to_resolution(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    Users(browser_engine).create("cw2", display_name="Second caseworker",
                                 roles=["caseworker"], password="second-caseworker-pw")
    sign_in(page, live_url, "caseworker")
    _log_complaint(page, live_url)
    result = page.inner_text("main")
    assert "Complaint logged" in result and KEY in result
    assert "Dissatisfaction: the caseworker works it" in result and "Caseworker" in result
    shoot_both(page, "new-complaint-result")

    # The call fails: CMSL5700 goes to the client, who has 14 days to reply (R13).
    _open_task(page, live_url, "Call the client")
    _clean(page, "task-call-the-client")
    page.check("#f-phone_contact_made-2")  # No
    _complete(page)
    _clean(page, "inbox")

    # The reply arrives by post: recorded from the case page, the case stops waiting for it.
    [record] = browser_engine.instances(business_key=KEY)
    page.goto(f"{live_url}/cases/{record.id}")
    assert "Alex Smith" in page.inner_text("main") and "CR-555001" in page.inner_text("main")
    page.click("a:has-text('The client replied')")
    for part, value in (("day", "30"), ("month", "3"), ("year", "2026")):
        page.fill(f"#f-received_date-{part}", value)
    page.fill("#f-reply_notes", "The client sent two bank statements.")
    page.click("button:has-text('Record it')")
    page.wait_for_load_state("networkidle")
    assert "Recorded: the client replied" in page.inner_text("main")
    assert page.locator("a:has-text('The client replied')").count() == 0
    assert "Received: The client replied" in page.inner_text("#history ~ ol")
    _clean(page, "case")

    # Investigate: a first try with gaps shows the errors beside the fields, values kept.
    _open_task(page, live_url, "Investigate, record reasons and root cause")
    page.fill("#f-reasons-0-reason", "Paid late")
    _complete(page)
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary = page.inner_text(".govuk-error-summary")
    assert "Select root cause" in summary or "root cause" in summary.lower()
    assert page.input_value("#f-reasons-0-reason") == "Paid late"
    assert page.locator("#f-root_cause-error").count() == 1
    _clean(page, "task-errors")
    page.select_option("#f-reasons-0-type", index=1)
    page.select_option("#f-root_cause", "caseworker_error")
    _complete(page)

    # The plan: the client does not agree, so the team leader decides (R17).
    _open_task(page, live_url, "Agree resolution plan")
    page.select_option("#f-resolution_plan-0-type", "apology")
    page.fill("#f-resolution_plan-0-description", "Apologise for the late payments")
    page.fill("#f-resolution_plan-0-reason", "Paid late")
    for part, value in (("day", "10"), ("month", "4"), ("year", "2026")):
        page.fill(f"#f-resolution_plan-0-due_date-{part}", value)
    page.select_option("#f-resolution_plan-0-status", "draft")
    page.check("#f-resolution_plan-0-client_approved-2")  # no
    page.check("#f-plan_discussed_by_phone")  # yes
    page.check("#f-client_agrees-2")  # no
    _complete(page)
    assert page.url.endswith("/inbox"), page.inner_text(".govuk-error-summary")
    page.context.clear_cookies()

    # The team leader, in another browser, cannot resolve it and authorises the complaint.
    leader = page.context.browser.new_context(viewport={"width": 1280, "height": 900},
                                              locale="en-GB", timezone_id="Europe/London")
    tl = leader.new_page()
    sign_in(tl, live_url, "team_leader")
    _open_task(tl, live_url, "Team leader approval")
    tl.check("#f-tl_decision-3")  # unable to resolve
    _complete(tl)
    _open_task(tl, live_url, "Prepare referral with chronology")
    for part, value in (("day", "27"), ("month", "3"), ("year", "2026")):
        tl.fill(f"#f-chronology-0-date-{part}", value)
    tl.fill("#f-chronology-0-event", "Complaint logged")
    tl.fill("#f-referral_summary", "The client does not accept the plan.")
    _complete(tl)

    g7 = leader.new_page()
    g7.context.clear_cookies()
    sign_in(g7, live_url, "bau_g7")
    _open_task(g7, live_url, "Decide case conference and escalation")
    g7.check("#f-case_conference-2")  # no
    g7.check("#f-escalation_authorised")  # yes
    _complete(g7)

    # Back as team leader: give the escalation call to the second caseworker.
    tl.context.clear_cookies()
    sign_in(tl, live_url, "team_leader")
    tl.goto(f"{live_url}/inbox?view=queues&clear=1")
    row = tl.locator("tr", has_text="Call the client about the escalation")
    row.locator("input[name=task]").check()
    tl.select_option("#reassign-to", "cw2")
    tl.click("button:has-text('Reassign selected tasks')")
    assert "1 task given to Second caseworker" in tl.inner_text("main")
    _clean(tl, "inbox-team-leader")
    leader.close()

    second = page.context.browser.new_context(locale="en-GB", timezone_id="Europe/London")
    cw2 = second.new_page()
    sign_in(cw2, live_url, "cw2", "second-caseworker-pw")
    cw2.goto(f"{live_url}/inbox?view=mine")
    cw2.click("a:has-text('Call the client about the escalation')")
    cw2.check("#f-client_told_by_phone")  # yes
    _complete(cw2)
    assert cw2.url.endswith("/inbox"), cw2.inner_text("main")[:600]
    second.close()
    deadline = time.monotonic() + 20  # letters and the caselist update run as jobs first
    while time.monotonic() < deadline:
        summary = browser_engine.instance(record.id, with_data=False).summary
        if summary["tier"] == "resolution":
            break
        browser_engine.run_due_jobs()
        time.sleep(0.5)
    assert summary["tier"] == "resolution", [
        t.name for t in browser_engine.tasks(instance_id=record.id)]


def test_the_cmsl5700_letter_is_addressed_to_the_client(page: Any, live_url: str,
                                                        browser_engine: Engine) -> None:
    sign_in(page, live_url, "caseworker")
    _log_complaint(page, live_url)
    _open_task(page, live_url, "Call the client")
    page.check("#f-phone_contact_made-2")
    _complete(page)
    [record] = browser_engine.instances(business_key=KEY)
    page.goto(f"{live_url}/cases/{record.id}")
    link = page.locator("a:has-text('Download')").first.get_attribute("href")
    assert link and re.search(r"download=1$", link)
    text = pdf_text(page.request.get(f"{live_url}{link}").body())
    assert "Alex Smith" in text and "1 High Street" in text and "LS1 1AA" in text
