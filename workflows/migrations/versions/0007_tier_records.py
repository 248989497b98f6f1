"""tier records: each tier of each kept complaint as a row, kept by triggers (decision 0024)

Revision ID: 0007_tier_records
Revises: 0006_idempotency_resource
Create Date: 2026-12-04 19:40:00

The figures used to expand every case's ``tier_history`` (JSON) on every request: 4 s at
100,000 closed complaints. Triggers on ``process_instances`` now write a case's tier rows in
the transaction of the step that changed the summary values they are made of, its status or
its end (a step that leaves those alone costs a few comparisons), and drop them when the case
is cancelled, is an R19 referral or is deleted. Existing cases are filled in here. The rows are the ones the figures counted before
(``workflows.tier_records``): the tiers of ``tier_history``, the tier an open case is in, and
one closed row per completed case of a package that keeps no history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tier_records"
down_revision = "0006_idempotency_resource"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS = "instance_id, process_id, tier, received, due, closed, outcome, division"

# The rows of the cases in ``{source}`` (columns id, process_id, status, started_at, ended_at,
# s: the summary as jsonb), kept cases only.
_PG_ROWS = """
WITH j AS (SELECT * FROM {source} WHERE status <> 'cancelled'
           AND COALESCE(s->>'route', '') <> 'consolatory_payment_referral')
SELECT j.id, j.process_id, e->>'tier',
       substr(e->>'received_date', 1, 10), substr(e->>'response_due', 1, 10),
       substr(e->>'closed_date', 1, 10), NULLIF(e->>'outcome', ''),
       COALESCE(j.s->>'division', 'england-and-wales')
FROM j CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(j.s->'tier_history')
    = 'array' THEN j.s->'tier_history' ELSE '[]'::jsonb END) e
WHERE jsonb_typeof(e) = 'object'
UNION ALL
SELECT j.id, j.process_id, j.s->>'tier', substr(j.s->>'received_date', 1, 10),
       substr(j.s->>'response_due', 1, 10), NULL, NULL,
       COALESCE(j.s->>'division', 'england-and-wales')
FROM j WHERE j.status IN ('active', 'suspended')
  AND COALESCE(j.s->>'tier', '') NOT IN ('', 'closed', 'refused')
UNION ALL
SELECT j.id, j.process_id, COALESCE(NULLIF(j.s->>'tier', 'closed'), 'complaint'),
       COALESCE(substr(j.s->>'received_date', 1, 10), to_char(j.started_at, 'YYYY-MM-DD')),
       substr(j.s->>'response_due', 1, 10), to_char(j.ended_at, 'YYYY-MM-DD'),
       NULLIF(j.s->>'outcome', ''), COALESCE(j.s->>'division', 'england-and-wales')
FROM j WHERE j.status = 'completed' AND j.ended_at IS NOT NULL
  AND jsonb_typeof(j.s->'tier_history') IS DISTINCT FROM 'array'
  AND COALESCE(j.s->>'tier', '') <> 'refused'
"""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION redress_tier_records() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM tier_records WHERE instance_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO tier_records ({_COLUMNS})
    {_PG_ROWS.format(source="(SELECT NEW.id AS id, NEW.process_id AS process_id, "
                     "NEW.status AS status, NEW.started_at AS started_at, "
                     "NEW.ended_at AS ended_at, NEW.summary::jsonb AS s) AS one")};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

# The summary values the rows are made of: a step that changes only others (the stage, the
# owner role, a payment) leaves the tier rows alone instead of rewriting them (dead tuples).
_TIER_KEYS = ("route", "tier_history", "tier", "received_date", "response_due", "outcome",
              "division")
_PG_TIER_CHANGED = " OR ".join(
    [f"(OLD.summary -> '{k}')::text IS DISTINCT FROM (NEW.summary -> '{k}')::text"
     for k in _TIER_KEYS]
    + ["OLD.status IS DISTINCT FROM NEW.status", "OLD.ended_at IS DISTINCT FROM NEW.ended_at"])
_SQLITE_TIER_CHANGED = " OR ".join(
    [f"json_extract(OLD.summary, '$.{k}') IS NOT json_extract(NEW.summary, '$.{k}')"
     for k in _TIER_KEYS]
    + ["OLD.status IS NOT NEW.status", "OLD.ended_at IS NOT NEW.ended_at"])

_PG_TRIGGERS = (
    "CREATE TRIGGER tier_records_insert AFTER INSERT ON process_instances "
    "FOR EACH ROW EXECUTE FUNCTION redress_tier_records()",
    "CREATE TRIGGER tier_records_update AFTER UPDATE OF summary, status, ended_at "
    f"ON process_instances FOR EACH ROW WHEN ({_PG_TIER_CHANGED}) "
    "EXECUTE FUNCTION redress_tier_records()",
    "CREATE TRIGGER tier_records_delete AFTER DELETE ON process_instances "
    "FOR EACH ROW EXECUTE FUNCTION redress_tier_records()",
)

# SQLite: the same rows from ``{source}`` (columns id, process_id, status, started_at,
# ended_at, summary).
_SQLITE_ROWS = """
SELECT pi.id, pi.process_id, json_extract(e.value, '$.tier'),
       substr(json_extract(e.value, '$.received_date'), 1, 10),
       substr(json_extract(e.value, '$.response_due'), 1, 10),
       substr(json_extract(e.value, '$.closed_date'), 1, 10),
       NULLIF(json_extract(e.value, '$.outcome'), ''),
       COALESCE(json_extract(pi.summary, '$.division'), 'england-and-wales')
