"""The engine's Alembic branch builds exactly ``engine.tables.metadata`` (indexes included)."""

from __future__ import annotations

from engine.tables import metadata
from tests.schema_check import assert_migrations_match


def test_engine_migrations_match_the_table_definitions(database_url: str) -> None:
    assert_migrations_match(database_url, metadata)
