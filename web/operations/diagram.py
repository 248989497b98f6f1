"""The diagram viewer's data: an instance's processes as BPMN XML with their marks."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from engine.diagram_state import instance_diagrams
from web.access import requires
from web.context import engine
from web.operations import bp
from workflows.roles import Permission


@bp.get("/operations/instances/<id:instance_id>/diagram.json")
@requires(Permission.VIEW_INSTANCES)
def instance_diagram(instance_id: int) -> Response:
    """Give the BPMN XML of an instance's process and called processes, with marks."""
    diagrams = instance_diagrams(engine(), instance_id)
    return jsonify({"instance_id": instance_id, "processes": [asdict(d) for d in diagrams]})
