"""Shared check: an Alembic branch builds exactly the tables its metadata declares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

from engine.db import migrate, normalise_url
from engine.instance_search import SEARCH_INDEXES


def assert_migrations_match(
    database_url: str, metadata: MetaData, extra_migrations: Sequence[Path] = ()
) -> None:
    """Migrate a fresh database, then compare the tables of ``metadata`` (indexes included)."""
    db = create_engine(normalise_url(database_url))
    try:
        migrate(db, list(extra_migrations))
        ours = set(metadata.tables)
        # The search's PostgreSQL-only expression indexes are checked by their own test.
        opts = {"include_name": lambda name, kind, _parent: (
            name in ours if kind == "table" else name not in SEARCH_INDEXES)}
        with db.connect() as conn:
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, metadata)
            assert diff == [], diff
    finally:
        db.dispose()
