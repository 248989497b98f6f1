"""Operations in Debian's chromium: find a case by client name, suspend it (a caseworker is
told why they cannot complete its task), resume it, fix the data behind an incident and retry
it, migrate a batch to version 2 after the preview, and download the figures as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Engine
from engine.batches import run_batches
from tests.browser.ops_helpers import (
    axe_violations,
    checked_at_both_widths,
    fits,
    shoot,
    sign_in,
)
from tests.engine.conftest import buffer_unchecked_message, diagram_files, runaway_case
from tests.operations.conftest import start, start_with_incident
from tests.operations.test_batches import version_two

pytestmark = pytest.mark.browser


def _second_page(page: Any) -> Any:
    return page.context.browser.new_page(viewport={"width": 1280, "height": 900},
                                         locale="en-GB", timezone_id="Europe/London")


def test_operations_find_suspend_resume_repair_retry_migrate_and_download(
    page: Any, live_url: str, browser_engine: Engine, tmp_path: Path
) -> None:
    robin = start(browser_engine, "CMS-0101", client={"name": "Robin Sample"})
    sam = start(browser_engine, "CMS-0102", client={"name": "Sam Other"})
    broken = start_with_incident(browser_engine, "CMS-0103")

    sign_in(page, live_url, "operations")
    assert page.inner_text("h1") == "Cases"
    assert axe_violations(page) == []
    page.fill("#client_name", "robin")
    page.click("button:has-text('Search')")
    table = page.inner_text("table")
    assert "CMS-0101" in table and "CMS-0102" not in table
    shoot(page, "ops-instances-search")
    page.click("a:has-text('CMS-0101')")
    page.wait_for_selector(".djs-element.redress-active")
    assert page.locator(".djs-element.redress-completed").count() >= 1
    assert axe_violations(page) == []
    shoot(page, "ops-instance-detail")

    # The caseworker holds the task (claim before work) when operations suspend the case.
    [task] = browser_engine.tasks(instance_id=robin.id)
    browser_engine.claim(task.id, user="caseworker", roles=["caseworker"])
    page.fill("#suspend-reason", "Possible duplicate of CMS-0102")
    page.click("button:has-text('Suspend case')")
    assert "Case suspended" in page.inner_text(".govuk-notification-banner")
    assert "Suspended" in page.inner_text("#case-status")

    worker = _second_page(page)
    try:
        sign_in(worker, live_url, "caseworker")
        worker.goto(f"{live_url}/tasks/{task.id}")
        worker.check("#f-contact_type")
        worker.fill("#f-subject", "payment_delay")
        worker.fill("#f-complaint_details", "Payments arrived late.")
        worker.click("button:has-text('Complete task')")
        assert "The case is suspended" in worker.inner_text("main")
        shoot(worker, "caseworker-told-suspended")
    finally:
        worker.close()
    assert browser_engine.tasks(instance_id=robin.id)[0].status == "open"

    page.fill("#resume-reason", "Not a duplicate: different client")
    page.click("button:has-text('Resume case')")
    assert "Case resumed" in page.inner_text(".govuk-notification-banner")

    page.goto(f"{live_url}/operations?status=incident")
    page.click("a:has-text('CMS-0103')")
    assert "unknown UK division 'atlantis'" in page.inner_text("#incidents ~ .govuk-summary-card")
    page.wait_for_selector(".djs-element.redress-incident")
    shoot(page, "ops-incident")
    page.click("summary:has-text('Change a value')")
    page.fill("#edit-key", "division")
    page.fill("#edit-value", "scotland")
    page.fill("#edit-reason", "Client lives in Glasgow")
    page.click("button:has-text('Change value')")
    assert "Case data division changed" in page.inner_text(".govuk-notification-banner")
    [incident] = browser_engine.incidents(instance_id=broken.id)
    page.fill(f"#retry-reason-{incident.id}", "Division fixed")
    page.click("button:has-text('Retry')")
    assert "Incident retried" in page.inner_text(".govuk-notification-banner")
    assert browser_engine.incidents(instance_id=broken.id) == []

    version_two(browser_engine)
    page.goto(f"{live_url}/operations?process_id=complaint_journey&version=1")
    page.check(f"#pick-{robin.id}")
    page.check(f"#pick-{sam.id}")
    page.click("button:has-text('Batch operation on selected cases')")
    page.check("input[value='migrate']")
    page.select_option("#to_version", "2")
    page.fill("#reason", "New journey wording")
    page.click("button:has-text('Continue')")
    assert "Preview: move to version 2" in page.inner_text("main")
    assert axe_violations(page) == []
    shoot(page, "ops-batch-preview")
    page.click("button:has-text('Start the move')")
    assert "2 cases to migrate" in page.inner_text(".govuk-notification-banner")
    assert browser_engine.instance(robin.id).version == 1  # the scheduler does the work
    run_batches(browser_engine)
    page.reload()
    assert "2 of 2" in page.inner_text("main")
    assert [browser_engine.instance(i).version for i in (robin.id, sam.id)] == [2, 2]
    shoot(page, "ops-batch-done")

    page.goto(f"{live_url}/operations/figures")
    assert axe_violations(page) == []
    shoot(page, "ops-figures")
    with page.expect_download() as download:
        page.click("a:has-text('Download these figures (CSV)')")
    saved = tmp_path / "figures.csv"
    download.value.save_as(str(saved))
    assert saved.read_text().startswith("figure,tier,group,measure,value")

    page.goto(f"{live_url}/operations/heatmap")
    page.wait_for_selector(".redress-diagram__badge")
    assert axe_violations(page) == []
    shoot(page, "ops-heatmap")

    page.set_viewport_size({"width": 375, "height": 800})
    for path, name in (("/operations?client_name=robin", "ops-instances-375"),
                       (f"/operations/instances/{robin.id}", "ops-instance-375"),
                       ("/operations/figures", "ops-figures-375"),
                       ("/operations/heatmap", "ops-heatmap-375")):
        page.goto(f"{live_url}{path}")
        page.wait_for_load_state("networkidle")
        shoot(page, name)
        if name == "ops-heatmap-375":  # its element table scrolls there: it takes the keyboard
            assert axe_violations(page) == [], path
        wide = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(e =>
            e.getBoundingClientRect().right > 376 && !e.closest('.redress-table-wrap')
            ).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +
            Math.round(e.getBoundingClientRect().right))""")
        assert fits(page), f"{path} scrolls sideways at 375 px: {wide}"


