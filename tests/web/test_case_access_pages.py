"""Per-case rules on the pages: another department's case is refused; R06 data is hidden."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from tests.web.conftest import Login

STAFF = "Rosalind Featherstonehaugh"


def _start(engine: Engine, key: str, **data: object) -> int:
    record = engine.start("complaint_journey", business_key=key, user="postroom",
                          data={"received_date": "2026-03-27", "division": "england-and-wales",
                                **data})
    return record.id


def test_another_departments_case_page_is_refused(client: FlaskClient, login_as: Login,
                                                  api_engine: Engine) -> None:
    case = _start(api_engine, "CMS-0101")
    login_as("hmrc_complaints_handler")
    refused = client.get(f"/cases/{case}")
    assert refused.status_code == 403
    assert "Child Maintenance Service" in refused.get_data(as_text=True)
    [task] = api_engine.tasks(instance_id=case)
    assert client.get(f"/tasks/{task.id}").status_code == 403


def test_r06_task_page_does_not_show_or_prefill_the_staff_members_name(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    case = _start(api_engine, "CMS-0102", staff_name_unredacted=STAFF,
                  complaint_details=f"{STAFF} was rude on the phone.")
    [task] = api_engine.tasks(instance_id=case)
    login_as("caseworker")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert STAFF not in text and "confidential: team leader only" not in text
