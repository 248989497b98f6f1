"""The case page: summary, open tasks, letters and a history that names fields, never values."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from tests.web.conftest import Login, form_csrf
from tests.web.test_task_form import LOG_CONTACT, _start


def _past_the_call(client: FlaskClient, engine: Engine) -> int:
    """A case whose caseworker logged the contact and could not reach the client (CMSL5700)."""
    task = _start(engine, "CMS-8001")
    csrf = form_csrf(client, "/inbox")
    client.post(f"/tasks/{task.id}/complete", data={**LOG_CONTACT, "csrf_token": csrf})
    [call] = engine.tasks(instance_id=task.instance_id)
    client.post(f"/tasks/{call.id}/complete",
                data={"phone_contact_made": "false", "csrf_token": csrf})
    return task.instance_id


def test_case_page_shows_summary_tasks_letters_and_history(client: FlaskClient,
                                                           login_as: Login,
                                                           api_engine: Engine) -> None:
    login_as("caseworker")
    instance_id = _past_the_call(client, api_engine)
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "<h1>CMS-8001</h1>" in page and "dissatisfaction" in page
    [open_task] = api_engine.tasks(instance_id=instance_id)
    assert f'href="/tasks/{open_task.id}">{open_task.name}</a>' in page
    letters = api_engine.documents(instance_id)
    assert letters, "the call that failed sends CMSL5700"
    letter = next((d for d in letters if "CMSL5700" in d.name), letters[0])
    link = f"/api/v1/instances/{instance_id}/letters/{letter.id}/content"
    assert f'href="{link}">{letter.name}</a>' in page
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "Task completed: <span class=\"subject\">Log contact and triage facts" in page
    assert "<code>complaint_details</code>" in page and "<code>issues</code>" in page
    assert LOG_CONTACT["complaint_details"] not in page  # a private key: named, never shown
    assert "Late payments" not in page  # nor any other value


def test_operations_reach_the_case_from_their_list_but_not_the_task_form(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    task = _start(api_engine, "CMS-8002")
    login_as("operations")
    listed = client.get("/operations").get_data(as_text=True)
    assert f'href="/operations/instances/{task.instance_id}"' in listed
    detail = client.get(f"/operations/instances/{task.instance_id}").get_data(as_text=True)
    assert f'href="/cases/{task.instance_id}"' in detail
    page = client.get(f"/cases/{task.instance_id}").get_data(as_text=True)
    assert "Log contact and triage facts" in page and f"/tasks/{task.id}" not in page
    assert client.get(f"/tasks/{task.id}").status_code == 403


def test_case_page_needs_the_view_permission_and_an_existing_case(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    task = _start(api_engine, "CMS-8003")
    login_as("analyst")
    assert client.get(f"/cases/{task.instance_id}").status_code == 403
    login_as("caseworker")
    assert client.get("/cases/999999").status_code == 404
