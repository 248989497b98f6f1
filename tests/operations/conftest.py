"""Operations console fixtures: the web fixtures plus the real complaints package deployed."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, InstanceRecord
from tests.web import conftest as web_fixtures
from workflows.packages import COMPLAINTS_PACKAGE, package_files

api_engine = web_fixtures.api_engine
app = web_fixtures.app
client = web_fixtures.client
clock = web_fixtures.clock
demo = web_fixtures.demo
login_as = web_fixtures.login_as
token_for = web_fixtures.token_for
form_csrf = web_fixtures.form_csrf


@pytest.fixture
def complaints(api_engine: Engine) -> Engine:
    api_engine.deploy(package_files(COMPLAINTS_PACKAGE), name="complaints", user="analyst")
    return api_engine


def start(engine: Engine, key: str = "CMS-0001", **data: Any) -> InstanceRecord:
    body = {"division": "england-and-wales", "received_date": "2026-03-27",
            "client": {"name": "Alex Example"}, "complaint_details": "Late letter",
            **data}
    return engine.start("complaint_journey", business_key=key, data=body, user="postroom")


LOG_COMPLAINT = {"source": "client", "contact_type": "complaint", "complaint_details": "late",
                 "subject": "late letter"}


def start_with_incident(engine: Engine, key: str = "CMS-0666") -> InstanceRecord:
    """A complaint logged with an unknown division: the resolution deadline cannot be worked
    out, so its first script step becomes an incident."""
    case = start(engine, key, division="atlantis")
    [task] = engine.tasks(instance_id=case.id)
    engine.complete(task.id, LOG_COMPLAINT, user="cw", roles={"caseworker"})
    assert engine.incidents(instance_id=case.id)
    return case
