"""an instance's open tasks from one index: (instance_id, status) on human_tasks

Reading an instance's open tasks (``Engine.tasks(instance_id=…)``, the case page, a
completion's caller) filtered on both columns. With one index on each, PostgreSQL's planner
could AND two bitmap scans, and the one on ``status`` walks every ``open`` entry in the table,
dead ones included: completing a task changes its status, so the old entry stays until VACUUM,
and a bitmap scan never marks an entry dead as an index scan does. On a table that autovacuum
had not reached, the read went from 5 to 29 buffers and 0.02 to 0.38 ms after 30,000
completions, and a durable step's database CPU grew with the table (docs/performance.md).
One index on both columns is read by a plain index scan over the instance's own entries; its
leading column serves every lookup by instance that the single-column index did.

Revision ID: 0008_task_instance_status
Revises: 0007_search_indexes
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008_task_instance_status"
down_revision = "0007_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_instance_status", "human_tasks", ["instance_id", "status"])
    op.drop_index("ix_human_tasks_instance_id", table_name="human_tasks")


def downgrade() -> None:
    op.create_index("ix_human_tasks_instance_id", "human_tasks", ["instance_id"])
    op.drop_index("ix_human_tasks_instance_status", table_name="human_tasks")
