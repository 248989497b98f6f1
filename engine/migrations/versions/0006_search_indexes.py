"""operations: indexes for the instance search and heat map at 100,000 instances

The heat map joins a process's instances to their derived rows: ``(process_id, id)`` lets
PostgreSQL do it from the index alone (both dialects get it; neither column changes in a step,
so HOT updates are unaffected).

The search filters on summary values (``summary->>'tier'``, ``'client.name'``,
``'response_due'``); without these every count parses every summary. Client names are found by
part of the name (``ILIKE '%…%'``), which a trigram index serves; pg_trgm is created when the
role may, and the search works (slower) without it.

Revision ID: 0006_search_indexes
Revises: 0005_audit_erasure
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

from typing import Any

from alembic import op

revision = "0006_search_indexes"
down_revision = "0005_audit_erasure"
branch_labels = None
depends_on = None

_BTREE = (
    "CREATE INDEX IF NOT EXISTS ix_pi_summary_tier ON process_instances "
    "((summary ->> 'tier'), status)",
    "CREATE INDEX IF NOT EXISTS ix_pi_open_response_due ON process_instances "
    "((summary ->> 'response_due'), (summary ->> 'tier'), status) "
    "WHERE status IN ('active', 'suspended')",
)
_TRGM = ("CREATE INDEX IF NOT EXISTS ix_pi_client_name_trgm ON process_instances "
         "USING gin ((summary ->> 'client.name') \"{schema}\".gin_trgm_ops)")


def upgrade() -> None:
    op.create_index("ix_process_instances_process_id", "process_instances", ["process_id", "id"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for sql in _BTREE:
        op.execute(sql)
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
    op.drop_index("ix_process_instances_process_id", "process_instances")
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("ix_pi_client_name_trgm", "ix_pi_open_response_due", "ix_pi_summary_tier"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
