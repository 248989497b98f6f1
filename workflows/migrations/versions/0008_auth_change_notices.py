"""auth change notices: triggers tell every process when a token, user or role changes

Revision ID: 0008_auth_change_notices
Revises: 0007_tier_records
Create Date: 2026-12-05 06:10:00

Each web worker keeps a copy of the API tokens it has checked (``workflows.token_cache``,
decision 0027) instead of reading token, user and roles on every call. On PostgreSQL these
statement-level triggers notify the ``redress_auth`` channel in the transaction that changes
what a token signs in: a revocation, a user's name, password or active flag, a role, a deleted
row. Every worker listening hears it when that transaction commits and drops its copy. The
touch of ``last_used_at`` changes none of those columns and notifies nobody. SQLite has no
notices; there the workers keep no copy, so nothing is created.
"""

from __future__ import annotations

from alembic import op

revision = "0008_auth_change_notices"
down_revision = "0007_tier_records"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION redress_auth_changed() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('redress_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

# table → the events that change what a token signs in
_EVENTS = {
    "api_tokens": "UPDATE OF revoked_at, token_hash, user_id OR DELETE",
    "users": "UPDATE OF active, username, display_name, password_hash OR DELETE",
    "user_roles": "INSERT OR UPDATE OR DELETE",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table, events in _EVENTS.items():
        op.execute(f"CREATE TRIGGER {table}_auth_changed AFTER {events} ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION redress_auth_changed()")
        op.execute(f"CREATE TRIGGER {table}_auth_truncated AFTER TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION redress_auth_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_changed ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_truncated ON {table}")
    op.execute("DROP FUNCTION IF EXISTS redress_auth_changed()")
