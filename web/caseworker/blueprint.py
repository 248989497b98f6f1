"""The caseworker area's blueprint: inbox, new complaint, task pages, case pages."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("caseworker", __name__, template_folder="templates")
