"""users.demo: mark accounts made by the demo seeding (refused in production)

Revision ID: 0002_workflows
Revises: 0001_workflows
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_workflows'
down_revision = '0001_workflows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('demo')
