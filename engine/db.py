"""Database connections and schema migrations.

SQLite (the embedded default) is tuned for a single-writer workload: WAL so readers never
block, ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing on lock
upgrade (reads through :func:`reader` begin DEFERRED), and foreign keys on. PostgreSQL needs
nothing special beyond a sensible pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine import Engine as SqlEngine

__all__ = ["AUDIT_ERASING", "connect", "is_postgres", "migrate", "new_id", "normalise_url",
           "reader"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# True while engine.erasure scrubs audit rows (SQLite's trigger reads it through a function).
AUDIT_ERASING: ContextVar[bool] = ContextVar("redress_audit_erasing", default=False)


def connect(url: str, *, pool_size: int = 10) -> SqlEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def reader(engine: SqlEngine) -> SqlEngine:
    """The same pool, for reads that need no transaction of their own.

    On PostgreSQL reads run in autocommit, which spares each one a BEGIN and a ROLLBACK round
    trip; on SQLite they begin DEFERRED, so they do not queue behind writers for the write
    lock (WAL gives them a snapshot anyway). A read spanning several statements may then see
    a commit land between them; the engine's reads do not depend on that.
    """
    if is_postgres(engine):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(redress_read=True)


def is_postgres(engine: SqlEngine) -> bool:
    return engine.dialect.name == "postgresql"


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: SqlEngine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # The audit log's UPDATE trigger asks this whether an erasure is under way.
        dbapi_connection.create_function("redress_audit_erasing", 0,
                                         lambda: int(AUDIT_ERASING.get()))

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("redress_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(engine: SqlEngine, extra_version_locations: Sequence[str | Path] = ()) -> None:
    """Bring the schema to the newest revision of the engine and of any extra branches."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions"), *(str(p) for p in extra_version_locations)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT just made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
