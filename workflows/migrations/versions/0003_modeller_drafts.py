"""modeller drafts: the analysts' unsaved-to-deploy edits, one per package file

Revision ID: 0003_modeller_drafts
Revises: 0002_workflows
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_modeller_drafts"
down_revision = "0002_workflows"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "modeller_drafts",
        sa.Column("id", _Id, nullable=False),
        sa.Column("package", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modeller_drafts")),
        sa.UniqueConstraint("package", "filename", name=op.f("uq_modeller_drafts_package")),
    )


def downgrade() -> None:
    op.drop_table("modeller_drafts")
