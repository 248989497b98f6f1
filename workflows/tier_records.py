"""Each tier of each complaint as one SQL row, for the figures: when it was received, when it
was due and closed, and its outcome.

A tier closes many times in one journey (resolution upheld, then months later a review), so
the figures count tiers, not journeys: the rows come from each case's ``tier_history`` (which
the diagrams append to when a tier closes), plus the tier a case is in now (open, no close
date), plus, for packages whose diagrams keep no history (CSA, HMRC), one closed row per ended
case from its summary. Cancelled cases and R19 consolatory-payment referrals never appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, bindparam, text

__all__ = ["DATE_RE", "kept", "query", "with_tier_rows"]

DATE_RE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"

# Columns: instance_id, process_id, tier, received, due, closed, outcome, division.
_PG = """
SELECT j.id AS instance_id, j.process_id, e->>'tier' AS tier,
       substr(e->>'received_date', 1, 10) AS received, substr(e->>'response_due', 1, 10) AS due,
       substr(e->>'closed_date', 1, 10) AS closed, NULLIF(e->>'outcome', '') AS outcome,
       COALESCE(j.s->>'division', 'england-and-wales') AS division
FROM {kept_rows} j
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(j.s->'tier_history') = 'array'
    THEN j.s->'tier_history' ELSE '[]'::jsonb END) e
WHERE jsonb_typeof(e) = 'object'
UNION ALL
SELECT j.id, j.process_id, j.s->>'tier', substr(j.s->>'received_date', 1, 10),
       substr(j.s->>'response_due', 1, 10), NULL, NULL,
       COALESCE(j.s->>'division', 'england-and-wales')
FROM {kept_rows} j
WHERE j.status IN ('active', 'suspended')
  AND COALESCE(j.s->>'tier', '') NOT IN ('', 'closed', 'refused')
UNION ALL
SELECT j.id, j.process_id, COALESCE(NULLIF(j.s->>'tier', 'closed'), 'complaint'),
       COALESCE(substr(j.s->>'received_date', 1, 10), to_char(j.started_at, 'YYYY-MM-DD')),
       substr(j.s->>'response_due', 1, 10), to_char(j.ended_at, 'YYYY-MM-DD'),
       NULLIF(j.s->>'outcome', ''), COALESCE(j.s->>'division', 'england-and-wales')
FROM {kept_rows} j
WHERE j.status = 'completed' AND j.ended_at IS NOT NULL
  AND jsonb_typeof(j.s->'tier_history') IS DISTINCT FROM 'array'
  AND COALESCE(j.s->>'tier', '') <> 'refused'
"""

# PostgreSQL: each summary is parsed once (as jsonb) in a materialised CTE the branches share;
# a ``json`` column would be parsed again by every ``->>``.
_PG_KEPT_ROWS = """
kept_rows AS MATERIALIZED (
  SELECT pi.id, pi.process_id, pi.status, pi.started_at, pi.ended_at, pi.summary::jsonb AS s
  FROM process_instances pi
  WHERE pi.status <> 'cancelled' AND pi.process_id IN :processes
    AND COALESCE(pi.summary->>'route', '') <> 'consolatory_payment_referral')"""

_SQLITE = """
SELECT pi.id AS instance_id, pi.process_id, json_extract(e.value, '$.tier') AS tier,
       substr(json_extract(e.value, '$.received_date'), 1, 10) AS received,
       substr(json_extract(e.value, '$.response_due'), 1, 10) AS due,
       substr(json_extract(e.value, '$.closed_date'), 1, 10) AS closed,
       NULLIF(json_extract(e.value, '$.outcome'), '') AS outcome,
       COALESCE(json_extract(pi.summary, '$.division'), 'england-and-wales') AS division
FROM process_instances pi, json_each(pi.summary, '$.tier_history') e
WHERE {kept} AND json_type(pi.summary, '$.tier_history') = 'array' AND e.type = 'object'
UNION ALL
SELECT pi.id, pi.process_id, json_extract(pi.summary, '$.tier'),
       substr(json_extract(pi.summary, '$.received_date'), 1, 10),
       substr(json_extract(pi.summary, '$.response_due'), 1, 10), NULL, NULL,
       COALESCE(json_extract(pi.summary, '$.division'), 'england-and-wales')
FROM process_instances pi
WHERE {kept} AND pi.status IN ('active', 'suspended')
  AND COALESCE(json_extract(pi.summary, '$.tier'), '') NOT IN ('', 'closed', 'refused')
UNION ALL
SELECT pi.id, pi.process_id,
       COALESCE(NULLIF(json_extract(pi.summary, '$.tier'), 'closed'), 'complaint'),
       COALESCE(substr(json_extract(pi.summary, '$.received_date'), 1, 10),
                substr(pi.started_at, 1, 10)),
       substr(json_extract(pi.summary, '$.response_due'), 1, 10), substr(pi.ended_at, 1, 10),
       NULLIF(json_extract(pi.summary, '$.outcome'), ''),
       COALESCE(json_extract(pi.summary, '$.division'), 'england-and-wales')
FROM process_instances pi
WHERE {kept} AND pi.status = 'completed' AND pi.ended_at IS NOT NULL
  AND COALESCE(json_type(pi.summary, '$.tier_history'), '') <> 'array'
  AND COALESCE(json_extract(pi.summary, '$.tier'), '') <> 'refused'
"""

_KEPT_PG = ("pi.status <> 'cancelled' AND pi.process_id IN :processes "
            "AND COALESCE(pi.summary->>'route', '') <> 'consolatory_payment_referral'")
_KEPT_SQLITE = ("pi.status <> 'cancelled' AND pi.process_id IN :processes "
                "AND COALESCE(json_extract(pi.summary, '$.route'), '') "
                "<> 'consolatory_payment_referral'")


def kept(dialect: str) -> str:
    """The condition every figure applies to a case: not cancelled, in the package, not R19."""
    return _KEPT_PG if dialect == "postgresql" else _KEPT_SQLITE


def with_tier_rows(dialect: str) -> str:
    """``WITH … t AS (the tier rows)``, to put before a query over ``t``; binds ``:processes``
    (expanding)."""
    if dialect == "postgresql":
        return f"WITH {_PG_KEPT_ROWS}, t AS ({_PG.format(kept_rows='kept_rows')})"
    return f"WITH t AS ({_SQLITE.format(kept=kept(dialect))})"


def query(sql: str, processes: Sequence[str], **values: Any) -> TextClause:
    """A text query with ``:processes`` bound as a list, and other values."""
    return text(sql).bindparams(bindparam("processes", expanding=True)).bindparams(
        processes=list(processes), **values)
