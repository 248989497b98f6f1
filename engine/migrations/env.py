"""Alembic environment: runs on the connection the engine hands over (no URL in a config file)."""

from __future__ import annotations

from alembic import context

from engine.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` on the command line
    raise RuntimeError("run migrations through `redress init-db` or engine.db.migrate()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
