"""Redress's own tables beside the engine's: users, their roles, API tokens, idempotency keys.

Core tables with their own MetaData; the Alembic branch ``workflows`` in
``workflows/migrations/versions`` mirrors them and depends on the engine's first revision.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from engine.tables import NAMING_CONVENTION

__all__ = [
    "api_tokens", "idempotency_records", "metadata", "modeller_drafts", "sign_in_failures",
    "tier_records", "user_roles", "user_sessions", "users",
]

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_Id = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users", metadata,
    Column("id", _Id, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(300), nullable=True),  # system accounts sign in by token only
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Made by ``redress serve --demo`` with a published password: refused in production.
    Column("demo", Boolean, nullable=False, server_default=false()),
)

user_roles = Table(
    "user_roles", metadata,
    Column("user_id", _Id, ForeignKey("users.id"), primary_key=True),
    Column("role", String(50), primary_key=True),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", _Id, primary_key=True),
    Column("user_id", _Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex of the token
    Column("prefix", String(12), nullable=False),  # shown in lists so a user can tell them apart
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

idempotency_records = Table(
    "idempotency_records", metadata,
    Column("id", _Id, primary_key=True),
    Column("user_id", _Id, ForeignKey("users.id"), nullable=False),
    Column("scope", String(100), nullable=False),  # e.g. "POST /instances"
    Column("key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of the request body
    Column("status_code", Integer, nullable=True),  # NULL until the reply is stored
    # What the request made (an instance, a message), written in the same transaction that
    # made it: a retry whose first attempt committed but never stored its reply finds it here.
    Column("resource_id", _Id, nullable=True),
    Column("body", JSON, nullable=True),
    Column("headers", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "scope", "key"),
)

# The analysts' work in progress: one draft per package file, saved by the modeller's autosave.
modeller_drafts = Table(
    "modeller_drafts", metadata,
    Column("id", _Id, primary_key=True),
    Column("package", String(200), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("saved_by", String(100), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("package", "filename"),
)

# A signed-in browser session: the cookie holds a random secret, the table its SHA-256, so
# sign-out, a password change or an administrator can end it, and it expires server-side.
user_sessions = Table(
    "user_sessions", metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 hex of the cookie's secret
    Column("user_id", _Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Failed sign-ins per account ("user:<name>") and per address ("addr:<ip>"), shared by every
# web worker through the database: the lockout holds however many processes serve.
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
)


# Each tier of each kept complaint as a row, for the figures (workflows.tier_records). Written
# by database triggers on process_instances in the step's own transaction (revision
# 0007_tier_records), so the figures group plain columns instead of expanding every case's
# summary per request. Dates are ISO text as the summaries hold them. Text columns: a trigger
# must never fail a step over a long value.
tier_records = Table(
    "tier_records", metadata,
    Column("id", _Id, primary_key=True),
    Column("instance_id", _Id, nullable=False),
    Column("process_id", Text, nullable=False),
    Column("tier", Text),
    Column("received", Text),
    Column("due", Text),
    Column("closed", Text),
    Column("outcome", Text),
    Column("division", Text, nullable=False),
    Index("ix_tier_records_instance", "instance_id"),
    Index("ix_tier_records_process_closed", "process_id", "closed"),
)
