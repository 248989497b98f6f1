"""The heat map: how many cases wait at each element, for how long, and time spent per step."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify, render_template, request

from engine.heatmap import duration_text, heat_diagrams
from web.access import requires
from web.context import catalogue, engine
from web.operations import bp
from workflows.roles import Permission


def _process() -> tuple[str, list[str]]:
    processes = sorted({d.process_id for d in catalogue().definitions(limit=1000)})
    chosen = request.args.get("process_id", "")
    if chosen not in processes:
        chosen = "complaint_journey" if "complaint_journey" in processes else (
            processes[0] if processes else "")
    return chosen, processes


@bp.get("/operations/heatmap")
@requires(Permission.VIEW_INCIDENTS)
def heatmap() -> str:
    """Show where a process's cases wait, on its diagram and as a table."""
    chosen, processes = _process()
    rows = sorted(heat_diagrams(engine(), chosen)[1].values(),
                  key=lambda h: (-h.waiting, h.element_id)) if chosen else []
    return render_template("operations/heatmap.html", chosen=chosen, processes=processes,
                           rows=rows, duration=duration_text)


@bp.get("/operations/heatmap.json")
@requires(Permission.VIEW_INCIDENTS)
def heatmap_json() -> Response:
    """Give the heat map as diagrams with badges, for the viewer."""
    chosen, _ = _process()
    diagrams = heat_diagrams(engine(), chosen)[0] if chosen else []
    return jsonify({"process_id": chosen, "processes": [asdict(d) for d in diagrams]})
