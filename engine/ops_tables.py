"""Tables for running Redress: batch operations and the scheduler's heartbeat.

Their own metadata and Alembic branch (``engine_operations``), so they migrate beside the
engine's tables without sharing its revision line.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from engine.tables import NAMING_CONVENTION, TS, BigId

__all__ = ["batch_items", "batches", "heartbeats", "ops_metadata"]

ops_metadata = MetaData(naming_convention=NAMING_CONVENTION)

batches = Table(
    "operation_batches",
    ops_metadata,
    Column("id", BigId, primary_key=True),
    Column("action", String(20), nullable=False),  # retry|suspend|resume|cancel|migrate
    Column("to_version", Integer),  # migrate only
    Column("reason", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # running|stopped|finished
    Column("total", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("finished_at", TS),
)

batch_items = Table(
    "operation_batch_items",
    ops_metadata,
    Column("id", BigId, primary_key=True),
    Column("batch_id", ForeignKey("operation_batches.id"), nullable=False),
    Column("instance_id", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),  # pending|running|done|failed
    Column("error", Text),
    Column("done_at", TS),
    Index("ix_operation_batch_items_batch_status", "batch_id", "status"),
)

heartbeats = Table(
    "scheduler_heartbeats",
    ops_metadata,
    Column("worker", String(200), primary_key=True),
    Column("beat_at", TS, nullable=False),
)
