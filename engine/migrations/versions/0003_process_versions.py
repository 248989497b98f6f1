"""per-process versions: a deployment bumps only the processes whose content changed

Revision ID: 0003_process_versions
Revises: 0002_inbox_indexes
Create Date: 2026-12-04 16:20:00

``process_definitions`` becomes one row per process per deployment (a release), so an instance
runs the called processes of the release it started from; ``process_versions`` is the version
list. Versions made before this migration get an empty content hash, recomputed from their
deployment's files the first time a deploy compares against them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_process_versions"
down_revision = "0002_inbox_indexes"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "process_versions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("deployment_id", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"], ["deployments.id"],
            name=op.f("fk_process_versions_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_versions")),
        sa.UniqueConstraint("process_id", "version", name=op.f("uq_process_versions_process_id")),
    )
    op.execute(
        "INSERT INTO process_versions (process_id, version, content_hash, deployment_id, "
        "created_at) SELECT process_id, version, '', deployment_id, created_at "
        "FROM process_definitions"
    )
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_constraint("uq_process_definitions_process_id", type_="unique")
        batch.create_unique_constraint(
            "uq_process_definitions_process_deployment", ["process_id", "deployment_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_constraint("uq_process_definitions_process_deployment", type_="unique")
        batch.create_unique_constraint(
            "uq_process_definitions_process_id", ["process_id", "version"]
        )
    op.drop_table("process_versions")