def test_a_refused_message_incident_is_explained_and_marked_dealt_with(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    """Decision 0030: a message buffered unchecked by an older release is refused on delivery;
    the case page says the case still waits and that nothing runs again, at 375 px too."""
    browser_engine.deploy(diagram_files("race.bpmn"), name="race", user="analyst")
    buffer_unchecked_message(browser_engine, "OLD-7", "client_reply", {"typename": "x"})
    case = browser_engine.start("race", business_key="OLD-7", data={}, user="postroom")
    [incident] = browser_engine.incidents(instance_id=case.id)

    sign_in(page, live_url, "operations")
    page.goto(f"{live_url}/operations/instances/{case.id}")
    card = page.inner_text("#incidents ~ .govuk-summary-card")
    assert "'client_reply'" in card and "send a corrected message" in card
    assert "Nothing runs again" in card
    checked_at_both_widths(page, "ops-refused-message")
    _mark_dealt_with(page, incident.id, "Sender asked to resend")
    assert browser_engine.incidents(instance_id=case.id) == []


def test_a_step_limit_incident_says_resume_the_case_then_is_marked_dealt_with(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    """Decision 0032: a step over its limit was rolled back and its case suspended; the card
    says to fix the cause and resume the case (retrying runs nothing), at 375 px too."""
    case, _ = runaway_case(browser_engine, "SPIN-7", user="postroom")
    [incident] = browser_engine.incidents(instance_id=case.id)

    sign_in(page, live_url, "operations")
    page.goto(f"{live_url}/operations/instances/{case.id}")
    card = page.inner_text("#incidents ~ .govuk-summary-card")
    assert "Nothing runs again" in card and "resume the case" in card
    assert "Retry" not in card
    checked_at_both_widths(page, "ops-step-limit")
    page.fill("#resume-reason", "Loop's data corrected")
    page.click("button:has-text('Resume')")
    assert "Case resumed" in page.inner_text(".govuk-notification-banner")
    _mark_dealt_with(page, incident.id, "Data corrected and case resumed")
    assert browser_engine.incidents(instance_id=case.id) == []
    assert browser_engine.instance(case.id).status == "active"


def _mark_dealt_with(page: Any, incident_id: int, what_was_done: str) -> None:
    """Record on the case page that an incident with nothing to run again was dealt with."""
    page.fill(f"#retry-reason-{incident_id}", what_was_done)
    page.click("button:has-text('Mark as dealt with')")
    assert "Incident marked as dealt with" in page.inner_text(".govuk-notification-banner")
    assert "Dealt with" in page.inner_text("#incidents ~ .govuk-summary-card")
