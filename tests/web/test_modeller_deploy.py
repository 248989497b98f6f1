"""The modeller's server side: drafts, per-process deploys, hostile uploads refused, try-its."""

from __future__ import annotations

import inspect
import re
from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from engine import Engine
from tests.engine.test_untrusted_input import HUGE, SVG
from tests.unit.test_safe_xml import LAUGHS, XXE
from tests.web.conftest import Login
from workflows.packages import COMPLAINTS_PACKAGE, package_files

API = "/api/modeller/complaints"
RESOLUTION = package_files(COMPLAINTS_PACKAGE)["resolution.bpmn"]


@pytest.fixture
def complaints(api_engine: Engine) -> dict[str, bytes]:
    files = package_files(COMPLAINTS_PACKAGE)
    api_engine.deploy(files, name="complaints", user="seed")
    return files


def _csrf(client: FlaskClient) -> dict[str, str]:
    page = client.get("/modeller/complaints/edit/resolution.bpmn").get_data(as_text=True)
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found
    return {"X-CSRF-Token": found.group(1)}


def _deployments(engine: Engine) -> int:
    from engine.catalogue import Catalogue

    return len(Catalogue(engine.db).deployments())


def test_draft_then_deploy_makes_version_2_of_the_resolution_process_only(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes],
        api_engine: Engine) -> None:
    login_as("analyst")
    headers = _csrf(client)
    edited = RESOLUTION.replace(b'name="Open complaint resolution record"',
                                b'name="Open the resolution record"')
    saved = client.put(f"{API}/files/resolution.bpmn", data=edited, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["saved_by"] == "analyst"
    assert client.get(f"{API}/files/resolution.bpmn").data == edited
    assert client.post(f"{API}/check", headers=headers).get_json() == {"problems": []}

    deployed = client.post(f"{API}/deploy", headers=headers).get_json()
    assert deployed["changed"] == ["complaint_resolution"]
    assert deployed["processes"]["complaint_resolution"] == 2
    assert deployed["processes"]["complaint_journey"] == 1
    assert client.get(f"{API}/files").get_json()[0]["draft"] is None  # drafts cleared

    page = client.get("/deployments").get_data(as_text=True)
    assert 'data-process="complaint_resolution" data-version="2"' in page
    assert 'data-process="complaint_journey" data-version="2"' not in page
    diff = client.get(f"{API}/diff/complaint_resolution?old=1&new=2").get_json()
    assert [c["id"] for c in diff["diff"]["changed"]] == ["rs_open"]


HOSTILE = {
    "xxe.bpmn": (XXE, "DOCTYPE"),
    "laughs.bpmn": (LAUGHS, "DOCTYPE"),
    "huge.bpmn": (HUGE, "larger than"),
    "picture.bpmn": (SVG, "BPMN"),
    "resolution.bpmn": (RESOLUTION.replace(b"tier = 'resolution'", b"import os\ntier = 'x'"),
                        "may not import"),
    "self.bpmn": (RESOLUTION.replace(b'id="complaint_resolution"', b'id="self_caller"')
                  .replace(b'<bpmn:startEvent id="rs_start"',
                           b'<bpmn:callActivity id="again" calledElement="self_caller"/>'
                           b'<bpmn:startEvent id="rs_start"')
                  .replace(b'processRef="complaint_resolution"', b'processRef="self_caller"'),
                  "call itself"),
}


@pytest.mark.parametrize("filename", sorted(HOSTILE))
def test_hostile_upload_is_refused_with_one_line_and_nothing_is_deployed(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes],
        api_engine: Engine, filename: str) -> None:
    login_as("analyst")
    content, reason = HOSTILE[filename]
    before = _deployments(api_engine)
    form = MultiDict([("csrf_token", _csrf(client)["X-CSRF-Token"]), ("name", "complaints")])
    for name, data in {**complaints, filename: content}.items():
        form.add("files", FileStorage(BytesIO(data), name))
    boundary, body = encode_multipart(form)  # in memory: the test client would spool to disk
    page = client.post("/deployments", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert page.status_code == 422
    summary = re.search(r'govuk-error-summary__list">\s*<li>\s*<a href="#files">([^<]+)</a>',
                        page.get_data(as_text=True))
    assert summary and reason in summary.group(1) and "\n" not in summary.group(1)
    assert "root:" not in page.get_data(as_text=True)
    assert _deployments(api_engine) == before


@pytest.mark.parametrize("filename", ["xxe.bpmn", "laughs.bpmn", "picture.bpmn"])
def test_hostile_draft_is_refused_before_it_is_stored(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes],
        filename: str) -> None:
    login_as("analyst")
    content, reason = HOSTILE[filename]
    reply = client.put(f"{API}/files/{filename}", data=content, headers=_csrf(client))
    assert reply.status_code == 422 and reason in reply.get_json()["detail"]
    assert all(f["name"] != filename for f in client.get(f"{API}/files").get_json())


