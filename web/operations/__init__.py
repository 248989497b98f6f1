"""The operations console: every process instance, its diagram, actions, batches and figures.

One blueprint (``operations``) with its own templates; views are thin and call the engine's
inspection modules or the ``workflows`` services.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("operations", __name__, template_folder="templates")

# The view modules register their routes on ``bp`` when imported.
from web.operations import (  # noqa: E402,F401
    actions,
    batches,
    diagram,
    figures,
    heatmap,
    instance,
    instances,
    running,
)

__all__ = ["bp"]
