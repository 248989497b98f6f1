"""The heat map's table names each element as the analyst named it in the diagram."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from engine.heatmap import heat_diagrams
from tests.operations.conftest import start
from tests.web.conftest import Login


def test_heat_map_rows_carry_the_diagram_names_of_their_elements(
        complaints: Engine, client: FlaskClient, login_as: Login) -> None:
    start(complaints, "CMS-0001")
    start(complaints, "CMS-0002")
    _, heat = heat_diagrams(complaints, "complaint_journey")
    assert heat["in_log"].waiting == 2
    assert heat["in_log"].name == "Log contact and triage facts"
    login_as("operations")
    page = client.get("/operations/heatmap?process_id=complaint_journey").get_data(as_text=True)
    assert "Log contact and triage facts" in page and "(in_log)" in page
