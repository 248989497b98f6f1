"""The analyst's modeller in Debian's chromium: edit, lint, deploy one process, diff, try, run."""

from __future__ import annotations

import re
from typing import Any

import pytest

from engine import Engine
from engine.catalogue import Catalogue
from tests.browser.conftest import SCREENSHOTS
from workflows.demo import demo_password

SHOTS = SCREENSHOTS.parents[1] / "screenshots"  # git-ignored, for people to look at
GROUP = '[data-group-id="group-%s"]'
STATUS = "() => document.querySelector('#save-status').textContent.startsWith('%s')"
RESOLUTION = "/modeller/complaints/edit/resolution.bpmn"
CLIENT = {"name": "Sam Example", "address": ["1 Test Street", "Leeds", "LS1 1AA"]}


def shoot(page: Any, name: str, *, narrow: bool = False) -> None:
    """Keep what the test saw at desktop width and, if asked, at 375 px too."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if narrow:
        size = page.viewport_size
        page.set_viewport_size({"width": 375, "height": 812})
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"{name}-375.png"), full_page=True)
        page.set_viewport_size(size)


def _focus(page: Any, element_id: str) -> None:
    page.evaluate(f"""() => {{ const m = window.redressModeler, c = m.get('canvas');
        c.zoom(1); c.scrollToElement(m.get('elementRegistry').get('{element_id}')); }}""")


def _sign_in(page: Any, live_url: str, role: str = "analyst") -> None:
    page.goto(f"{live_url}/login")
    page.fill("#username", role)
    page.fill("#password", demo_password(role))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(deployments|inbox|operations)$"))


def _open(page: Any, live_url: str, path: str) -> None:
    page.goto(f"{live_url}{path}")
    page.wait_for_selector("#modeller[data-ready]")


def _start(engine: Engine, key: str) -> int:
    return engine.start("complaint_journey", business_key=key, user="postroom", data={
        "received_date": "2026-03-27", "division": "england-and-wales", "client": CLIENT}).id


def _running(page: Any, process: str, version: int) -> int:
    row = page.locator(f'tr[data-process="{process}"][data-version="{version}"] [data-running]')
    return int(row.inner_text())


ADD_TASK = """() => {
  const m = window.redressModeler;
  const flow = m.get('elementRegistry').get('f_rs_ack__rs_ack_join');
  const shape = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  return m.get('modeling').createShape(shape, { x: 1202, y: 155 }, flow).id;
}"""


def _marker(page: Any, element_id: str) -> Any:
    return page.locator(f'.djs-overlays[data-container-id="{element_id}"] .bjsl-overlay')


def test_analyst_adds_a_task_fixes_its_lint_and_deploys_only_the_resolution_process(
        page: Any, live_url: str, browser_engine: Engine) -> None:
    old = _start(browser_engine, "OLD-1")
    _sign_in(page, live_url)
    _open(page, live_url, RESOLUTION)
    assert page.locator("#modeller").get_attribute("data-import-warnings") == "0"

    task_id = page.evaluate(ADD_TASK)
    lane = page.evaluate(f"""() => window.redressModeler.get('elementRegistry')
        .get('{task_id}').businessObject.$parent.laneSets[0].lanes
        .find(l => l.flowNodeRef.some(n => n.id === '{task_id}')).name""")
    assert lane == "resolution_case_manager"
    _marker(page, task_id).wait_for()
    _marker(page, task_id).hover()
    assert "User task has no form" in page.locator(".bjsl-dropdown-content").first.inner_text()
    _focus(page, task_id)
    _marker(page, task_id).hover()
    shoot(page, "modeller-lint-marker", narrow=True)

    page.evaluate(f"() => window.redressModeler.get('selection').select("
                  f"window.redressModeler.get('elementRegistry').get('{task_id}'))")
    page.locator(f'{GROUP % "general"} .bio-properties-panel-group-header').click()
    page.fill("#bio-properties-panel-name", "Check the acknowledgement")
    page.locator(f'{GROUP % "redress-user-task"} .bio-properties-panel-group-header').click()
    page.select_option("#bio-properties-panel-redress-form", "investigate.schema.json")
    _marker(page, task_id).wait_for(state="detached")
    page.wait_for_function(STATUS % "Draft saved")
    shoot(page, "modeller", narrow=True)

    page.get_by_role("button", name="Deploy complaints").click()
    page.wait_for_function(STATUS % "Deployed")
    assert "new version of complaint_resolution (v2)" in page.locator("#save-status").inner_text()
    new = _start(browser_engine, "NEW-1")

    versions = {p: [v.version for v in Catalogue(browser_engine.db).versions(p)]
                for p in Catalogue(browser_engine.db).process_ids()}
    assert versions["complaint_resolution"] == [1, 2]
    assert all(v == [1] for p, v in versions.items() if p != "complaint_resolution")
    page.goto(f"{live_url}/deployments")
    assert _running(page, "complaint_resolution", 1) == 1  # the older case stays on v1
    assert _running(page, "complaint_resolution", 2) == 1  # the new case runs v2
    assert _running(page, "complaint_journey", 1) == 2
    assert old != new

    page.locator('tr[data-process="complaint_resolution"][data-version="2"] a').click()
    page.wait_for_selector("#differ[data-ready]")
    added = page.locator('section[data-process="complaint_resolution"] li[data-change="added"]')
    assert "Check the acknowledgement" in added.first.inner_text()
    assert page.locator(f'[data-element-id="{task_id}"].redress-diff--added').count() == 1
    shoot(page, "modeller-diff", narrow=True)


def test_triage_try_it_panel_shows_the_hit_rule_for_an_mp_complaint(
        page: Any, live_url: str) -> None:
    _sign_in(page, live_url)
    _open(page, live_url, "/modeller/complaints/edit/triage.dmn")
    page.fill('[id="try-source"]', "mp")
    page.fill('[id="try-contact_type"]', "complaint")
    page.get_by_role("button", name="Try it").click()
    page.wait_for_selector("#try-result[data-rule]")
    assert page.locator("#try-result").get_attribute("data-rule") == "rule_8"
    assert "mp_correspondence" in page.locator("#try-result").inner_text()
    page.locator("#try").scroll_into_view_if_needed()
    shoot(page, "modeller-dmn-try", narrow=True)


def test_token_simulation_starts_on_the_draft(page: Any, live_url: str) -> None:
    _sign_in(page, live_url)
    _open(page, live_url, RESOLUTION)
    page.get_by_role("button", name="Token simulation").click()
    page.wait_for_selector(".redress-modeller--simulating")
    page.locator('.djs-overlays[data-container-id="rs_start"] .bts-context-pad').first.click()
    page.wait_for_selector(".bts-token", timeout=10000)
    shoot(page, "modeller-token-simulation")


@pytest.mark.parametrize(("package", "filename"), [
    *(("complaints", f"{d}.bpmn") for d in ("journey", "intake", "dissatisfaction",
                                             "resolution", "review", "ice", "phso", "appeal")),
    ("csa-legacy", "csa.bpmn"), ("hmrc", "hmrc.bpmn"), ("hmrc", "ccast.bpmn")])
def test_every_diagram_opens_cleanly_in_bpmn_js_with_no_lint_issue(
        page: Any, live_url: str, package: str, filename: str) -> None:
    _sign_in(page, live_url)
    _open(page, live_url, f"/modeller/{package}/edit/{filename}")
    root = page.locator("#modeller")
    assert root.get_attribute("data-import-warnings") == "0"
    page.wait_for_function("() => document.querySelector('#modeller').dataset.lintIssues")
    issues = page.evaluate("""() => window.redressModeler.get('linting').lint().then(
        found => Object.entries(found)
            .flatMap(([id, list]) => list.map(i => `${id}: ${i.message}`)))""")
    assert issues == []  # recommended rules (overlapping shapes included) and ours
    page.evaluate("() => window.redressModeler.get('canvas').zoom('fit-viewport')")
    SHOTS.mkdir(exist_ok=True)
    page.locator("#canvas").screenshot(path=str(SHOTS / f"diagram-{package}-{filename}.png"))
