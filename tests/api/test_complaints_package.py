"""The production complaints package, deployed and started through the API.

Skipped until ``workflows/packages.py`` (the package definitions) exists. The full journey with
the clock is driven in ``test_journey.py`` on the API test diagram; this checks the real
diagrams are reachable the same way: deployable by an analyst, startable by the post room, and
described by tier, stage and owner.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import TokenFactory

packages: Any = pytest.importorskip(
    "workflows.packages", reason="workflows/packages.py (the complaints package) is not there yet")


def _deploy(client: FlaskClient, headers: dict[str, str], package: Any) -> Any:
    files = packages.package_files(package)
    uploads = [(BytesIO(content), name) for name, content in files.items()]
    return client.post("/api/v1/deployments", headers=headers,
                       data={"name": str(getattr(package, "name", package)), "files": uploads},
                       content_type="multipart/form-data")


def test_every_package_deploys_through_the_api(client: FlaskClient,
                                               token_for: TokenFactory) -> None:
    analyst = token_for("analyst")
    for attribute in ("COMPLAINTS_PACKAGE", "CSA_PACKAGE", "HMRC_PACKAGE"):
        response = _deploy(client, analyst, getattr(packages, attribute))
        assert response.status_code == 201, (attribute, response.get_json())
    listed = client.get("/api/v1/process-definitions?limit=200", headers=analyst).get_json()
    assert "complaint_journey" in {d["process_id"] for d in listed["items"]}


def test_r10_complaint_logged_by_the_post_room_starts_at_dissatisfaction(
    client: FlaskClient, token_for: TokenFactory
) -> None:
    assert _deploy(client, token_for("analyst"), packages.COMPLAINTS_PACKAGE).status_code == 201
    started = client.post("/api/v1/instances", headers={
        **token_for("integration"), "Idempotency-Key": "scan-1"}, json={
        "process_id": "complaint_journey", "business_key": "CMS-9001",
        "data": {"division": "scotland"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()
    assert case["tier"] in ("dissatisfaction", "refused")
    assert case["stage"]
    if case["status"] == "active":
        assert case["owner_role"] or case["open_tasks"] or case["waiting_timers"]
