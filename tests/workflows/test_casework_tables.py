"""The casework tables (parties, notes, files, drafts) are built by the workflows branch."""

from __future__ import annotations

from pathlib import Path

from tests.schema_check import assert_migrations_match
from workflows.casework_tables import metadata
from workflows.migrations import VERSIONS


def test_migration_matches_casework_metadata(database_url: str) -> None:
    assert_migrations_match(database_url, metadata, [Path(VERSIONS)])
