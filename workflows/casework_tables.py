"""Tables the caseworker workspace keeps beside the engine's: parties, notes, files, drafts.

Core tables with their own MetaData; the Alembic revision ``0005_casework`` of the
``workflows`` branch mirrors them. Rows point at a process instance by id (no foreign key
across branches: the engine's tables are the engine's).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from engine.tables import NAMING_CONVENTION

__all__ = ["case_files", "case_notes", "case_parties", "metadata", "task_drafts"]

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_Id = BigInteger().with_variant(Integer(), "sqlite")

# The search index: one row per case logged through the new-complaint page (or indexed later).
case_parties = Table(
    "case_parties", metadata,
    Column("instance_id", _Id, primary_key=True, autoincrement=False),
    Column("business_key", String(100), nullable=False, index=True),
    Column("client_name", String(200), nullable=False),
    Column("client_name_folded", String(200), nullable=False, index=True),  # lower case
    Column("client_reference", String(100), nullable=True, index=True),
)

case_notes = Table(
    "case_notes", metadata,
    Column("id", _Id, primary_key=True),
    Column("instance_id", _Id, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", String(100), nullable=False),
    Column("text", Text, nullable=False),
)

case_files = Table(
    "case_files", metadata,
    Column("id", _Id, primary_key=True),
    Column("instance_id", _Id, nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # inbound_letter | evidence | redacted_letter
    Column("name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

task_drafts = Table(
    "task_drafts", metadata,
    Column("task_id", String(36), primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("instance_id", _Id, nullable=False),
    Column("values", JSON, nullable=False),  # the posted fields, as the form sent them
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Index("ix_task_drafts_instance_id", "instance_id"),
)
