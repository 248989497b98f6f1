"""The handlers' Alembic branch builds exactly ``handlers_metadata``; operators are documented."""

from __future__ import annotations

from pathlib import Path

import handlers
from engine.handlers import default_registry
from handlers.tables import handlers_metadata
from tests.schema_check import assert_migrations_match

ROOT = Path(__file__).resolve().parents[2]
OPERATORS = {"letters.send", "payments.assess", "payments.pay", "systemic.record",
             "notify.email", "caselist.update", "confidential.remove_staff_data"}


def test_migration_matches_handlers_metadata(database_url: str) -> None:
    assert_migrations_match(
        database_url, handlers_metadata, [Path(handlers.__file__).parent / "migrations"]
    )


def test_every_operator_is_registered_and_documented() -> None:
    assert set(default_registry.handlers) >= OPERATORS
    doc = (ROOT / "docs" / "handlers.md").read_text(encoding="utf-8")
    for operator in OPERATORS:
        assert f"## `{operator}`" in doc or f"`{operator}`" in doc, operator


def test_every_letter_code_is_documented() -> None:
    from tests.handlers.test_letters import LETTER_CODES
    doc = (ROOT / "docs" / "letters.md").read_text(encoding="utf-8")
    assert [code for code in LETTER_CODES if f"`{code}`" not in doc] == []
