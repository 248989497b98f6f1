"""Service-task handlers for the complaints journey; importing this package registers them all.

The contract for diagram authors (operator ids, parameters, case-data keys, returned keys) is
``docs/handlers.md``.
"""

from __future__ import annotations

from handlers import caselist, confidential, letters, notify, payments, systemic
from handlers.tables import handlers_metadata

__all__ = [
    "caselist",
    "confidential",
    "handlers_metadata",
    "letters",
    "notify",
    "payments",
    "systemic",
]
