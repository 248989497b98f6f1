"""The letter catalogue for analysts: every template of a deployed version, with a preview."""

from __future__ import annotations

from web.letters.pages import bp

__all__ = ["bp"]
