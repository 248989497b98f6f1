"""The operations Alembic branch builds exactly ``engine.ops_tables.ops_metadata``."""

from __future__ import annotations

from engine.ops_tables import ops_metadata
from tests.schema_check import assert_migrations_match


def test_operations_migrations_match_the_table_definitions(database_url: str) -> None:
    assert_migrations_match(database_url, ops_metadata)
