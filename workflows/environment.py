"""Which environment Redress runs in: ``REDRESS_ENV=production`` locks the dangerous parts."""

from __future__ import annotations

import os

__all__ = ["is_production"]


def is_production() -> bool:
    """Whether ``REDRESS_ENV`` is ``production`` (no demo data, no test clock, secure cookies)."""
    return os.environ.get("REDRESS_ENV", "").strip().lower() == "production"
