"""The handlers' own tables (SQLAlchemy Core) on their own MetaData, mirrored by ``migrations/``.

Rows are keyed by business key (and tier or task) so a handler re-run for the same task finds its
earlier row instead of adding another. Money is stored in pence.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    CursorResult,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from engine.tables import NAMING_CONVENTION, TS, BigId

__all__ = [
    "aware",
    "complaint_subjects",
    "dg_caselist",
    "handlers_metadata",
    "inserted_id",
    "special_payments",
    "staff_data_removals",
    "systemic_log_entries",
]

handlers_metadata = MetaData(naming_convention=NAMING_CONVENTION)


special_payments = Table(
    "special_payments",
    handlers_metadata,
    Column("id", BigId, primary_key=True),
    Column("business_key", String(100), nullable=False),
    Column("tier", String(30), nullable=False),
    Column("instance_id", BigInteger, nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("outcome", String(30), nullable=True),
    Column("financial_loss_pence", Integer, nullable=False),
    Column("consolatory_pence", Integer, nullable=False),
    Column("total_pence", Integer, nullable=False),
    Column("within_authority", Boolean, nullable=False),
    Column("status", String(20), nullable=False),  # approved | awaiting_spt | none | paid
    Column("assessed_at", TS, nullable=False),
    Column("paid_at", TS, nullable=True),
    UniqueConstraint("business_key", "tier"),
)

systemic_log_entries = Table(
    "systemic_log_entries",
    handlers_metadata,
    Column("id", BigId, primary_key=True),
    Column("tier", String(30), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("business_keys", JSON, nullable=False),
    Column("raised_by", String(100), nullable=False),  # business key of the third complaint
    Column("status", String(30), nullable=False),  # pending_confirmation | confirmed | dismissed
    Column("raised_at", TS, nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", TS, nullable=True),
)

complaint_subjects = Table(
    "complaint_subjects",
    handlers_metadata,
    Column("id", BigId, primary_key=True),
    Column("business_key", String(100), nullable=False),
    Column("tier", String(30), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("instance_id", BigInteger, nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("recorded_at", TS, nullable=False, index=True),
    Column("systemic_log_id", BigId, ForeignKey("systemic_log_entries.id"), nullable=True),
    UniqueConstraint("business_key", "tier"),
)

dg_caselist = Table(
    "dg_caselist",
    handlers_metadata,
    Column("id", BigId, primary_key=True),
    Column("business_key", String(100), nullable=False, unique=True),
    Column("instance_id", BigInteger, nullable=False),
    Column("category", String(30), nullable=False),  # high_profile | parliamentary | official
    Column("tier", String(30), nullable=True),
    Column("stage", String(100), nullable=True),
    Column("outcome", String(30), nullable=True),
    Column("status", String(20), nullable=False),  # open | closed
    Column("opened_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("closed_at", TS, nullable=True),
)

staff_data_removals = Table(
    "staff_data_removals",
    handlers_metadata,
    Column("id", BigId, primary_key=True),
    Column("business_key", String(100), nullable=False, index=True),
    Column("instance_id", BigInteger, nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("keys", JSON, nullable=False),  # key names only, never the values
    Column("removed_at", TS, nullable=False),
    UniqueConstraint("instance_id", "task_id"),
)


def aware(value: datetime) -> datetime:
    """Read timestamps back as UTC-aware: SQLite returns them naive."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def inserted_id(result: CursorResult[object]) -> int:
    """The primary key an INSERT just assigned."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("INSERT returned no primary key")
    return int(key[0])
