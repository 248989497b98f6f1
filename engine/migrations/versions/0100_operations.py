"""operations: batch operations and the scheduler heartbeat

Revision ID: 0100_operations
Revises: (own branch, engine_operations)
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_operations"
down_revision = None
branch_labels = ("engine_operations",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "operation_batches",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("to_version", sa.Integer()),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.PrimaryKeyConstraint("id", name="pk_operation_batches"),
    )
    op.create_table(
        "operation_batch_items",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("batch_id", _ID, nullable=False),
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("done_at", _TS),
        sa.PrimaryKeyConstraint("id", name="pk_operation_batch_items"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["operation_batches.id"],
            name="fk_operation_batch_items_batch_id_operation_batches",
        ),
    )
    op.create_index(
        "ix_operation_batch_items_batch_status", "operation_batch_items", ["batch_id", "status"]
    )
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("beat_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("worker", name="pk_scheduler_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeats")
    op.drop_index("ix_operation_batch_items_batch_status", table_name="operation_batch_items")
    op.drop_table("operation_batch_items")
    op.drop_table("operation_batches")
