"""Operations move a case's token in Debian's chromium (decision 0023): the case waits at its
acknowledgement letter; they move it to the investigation from the case page with a reason,
and the diagram and the waiting work follow; a move into another process is refused in words."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.browser.ops_helpers import axe_violations, shoot, sign_in
from tests.operations.conftest import LOG_COMPLAINT, start

pytestmark = pytest.mark.browser


def test_operations_move_a_token_to_another_step_with_a_reason(
    page: Any, live_url: str, browser_engine: Engine
) -> None:
    case = start(browser_engine, "CMS-0301", client={"name": "Jordan Sample"})
    [task] = browser_engine.tasks(instance_id=case.id)
    browser_engine.complete(task.id, LOG_COMPLAINT, user="caseworker", roles={"caseworker"})

    sign_in(page, live_url, "operations")
    page.goto(f"{live_url}/operations/instances/{case.id}")
    page.wait_for_selector(".djs-element.redress-active")
    page.click("summary:has-text('Move the case to another step')")
    page.select_option("#move-token", "complaint_resolution/rs_ack")
    page.select_option("#move-target", "complaint_journey/j_dissat")
    page.fill("#move-reason", "Should be tier 0")
    page.click("button:has-text('Move the case')")
    assert "a token moves only within the process it is in" in page.inner_text(
        ".govuk-error-summary")
    assert axe_violations(page) == []

    page.select_option("#move-token", "complaint_resolution/rs_ack")
    page.select_option("#move-target", "complaint_resolution/rs_investigate")
    page.fill("#move-reason", "Acknowledgement sent by hand")
    shoot(page, "ops-move-token")
    page.click("button:has-text('Move the case')")
    assert "Case moved" in page.inner_text(".govuk-notification-banner")
    assert "Investigate the complaint" in page.inner_text("main")
    page.wait_for_selector(".djs-element.redress-active[data-element-id='rs_investigate']")
    [moved] = [a for a in browser_engine.audit(case.id) if a.action == "token_moved"]
    assert moved.actor == "operations"
    assert moved.detail["reason"] == "Acknowledgement sent by hand"
    assert [t.spec_id for t in browser_engine.tasks(instance_id=case.id)] == ["rs_investigate"]
