"""The workflows Alembic branch builds exactly ``workflows.tables.metadata`` (drafts included)."""

from __future__ import annotations

from pathlib import Path

from tests.schema_check import assert_migrations_match
from workflows.tables import metadata

ROOT = Path(__file__).resolve().parents[2]


def test_workflows_migrations_match_the_table_definitions(database_url: str) -> None:
    assert_migrations_match(database_url, metadata, [
        ROOT / "handlers" / "migrations", ROOT / "workflows" / "migrations" / "versions"])
