"""The engine's Alembic branch builds exactly ``engine.tables.metadata`` (indexes included)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from engine.db import migrate, normalise_url
from engine.tables import metadata


def test_engine_migrations_match_the_table_definitions(database_url: str) -> None:
    db = create_engine(normalise_url(database_url))
    try:
        migrate(db)
        ours = set(metadata.tables)
        opts = {"include_name": lambda name, kind, _parent: kind != "table" or name in ours}
        with db.connect() as conn:
            context = MigrationContext.configure(conn, opts=opts)
            assert compare_metadata(context, metadata) == []
    finally:
        db.dispose()
