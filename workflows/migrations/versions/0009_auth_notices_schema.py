"""auth change notices name the schema whose rows changed

Revision ID: 0009_auth_notices_schema
Revises: 0008_auth_change_notices
Create Date: 2026-12-05 17:45:00

A channel is the whole database's: a notice sent from one schema reached every process
listening on ``redress_auth``, whichever schema it serves (two deployments in one database, or
tests running side by side), and each dropped its copy of the tokens for nothing. The notice's
payload now says ``schema:<name>``, and a listener ignores one that names another schema
(:mod:`engine.change_notices`). Any other payload, as 0008 sent, still counts as a change, so a
process and a database on different sides of this migration never trust a stale copy.
"""

from __future__ import annotations

from alembic import op

revision = "0009_auth_notices_schema"
down_revision = "0008_auth_change_notices"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION redress_auth_changed() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('redress_auth', 'schema:' || TG_TABLE_SCHEMA);
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

_BEFORE = """
CREATE OR REPLACE FUNCTION redress_auth_changed() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('redress_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BEFORE)