FROM {source} pi, json_each(pi.summary, '$.tier_history') e
WHERE {kept} AND json_type(pi.summary, '$.tier_history') = 'array' AND e.type = 'object'
UNION ALL
SELECT pi.id, pi.process_id, json_extract(pi.summary, '$.tier'),
       substr(json_extract(pi.summary, '$.received_date'), 1, 10),
       substr(json_extract(pi.summary, '$.response_due'), 1, 10), NULL, NULL,
       COALESCE(json_extract(pi.summary, '$.division'), 'england-and-wales')
FROM {source} pi
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
FROM {source} pi
WHERE {kept} AND pi.status = 'completed' AND pi.ended_at IS NOT NULL
  AND COALESCE(json_type(pi.summary, '$.tier_history'), '') <> 'array'
  AND COALESCE(json_extract(pi.summary, '$.tier'), '') <> 'refused'
"""
_SQLITE_KEPT = ("pi.status <> 'cancelled' AND COALESCE(json_extract(pi.summary, '$.route'), "
                "'') <> 'consolatory_payment_referral'")
_SQLITE_NEW = ("(SELECT NEW.id AS id, NEW.process_id AS process_id, NEW.status AS status, "
               "NEW.started_at AS started_at, NEW.ended_at AS ended_at, "
               "NEW.summary AS summary)")
_SQLITE_INSERT = (f"INSERT INTO tier_records ({_COLUMNS}) "
                  + _SQLITE_ROWS.format(source=_SQLITE_NEW, kept=_SQLITE_KEPT) + ";")
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER tier_records_insert AFTER INSERT ON process_instances BEGIN "
    f"{_SQLITE_INSERT} END",
    "CREATE TRIGGER tier_records_update AFTER UPDATE OF summary, status, ended_at "
    f"ON process_instances WHEN {_SQLITE_TIER_CHANGED} BEGIN "
    f"DELETE FROM tier_records WHERE instance_id = OLD.id; {_SQLITE_INSERT} END",
    "CREATE TRIGGER tier_records_delete AFTER DELETE ON process_instances BEGIN "
    "DELETE FROM tier_records WHERE instance_id = OLD.id; END",
)


def upgrade() -> None:
    op.create_table(
        "tier_records",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("process_id", sa.Text(), nullable=False),
        sa.Column("tier", sa.Text()),
        sa.Column("received", sa.Text()),
        sa.Column("due", sa.Text()),
        sa.Column("closed", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.Column("division", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tier_records"),
    )
    op.create_index("ix_tier_records_instance", "tier_records", ["instance_id"])
    op.create_index("ix_tier_records_process_closed", "tier_records", ["process_id", "closed"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for sql in _PG_TRIGGERS:
            op.execute(sql)
        every = ("(SELECT id, process_id, status, started_at, ended_at, summary::jsonb AS s "
                 "FROM process_instances) AS every")
        op.execute(f"INSERT INTO tier_records ({_COLUMNS}) {_PG_ROWS.format(source=every)}")
    else:
        for sql in _SQLITE_TRIGGERS:
            op.execute(sql)
        op.execute(f"INSERT INTO tier_records ({_COLUMNS}) "
                   + _SQLITE_ROWS.format(source="process_instances", kept=_SQLITE_KEPT))


def downgrade() -> None:
    for name in ("tier_records_insert", "tier_records_update", "tier_records_delete"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON process_instances")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS redress_tier_records()")
    op.drop_table("tier_records")
