"""Ending the server side of a pool's connections, as a database restart does."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from engine import Engine


def end_pooled_connections(engine: Engine, database_url: str) -> int:
    """Terminate the server side of three connections the engine's pool then holds idle."""
    held = [engine.db.connect() for _ in range(3)]
    pids = [c.execute(text("SELECT pg_backend_pid()")).scalar() for c in held]
    for c in held:
        c.close()  # back into the pool, alive as far as the pool knows
    killer = create_engine(database_url, poolclass=NullPool)
    with killer.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    return len(pids)
