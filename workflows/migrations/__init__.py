"""Alembic version folder of the ``workflows`` branch (users, roles, tokens, idempotency)."""

from __future__ import annotations

from pathlib import Path

from engine import Engine

__all__ = ["VERSIONS", "include"]

VERSIONS = Path(__file__).parent / "versions"


def include(engine: Engine) -> bool:
    """Make ``engine.init_db()`` also run this branch; return whether it had to be added.

    ``workflows.bootstrap.build_engine`` should list the folder itself; this keeps the demo and
    the tests working on an engine built without it.
    """
    if any(Path(p) == VERSIONS for p in engine.extra_migrations):
        return False
    engine.extra_migrations = (*engine.extra_migrations, VERSIONS)
    return True