def test_triage_try_it_shows_the_hit_rule_for_an_mp_complaint(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes]) -> None:
    login_as("analyst")
    result: dict[str, Any] = client.post(
        f"{API}/decisions/triage/try", headers=_csrf(client),
        json={"inputs": {"source": "mp", "contact_type": "complaint",
                         "received_date": "2026-12-01"}}).get_json()
    assert result["rule_id"] == "rule_8"
    assert result["outputs"]["route"] == "mp_correspondence"
    assert "contact_type" in result["inputs"]


def test_handler_list_names_parameters_and_descriptions(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    login_as("analyst")
    found = {h["operator"]: h for h in client.get("/api/modeller/handlers").get_json()}
    letters = found["letters.send"]
    doc = inspect.getdoc(api_engine.registry.get("letters.send")) or ""
    assert letters["description"] == doc.splitlines()[0] != ""
    assert {"name": "letter_code", "required": True, "type": "str",
            "default": None} in letters["parameters"]


def test_form_preview_is_drawn_with_the_caseworker_form_macros(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes]) -> None:
    login_as("analyst")
    schema = complaints["investigate.schema.json"]
    html = client.post("/api/modeller/form-preview", data=schema,
                       headers=_csrf(client)).get_data(as_text=True)
    assert 'class="redress-form-preview"' in html and "<label" in html
    bad = client.post("/api/modeller/form-preview", data=b"[1,", headers=_csrf(client))
    assert bad.status_code == 400 and "not a JSON Schema" in bad.get_json()["detail"]


def test_expression_check_flags_typos_and_sandbox_breaches(
        client: FlaskClient, login_as: Login) -> None:
    login_as("analyst")
    problems = client.post("/api/modeller/expressions/check", headers=_csrf_plain(client), json={
        "expressions": {"ok": "working_day_deadline(received_date, 15, division)",
                        "typo": "working_day_deadlin(received_date, 15)",
                        "broken": "payment_status ==",
                        "escape": "__import__('os')"}}).get_json()["problems"]
    assert set(problems) == {"typo", "broken", "escape"}
    assert problems["typo"] == "unknown function working_day_deadlin()"


def _csrf_plain(client: FlaskClient) -> dict[str, str]:
    page = client.get("/modeller").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page)
    if found:
        return {"X-CSRF-Token": found.group(1)}
    with client.session_transaction() as session:
        return {"X-CSRF-Token": str(session.get("csrf", ""))}


def test_a_caseworker_may_not_deploy_or_save_drafts(
        client: FlaskClient, login_as: Login, complaints: dict[str, bytes]) -> None:
    login_as("caseworker")
    with client.session_transaction() as session:
        token = str(session.get("csrf", ""))
    reply = client.put(f"{API}/files/resolution.bpmn", data=RESOLUTION,
                       headers={"X-CSRF-Token": token})
    assert reply.status_code == 403
    assert client.post(f"{API}/deploy", headers={"X-CSRF-Token": token}).status_code == 403
