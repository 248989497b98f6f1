"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set ``TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test`` to run every
database test on PostgreSQL as well; each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from engine.db import normalise_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{normalise_url(base)}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A URL to an empty database; the test runs once per database kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/redress.db"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def start_time() -> datetime:
    return datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
