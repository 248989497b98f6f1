"""The handlers' Alembic branch builds exactly ``handlers_metadata``; operators are documented."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import handlers
from engine.db import migrate, normalise_url
from engine.handlers import default_registry
from handlers.letters import LETTER_CODES
from handlers.tables import handlers_metadata

ROOT = Path(__file__).resolve().parents[2]
OPERATORS = {"letters.send", "payments.assess", "payments.pay", "systemic.record",
             "notify.email", "caselist.update", "confidential.remove_staff_data"}


def test_migration_matches_handlers_metadata(database_url: str) -> None:
    db = create_engine(normalise_url(database_url))
    try:
        migrate(db, [Path(handlers.__file__).parent / "migrations"])
        ours = set(handlers_metadata.tables)
        opts = {"include_name": lambda name, kind, _parent: kind != "table" or name in ours}
        with db.connect() as conn:
            context = MigrationContext.configure(conn, opts=opts)
            assert compare_metadata(context, handlers_metadata) == []
    finally:
        db.dispose()


def test_every_operator_is_registered_and_documented() -> None:
    assert set(default_registry.handlers) >= OPERATORS
    doc = (ROOT / "docs" / "handlers.md").read_text(encoding="utf-8")
    for operator in OPERATORS:
        assert f"## `{operator}`" in doc or f"`{operator}`" in doc, operator


def test_every_letter_code_is_documented() -> None:
    doc = (ROOT / "docs" / "handlers.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in doc for code in LETTER_CODES)
