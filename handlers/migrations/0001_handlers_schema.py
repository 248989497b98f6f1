"""handlers schema: special payments, complaint subjects, systemic log, DG caselist, data removals

Revision ID: 0001_handlers
Revises:
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001_handlers'
down_revision = None
branch_labels = ('handlers',)
depends_on = '0001_engine'

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('dg_caselist',
    sa.Column('id', _Id, nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=True),
    sa.Column('stage', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dg_caselist')),
    sa.UniqueConstraint('business_key', name=op.f('uq_dg_caselist_business_key'))
    )
    op.create_table('special_payments',
    sa.Column('id', _Id, nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('financial_loss_pence', sa.Integer(), nullable=False),
    sa.Column('consolatory_pence', sa.Integer(), nullable=False),
    sa.Column('total_pence', sa.Integer(), nullable=False),
    sa.Column('within_authority', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_special_payments')),
    sa.UniqueConstraint('business_key', 'tier', name=op.f('uq_special_payments_business_key'))
    )
    op.create_table('staff_data_removals',
    sa.Column('id', _Id, nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('keys', sa.JSON(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_data_removals')),
    sa.UniqueConstraint('instance_id', 'task_id', name=op.f('uq_staff_data_removals_instance_id'))
    )
    op.create_index(op.f('ix_staff_data_removals_business_key'), 'staff_data_removals',
                    ['business_key'], unique=False)
    op.create_table('systemic_log_entries',
    sa.Column('id', _Id, nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('business_keys', sa.JSON(), nullable=False),
    sa.Column('raised_by', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_systemic_log_entries'))
    )
    op.create_index(op.f('ix_systemic_log_entries_subject'), 'systemic_log_entries',
                    ['subject'], unique=False)
    op.create_table('complaint_subjects',
    sa.Column('id', _Id, nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('systemic_log_id', _Id, nullable=True),
    sa.ForeignKeyConstraint(
        ['systemic_log_id'], ['systemic_log_entries.id'],
        name=op.f('fk_complaint_subjects_systemic_log_id_systemic_log_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_subjects')),
    sa.UniqueConstraint('business_key', 'tier', name=op.f('uq_complaint_subjects_business_key'))
    )
    op.create_index(op.f('ix_complaint_subjects_recorded_at'), 'complaint_subjects',
                    ['recorded_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_complaint_subjects_recorded_at'), table_name='complaint_subjects')
    op.drop_table('complaint_subjects')
    op.drop_index(op.f('ix_systemic_log_entries_subject'), table_name='systemic_log_entries')
    op.drop_table('systemic_log_entries')
    op.drop_index(op.f('ix_staff_data_removals_business_key'), table_name='staff_data_removals')
    op.drop_table('staff_data_removals')
    op.drop_table('special_payments')
    op.drop_table('dg_caselist')
