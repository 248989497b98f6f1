"""The Special Payment Team decides with the amounts, type, reasons and evidence in front of
them, and no answer chosen for them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import Engine, SimulatedClock
from tests.journey import driver
from tests.web.conftest import Login, form_csrf


def test_spt_approval_shows_the_payment_and_preselects_no_answer(
    client: FlaskClient, login_as: Login, api_engine: Engine, clock: SimulatedClock
) -> None:
    login_as("special_payment_team")
    case = driver.start(api_engine, clock, "CMS-SPT-1")
    driver.log_contact(case)
    driver.dissatisfaction_unresolved(case)
    driver.resolution(case, outcome="upheld", payment={"financial_loss": 412.5,
                                                       "consolatory": 150})
    task = case.task("rs_spt")
    client.post(f"/tasks/{task.id}/claim", data={"csrf_token": form_csrf(client, "/inbox")})
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "The special payment to decide" in page
    for shown in ("£412.50", "£150.00", "£562.50", "Financial loss and consolatory",
                  "Upheld", "We looked into it.", "Late payments"):
        assert shown in page, shown
    radios = re.findall(r'<input class="govuk-radios__input"[^>]*name="spt_approved"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    assert "R25" not in page and "R32" not in page
