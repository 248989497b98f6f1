"""The analysts' area: deployments and their versions, the modeller, diffs and rule coverage.

``bp`` serves the pages (``/deployments``, ``/modeller/...``); its nested ``api`` blueprint
serves the JSON the modeller's scripts fetch under ``/api/modeller`` (JSON problems on error).
"""

from __future__ import annotations

from web.modeller.api import bp as api_bp
from web.modeller.pages import bp

bp.register_blueprint(api_bp)

__all__ = ["bp"]
