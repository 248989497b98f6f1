"""R06 "Removal of Data": afterwards no table and no log line holds the staff member's name."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import MetaData, select

from engine import Engine
from tests.api.conftest import TokenFactory
from workflows.packages import COMPLAINTS_PACKAGE, package_files

STAFF = "Rosalind Featherstonehaugh"
MANAGER = "Peregrine Quillfeather"


def every_text(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-empty value of every row of every table."""
    meta = MetaData()
    meta.reflect(engine.db)
    found = []
    with engine.db.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        text = bytes(value).decode("utf-8", "replace")
                    elif isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        text = str(value)
                    found.append((table.name, column, text))
    return found


def hits(engine: Engine, *names: str) -> list[tuple[str, str]]:
    lowered = [n.lower() for n in names]
    return [(table, column) for table, column, text in every_text(engine)
            if any(n in text.lower() for n in lowered)]


def open_task(client: FlaskClient, headers: dict[str, str], instance_id: int,
              spec_id: str) -> dict[str, Any]:
    listed = client.get(f"/api/v1/tasks?instance_id={instance_id}", headers=headers).get_json()
    return next(t for t in listed["items"] if t["spec_id"] == spec_id)


def work(client: FlaskClient, headers: dict[str, str], instance_id: int, spec_id: str,
         data: dict[str, Any]) -> dict[str, Any]:
    task = open_task(client, headers, instance_id, spec_id)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers).status_code == 200
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                       json={"data": data})
    assert done.status_code == 200, done.get_json()
    return dict(done.get_json())


def test_r06_removal_of_data_leaves_the_name_in_no_table_and_no_log(
    client: FlaskClient, api_engine: Engine, token_for: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    api_engine.deploy(package_files(COMPLAINTS_PACKAGE), name="complaints", user="analyst")
    postroom = token_for("integration")
    body = {"process_id": "complaint_journey", "business_key": "CMS-0606",
            "data": {"received_date": "2026-03-27", "division": "england-and-wales",
                     "staff_name_unredacted": STAFF, "line_manager_name": MANAGER,
                     "staff_member": {"name": STAFF, "office": "Leeds"}}}
    started = client.post("/api/v1/instances", headers={**postroom, "Idempotency-Key": "k-1"},
                          json=body)
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    caseworker = token_for("caseworker")
    work(client, caseworker, instance_id, "in_log", {
        "source": "client", "contact_type": "complaint", "subject": "staff_conduct",
        "complaint_details": f"{STAFF} was rude on the phone; her manager is {MANAGER}.",
        "issues": [f"Rudeness by {STAFF.upper()}"], "staff_complaint": True})
    assert hits(api_engine, STAFF)  # the name is stored before the removal step
    after = work(client, token_for("team_leader"), instance_id, "in_staff_confidential", {
        "letter_redacted": True, "original_letter": "sent_to_line_manager",
        "manager_told_offline": True})
    assert after["data"]["staff_data_removed"] is True
    assert hits(api_engine, STAFF, MANAGER) == []
    assert STAFF.lower() not in caplog.text.lower() and MANAGER.lower() not in caplog.text.lower()
    history = client.get(f"/api/v1/instances/{instance_id}/history",
                         headers=token_for("team_leader")).get_data(as_text=True)
    assert "[removed]" in history and STAFF not in history
    replay = client.post("/api/v1/instances", headers={**postroom, "Idempotency-Key": "k-1"},
                         json=body)
    assert STAFF not in replay.get_data(as_text=True)
