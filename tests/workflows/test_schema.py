"""The ``workflows`` Alembic branch builds exactly the tables ``workflows.tables`` declares."""

from __future__ import annotations

from tests.schema_check import assert_migrations_match
from workflows.bootstrap import _extra_migrations
from workflows.tables import metadata


def test_workflows_migrations_match_the_tables(database_url: str) -> None:
    assert_migrations_match(database_url, metadata, _extra_migrations())
