"""idempotency_records.resource_id: the key is recorded in the transaction that does the work

Revision ID: 0006_idempotency_resource
Revises: 0005_casework
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_idempotency_resource'
down_revision = '0005_casework'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('idempotency_records') as batch:
        batch.add_column(sa.Column('resource_id', _Id, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('idempotency_records') as batch:
        batch.drop_column('resource_id')
