"""The case page: summary with the parties, open work, letters, files, notes, incoming events
and a timeline that shows what was entered (private fields masked)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import Engine
from tests.web.conftest import Login, form_csrf
from tests.web.test_task_form import LOG_CONTACT, _claim_and_complete, _start


def _past_the_call(client: FlaskClient, engine: Engine) -> int:
    """A case whose caseworker logged the contact and could not reach the client (CMSL5700)."""
    task = _start(engine, "CMS-8001")
    _claim_and_complete(client, task.id, LOG_CONTACT)
    [call] = engine.tasks(instance_id=task.instance_id)
    _claim_and_complete(client, call.id, {"phone_contact_made": "false"})
    return task.instance_id


def test_case_page_shows_parties_tasks_letters_and_a_timeline_of_answers(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    instance_id = _past_the_call(client, api_engine)
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert re.search(r'<h1 class="govuk-heading-l">CMS-8001', page) and "Ms Alex Smith" in page
    [open_task] = api_engine.tasks(instance_id=instance_id)
    assert f'href="/tasks/{open_task.id}">{open_task.name}</a>' in page
    letters = api_engine.documents(instance_id)
    assert letters, "the call that failed sends CMSL5700"
    letter = next((d for d in letters if "CMSL5700" in d.name), letters[0])
    preview = f"/cases/{instance_id}/letters/{letter.id}"
    assert f'src="{preview}"' in page and f'href="{preview}?download=1"' in page
    pdf = client.get(preview + "?download=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert "Task completed</strong>: Log contact and triage facts" in page
    assert "Late payments" in page  # what was entered is shown ...
    assert LOG_CONTACT["complaint_details"] in page  # (the summary shows the details)
    history = page.split('id="history"')[1]
    assert LOG_CONTACT["complaint_details"] not in history  # ... but a private key is masked
    assert "Recorded (not shown: private)" in history
    assert "The client replied" in page  # the case waits for the client's reply (R13)


def test_the_client_reply_is_recorded_from_the_case_page_and_the_case_moves_on(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    instance_id = _past_the_call(client, api_engine)
    path = f"/cases/{instance_id}/events/client_reply"
    csrf = form_csrf(client, path)
    bad = client.post(path, data={"csrf_token": csrf, "reply_notes": ""})
    assert bad.status_code == 422 and "Enter what the client said" in bad.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf, "received_date-day": "30",
                                   "received_date-month": "3", "received_date-year": "2026",
                                   "reply_notes": "The client sent bank statements."})
    assert done.status_code == 302
    delivered = [a for a in api_engine.audit(instance_id) if a.action == "message_delivered"]
    assert [a.detail["message"] for a in delivered] == ["client_reply"]
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "Received</strong>: The client replied" in page
    assert f'href="{path}"' not in page  # no longer waited for
    assert client.get(path).status_code == 403


def test_an_event_the_caller_may_not_record_is_refused(client: FlaskClient, login_as: Login,
                                                       api_engine: Engine) -> None:
    login_as("caseworker")
    instance_id = _past_the_call(client, api_engine)
    login_as("phso_team")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "The client replied" not in page
    assert client.get(f"/cases/{instance_id}/events/client_reply").status_code == 403


def test_notes_are_dated_by_user_and_an_empty_note_is_refused(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    task = _start(api_engine, "CMS-8004")
    path = f"/cases/{task.instance_id}"
    csrf = form_csrf(client, path)
    empty = client.post(path + "/notes", data={"csrf_token": csrf, "note": "   "})
    assert empty.status_code == 422 and "Enter the note" in empty.get_data(as_text=True)
    client.post(path + "/notes", data={"csrf_token": csrf, "note": "Called <b>twice</b>."})
    page = client.get(path).get_data(as_text=True)
    assert "Called &lt;b&gt;twice&lt;/b&gt;." in page and "<strong>caseworker</strong>" in page


def test_uploads_are_checked_by_content_and_served_only_as_attachments(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    from io import BytesIO

    login_as("caseworker")
    task = _start(api_engine, "CMS-8005")
    path = f"/cases/{task.instance_id}"
    csrf = form_csrf(client, path)
    html = client.post(path + "/files", content_type="multipart/form-data", data={
        "csrf_token": csrf, "kind": "evidence",
        "file": (BytesIO(b"<html><script>alert(1)</script>"), "evil.pdf")})
    assert html.status_code == 422
    assert "must be a PDF, PNG or JPG" in html.get_data(as_text=True)
    ok = client.post(path + "/files", content_type="multipart/form-data", data={
        "csrf_token": csrf, "kind": "inbound_letter",
        "file": (BytesIO(b"%PDF-1.4 letter"), "../../letter <1>.pdf")})
    assert ok.status_code == 302
    page = client.get(path).get_data(as_text=True)
    link = re.search(rf'href="({path}/files/\d+)">([^<]+)</a>', page)
    assert link and "/" not in link.group(2)
    got = client.get(link.group(1))
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff" and got.data.startswith(b"%PDF")


def test_a_staff_complaint_keeps_only_the_redacted_copy(client: FlaskClient, login_as: Login,
                                                        api_engine: Engine) -> None:
    from io import BytesIO

    api_engine.start("complaint_journey", business_key="CMS-8006", user="postroom",
                     data={"division": "scotland", "staff_complaint": True})
    [task] = api_engine.tasks(business_key="CMS-8006")
    login_as("caseworker")
    path = f"/cases/{task.instance_id}"
    csrf = form_csrf(client, path)
    letter = {"csrf_token": csrf, "kind": "inbound_letter"}
    refused = client.post(path + "/files", content_type="multipart/form-data",
                          data={**letter, "file": (BytesIO(b"%PDF-1.4"), "a.pdf")})
    assert refused.status_code == 422 and "redacted" in refused.get_data(as_text=True)
    kept = client.post(path + "/files", content_type="multipart/form-data",
                       data={**letter, "redacted": "yes",
                             "file": (BytesIO(b"%PDF-1.4"), "a.pdf")})
    assert kept.status_code == 302
    assert "Redacted letter (staff complaint)" in client.get(path).get_data(as_text=True)


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
    assert "Log contact and triage facts" in page
    assert client.get(f"/tasks/{task.id}").status_code == 403


def test_case_page_needs_the_view_permission_and_an_existing_case(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    task = _start(api_engine, "CMS-8003")
    login_as("analyst")
    forbidden = client.get(f"/cases/{task.instance_id}")
    assert forbidden.status_code == 403
    assert "You cannot open this page" in forbidden.get_data(as_text=True)
    assert "permission" not in forbidden.get_data(as_text=True)  # plain words, no jargon
    login_as("caseworker")
    missing = client.get("/cases/999999")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    assert "Page not found" in client.get("/no/such/page").get_data(as_text=True)
