"""expect rows: a checked write fails inside the database, so its COMMIT can go with it

Revision ID: 0006_expect_rows
Revises: 0005_audit_erasure
Create Date: 2026-12-04 19:40:00

A step's writes are sent together with their COMMIT in one pipeline on PostgreSQL
(``engine.pipeline``). The writes that must touch exactly one row (the instance's save at its
revision, the task being completed) are wrapped as ``WITH w AS (… RETURNING 1) SELECT
redress_expect_rows(count(*), 1, 'write N') FROM w``: a miss raises here, with SQLSTATE
``RD001``, the transaction aborts and the COMMIT queued behind it never happens. SQLite
checks the row count in Python, as before.
"""

from __future__ import annotations

from alembic import op

revision = "0006_expect_rows"
down_revision = "0005_audit_erasure"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION redress_expect_rows(touched bigint, expected bigint, what text)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF touched IS DISTINCT FROM expected THEN
    RAISE EXCEPTION USING ERRCODE = 'RD001',
      MESSAGE = format('%s: expected %s row(s), touched %s', what, expected, touched);
  END IF;
  RETURN touched;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS redress_expect_rows(bigint, bigint, text)")
