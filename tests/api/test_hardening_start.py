"""Issue 10 finding 8 (API side): hostile or mistaken start data, cursors and a second open
case give a clear 4xx, never a 500 or a broken case."""

from __future__ import annotations

import base64
import json
from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.api.conftest import TokenFactory
from workflows.packages import COMPLAINTS_PACKAGE, package_files


@pytest.fixture
def complaints(client: FlaskClient, token_for: TokenFactory) -> None:
    files = package_files(COMPLAINTS_PACKAGE)
    response = client.post(
        "/api/v1/deployments", headers=token_for("analyst"), content_type="multipart/form-data",
        data={"name": "complaints",
              "files": [(BytesIO(content), name) for name, content in files.items()]})
    assert response.status_code == 201, response.get_json()


def _start(client: FlaskClient, headers: dict[str, str], key: str, **data: Any) -> Any:
    body = {"process_id": "complaint_journey", "business_key": key,
            "data": {"division": "scotland", **data}}
    return client.post("/api/v1/instances", json=body, headers=headers)


def test_finding8_a_second_open_case_with_the_same_reference_is_refused_naming_the_first(
    client: FlaskClient, token_for: TokenFactory, complaints: None, api_engine: Engine
) -> None:
    post_room = token_for("integration")
    first = _start(client, post_room, "CMS-7001")
    assert first.status_code == 201, first.get_json()
    second = _start(client, post_room, "CMS-7001")
    assert second.status_code == 409
    problem = second.get_json()
    assert problem["open_instance"] == first.get_json()["id"]
    assert problem["open_instance_url"].endswith(f"/api/v1/instances/{problem['open_instance']}")
    assert "CMS-7001" in problem["detail"]
    assert len(api_engine.instances(business_key="CMS-7001")) == 1
    assert _start(client, post_room, "CMS-7002").status_code == 201


def test_finding8_an_unknown_division_is_refused_listing_the_known_ones(
    client: FlaskClient, token_for: TokenFactory, complaints: None, api_engine: Engine
) -> None:
    response = _start(client, token_for("integration"), "CMS-7003", division="atlantis")
    assert response.status_code == 422
    problem = response.get_json()
    assert "england-and-wales, scotland, northern-ireland" in problem["detail"]
    assert api_engine.instances(business_key="CMS-7003") == []


def test_finding8_start_data_named_like_an_expression_function_is_refused_naming_the_key(
    client: FlaskClient, token_for: TokenFactory, complaints: None, api_engine: Engine
) -> None:
    response = _start(client, token_for("integration"), "CMS-7004", today="x")
    assert response.status_code == 422
    problem = response.get_json()
    assert "'today'" in problem["detail"]
    assert problem["errors"] == ["today: is the name of an expression function; use another name"]
    assert api_engine.instances(business_key="CMS-7004") == []


@pytest.mark.parametrize("depth", [40, 3000])
def test_finding8_deeply_nested_start_data_is_a_4xx_not_a_500(
    client: FlaskClient, token_for: TokenFactory, complaints: None, api_engine: Engine,
    depth: int,
) -> None:
    deep = "[" * depth + '"x"' + "]" * depth
    body = ('{"process_id": "complaint_journey", "business_key": "CMS-7005", '
            f'"data": {{"division": "scotland", "notes": {deep}}}}}')
    response = client.post("/api/v1/instances", data=body, content_type="application/json",
                           headers=token_for("integration"))
    assert response.status_code in (400, 422), response.get_json()
    assert "nested" in json.dumps(response.get_json()) or depth > 1000
    assert api_engine.instances(business_key="CMS-7005") == []


@pytest.mark.parametrize("after", [10**30, -1, 2**63])
def test_finding8_a_cursor_with_an_out_of_range_id_is_a_400_not_a_500(
    client: FlaskClient, token_for: TokenFactory, after: int
) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()
    for path in ("/api/v1/instances", "/api/v1/incidents", "/api/v1/deployments"):
        response = client.get(f"{path}?cursor={cursor.rstrip('=')}",
                              headers=token_for("operations", "analyst"))
        assert response.status_code == 400, (path, response.get_json())


@pytest.mark.parametrize("data", [{"contact": {"typename": "datetime", "value": "nope"}},
                                  {"notes": [{"typename": "Task"}]}],
                         ids=["in-a-dict", "in-a-list"])
def test_finding8_start_data_holding_the_state_s_reserved_key_is_a_422_not_a_broken_case(
    client: FlaskClient, token_for: TokenFactory, complaints: None, api_engine: Engine,
    data: dict[str, Any],
) -> None:
    """A dict with a ``typename`` key is how the stored state marks a date or an id: stored
    as case data, it made every later load of the case fail."""
    response = _start(client, token_for("integration"), "CMS-7006", **data)
    assert response.status_code == 422, response.get_json()
    assert "'typename'" in response.get_json()["detail"]
    assert api_engine.instances(business_key="CMS-7006") == []
