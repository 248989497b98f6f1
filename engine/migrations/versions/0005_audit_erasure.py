"""audit erasure: the append-only audit log accepts one kind of UPDATE, an erasure

Revision ID: 0005_audit_erasure
Revises: 0004_pg_hot_updates
Create Date: 2026-12-04 16:40:00

Erasing personal data (R06 "Removal of Data", ``engine.erasure``) must reach the audit
history, which the database otherwise refuses to change. An UPDATE now passes only when the
erasing step has said so in its own transaction (PostgreSQL: the transaction-local setting
``redress.audit_erasure``; SQLite: the connection function ``redress_audit_erasing()`` that
``engine.db`` registers) and only ``detail`` changes. DELETE stays refused.
"""

from __future__ import annotations

from alembic import op

revision = "0005_audit_erasure"
down_revision = "0004_pg_hot_updates"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION redress_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND coalesce(current_setting('redress.audit_erasure', true), '') = 'on'
     AND NEW.id = OLD.id AND NEW.instance_id IS NOT DISTINCT FROM OLD.instance_id
     AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.action = OLD.action
     AND NEW.task_id IS NOT DISTINCT FROM OLD.task_id THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END $$
"""

_SQLITE_UPDATE = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (redress_audit_erasing() AND NEW.id = OLD.id AND NEW.instance_id IS OLD.instance_id
          AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.action = OLD.action
          AND NEW.task_id IS OLD.task_id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute(_SQLITE_UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION redress_audit_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )
