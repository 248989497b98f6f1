"""casework: case parties (search), case notes, case files, task drafts

Revision ID: 0005_casework
Revises: 0004_sessions
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_casework'
down_revision = '0004_sessions'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('case_parties',
    sa.Column('instance_id', _Id, autoincrement=False, nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('client_name', sa.String(length=200), nullable=False),
    sa.Column('client_name_folded', sa.String(length=200), nullable=False),
    sa.Column('client_reference', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_case_parties'))
    )
    op.create_index(op.f('ix_case_parties_business_key'), 'case_parties', ['business_key'])
    op.create_index(op.f('ix_case_parties_client_name_folded'), 'case_parties',
                    ['client_name_folded'])
    op.create_index(op.f('ix_case_parties_client_reference'), 'case_parties',
                    ['client_reference'])
    op.create_table('case_notes',
    sa.Column('id', _Id, nullable=False),
    sa.Column('instance_id', _Id, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    op.create_index(op.f('ix_case_notes_instance_id'), 'case_notes', ['instance_id'])
    op.create_table('case_files',
    sa.Column('id', _Id, nullable=False),
    sa.Column('instance_id', _Id, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_files'))
    )
    op.create_index(op.f('ix_case_files_instance_id'), 'case_files', ['instance_id'])
    op.create_table('task_drafts',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('instance_id', _Id, nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task_id', 'username', name=op.f('pk_task_drafts'))
    )
    op.create_index('ix_task_drafts_instance_id', 'task_drafts', ['instance_id'])


def downgrade() -> None:
    op.drop_table('task_drafts')
    op.drop_table('case_files')
    op.drop_table('case_notes')
    op.drop_table('case_parties')
