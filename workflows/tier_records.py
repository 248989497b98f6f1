"""Each tier of each complaint as one SQL row, for the figures: when it was received, when it
was due and closed, and its outcome.

A tier closes many times in one journey (resolution upheld, then months later a review), so
the figures count tiers, not journeys: the rows come from each case's ``tier_history`` (which
the diagrams append to when a tier closes), plus the tier a case is in now (open, no close
date), plus, for packages whose diagrams keep no history (CSA, HMRC), one closed row per ended
case from its summary. Cancelled cases and R19 consolatory-payment referrals never appear.

The rows live in the ``tier_records`` table (:data:`workflows.tables.tier_records`), written by
database triggers in the transaction of each step that changes a case's summary or status
(Alembic revision ``0007_tier_records``, decision 0024): a figures request groups plain
columns instead of expanding 100,000 summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, bindparam, text

__all__ = ["DATE_RE", "WITH_TIER_ROWS", "kept", "query"]

DATE_RE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"

_KEPT_PG = ("pi.status <> 'cancelled' AND pi.process_id IN :processes "
            "AND COALESCE(pi.summary->>'route', '') <> 'consolatory_payment_referral'")
_KEPT_SQLITE = ("pi.status <> 'cancelled' AND pi.process_id IN :processes "
                "AND COALESCE(json_extract(pi.summary, '$.route'), '') "
                "<> 'consolatory_payment_referral'")
#: ``WITH t AS (the tier rows)``, to put before a query over ``t``; binds ``:processes``
#: (expanding). Columns: instance_id, process_id, tier, received, due, closed, outcome, division.
WITH_TIER_ROWS = ("WITH t AS (SELECT instance_id, process_id, tier, received, due, closed, "
                  "outcome, division FROM tier_records WHERE process_id IN :processes)")


def kept(dialect: str) -> str:
    """The condition every figure applies to a case: not cancelled, in the package, not R19."""
    return _KEPT_PG if dialect == "postgresql" else _KEPT_SQLITE


def query(sql: str, processes: Sequence[str], **values: Any) -> TextClause:
    """A text query with ``:processes`` bound as a list, and other values."""
    return text(sql).bindparams(bindparam("processes", expanding=True)).bindparams(
        processes=list(processes), **values)
