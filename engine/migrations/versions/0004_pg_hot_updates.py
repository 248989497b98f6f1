"""PostgreSQL: room on process_instances pages for HOT updates; the packed state not recompressed

Revision ID: 0004_pg_hot_updates
Revises: 0003_process_versions
Create Date: 2026-12-04 17:00:00

Every step updates its instance's row. None of the columns a step changes is indexed, so with
free space on the page PostgreSQL updates it in place (HOT): no new index entries, and the old
version is pruned without VACUUM. ``fillfactor = 70`` leaves that space on new pages. The state
is zlib-packed by the engine (``engine.spiff.pack_state``), so ``STORAGE EXTERNAL`` spares the
server a pglz attempt that cannot win. SQLite has neither setting: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0004_pg_hot_updates"
down_revision = "0003_process_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE process_instances SET (fillfactor = 70)")
    op.execute("ALTER TABLE process_instances ALTER COLUMN state SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE process_instances ALTER COLUMN state SET STORAGE EXTENDED")
    op.execute("ALTER TABLE process_instances RESET (fillfactor)")
