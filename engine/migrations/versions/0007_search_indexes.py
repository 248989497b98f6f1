"""operations: what the instance search and heat map need at 100,000 instances

* ``instance_facts``: the summary values the search filters on (tier, division, response due,
  client name) with status and process, one narrow row per instance, kept by triggers on
  ``process_instances`` whenever one of them changes. The search's indexes live there: an
  index on an expression of ``summary`` would make every step that changes the summary a
  non-HOT update of ``process_instances`` (0004) and add entries to all its indexes.
* a pg_trgm GIN index on the client name (PostgreSQL, when the role may create the extension;
  the search works, slower, without it);
* ``(process_id, id)`` on ``process_instances`` for the heat map's joins (neither changes in a
  step: HOT updates are unaffected).

Revision ID: 0007_search_indexes
Revises: 0006_expect_rows
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_search_indexes"
down_revision = "0006_expect_rows"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS = "instance_id, process_id, status, tier, division, response_due, client_name"
_KEYS = ("tier", "division", "response_due", "client.name")

_PG_VALUES = ("NEW.id, NEW.process_id, NEW.status, " +
              ", ".join(f"NEW.summary ->> '{k}'" for k in _KEYS))
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION redress_instance_facts() RETURNS trigger AS $$
BEGIN
  INSERT INTO instance_facts ({_COLUMNS}) VALUES ({_PG_VALUES})
  ON CONFLICT (instance_id) DO UPDATE SET process_id = EXCLUDED.process_id,
    status = EXCLUDED.status, tier = EXCLUDED.tier, division = EXCLUDED.division,
    response_due = EXCLUDED.response_due, client_name = EXCLUDED.client_name;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_PG_CHANGED = " OR ".join(
    ["OLD.status IS DISTINCT FROM NEW.status", "OLD.process_id IS DISTINCT FROM NEW.process_id"]
    + [f"(OLD.summary ->> '{k}') IS DISTINCT FROM (NEW.summary ->> '{k}')" for k in _KEYS])
_PG_TRIGGERS = (
    "CREATE TRIGGER instance_facts_insert AFTER INSERT ON process_instances "
    "FOR EACH ROW EXECUTE FUNCTION redress_instance_facts()",
    "CREATE TRIGGER instance_facts_update AFTER UPDATE OF summary, status, process_id "
    "ON process_instances FOR EACH ROW WHEN (OLD.summary::text IS DISTINCT FROM "
    f"NEW.summary::text AND ({_PG_CHANGED}) OR OLD.status IS DISTINCT FROM NEW.status) "
    "EXECUTE FUNCTION redress_instance_facts()",
)
_PG_FILL = (f"INSERT INTO instance_facts ({_COLUMNS}) SELECT id, process_id, status, "
            + ", ".join(f"summary ->> '{k}'" for k in _KEYS) + " FROM process_instances")

_SQLITE_KEYS = ", ".join(f"json_extract(NEW.summary, '$.\"{k}\"')" for k in _KEYS)
_SQLITE_UPSERT = (f"INSERT OR REPLACE INTO instance_facts ({_COLUMNS}) VALUES "
                  f"(NEW.id, NEW.process_id, NEW.status, {_SQLITE_KEYS});")
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER instance_facts_insert AFTER INSERT ON process_instances BEGIN "
    f"{_SQLITE_UPSERT} END",
    "CREATE TRIGGER instance_facts_update AFTER UPDATE OF summary, status, process_id "
    "ON process_instances WHEN OLD.summary IS NOT NEW.summary OR OLD.status IS NOT NEW.status "
    f"OR OLD.process_id IS NOT NEW.process_id BEGIN {_SQLITE_UPSERT} END",
    "CREATE TRIGGER instance_facts_delete AFTER DELETE ON process_instances BEGIN "
    "DELETE FROM instance_facts WHERE instance_id = OLD.id; END",
)
_SQLITE_FILL = (f"INSERT INTO instance_facts ({_COLUMNS}) SELECT id, process_id, status, "
                + ", ".join(f"json_extract(summary, '$.\"{k}\"')" for k in _KEYS)
                + " FROM process_instances")

_TRGM = ("CREATE INDEX IF NOT EXISTS ix_instance_facts_client_trgm ON instance_facts "
         "USING gin (client_name \"{schema}\".gin_trgm_ops)")


def upgrade() -> None:
    op.create_index("ix_process_instances_process_id", "process_instances", ["process_id", "id"])
    op.create_table(
        "instance_facts",
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tier", sa.Text()),
        sa.Column("division", sa.Text()),
        sa.Column("response_due", sa.Text()),
        sa.Column("client_name", sa.Text()),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE",
                                name="fk_instance_facts_instance_id_process_instances"),
        sa.PrimaryKeyConstraint("instance_id", name="pk_instance_facts"),
    )
    op.create_index("ix_instance_facts_status", "instance_facts", ["status", "process_id"])
    op.create_index("ix_instance_facts_tier", "instance_facts", ["tier", "status"])
    op.create_index("ix_instance_facts_division", "instance_facts", ["division", "status"])
    op.create_index("ix_instance_facts_due", "instance_facts",
                    ["response_due", "tier", "status"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for sql in _SQLITE_TRIGGERS:
            op.execute(sql)
        op.execute(_SQLITE_FILL)
        return
    op.execute(_PG_FUNCTION)
    for sql in _PG_TRIGGERS:
        op.execute(sql)
    op.execute(_PG_FILL)
    schema = _trgm_schema(bind)
    if schema is None:
        savepoint = bind.begin_nested()
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
            savepoint.commit()
            schema = "public"
        except Exception:  # not allowed for this role: the search works without the index
            savepoint.rollback()
    if schema is not None:
        op.execute(_TRGM.format(schema=schema))


def _trgm_schema(bind: Any) -> str | None:
    """The schema pg_trgm is installed in (its operator class is named with it)."""
    found = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar()
    return None if found is None else str(found)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in ("instance_facts_insert", "instance_facts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON process_instances")
        op.execute("DROP FUNCTION IF EXISTS redress_instance_facts()")
    else:
        for name in ("instance_facts_insert", "instance_facts_update", "instance_facts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("instance_facts")
    op.drop_index("ix_process_instances_process_id", "process_instances")
