"""The engine's tables (SQLAlchemy Core). Alembic migrations in ``engine/migrations`` mirror them.

Core rather than the ORM: every step writes a handful of rows and the ORM's unit of work would
cost more than the workflow step itself.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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
    text,
)

__all__ = [
    "NAMING_CONVENTION",
    "TS",
    "BigId",
    "audit_log",
    "deployment_files",
    "deployments",
    "documents",
    "human_tasks",
    "incidents",
    "instance_facts",
    "jobs",
    "message_subscriptions",
    "messages",
    "metadata",
    "outbox",
    "process_definitions",
    "process_instances",
    "process_versions",
    "settings",
    "timers",
]

# Shared with the handlers' and workflows' own metadata so every constraint is named alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)

TS = DateTime(timezone=True)
# SQLite needs INTEGER PRIMARY KEY for autoincrement; PostgreSQL gets BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

deployments = Table(
    "deployments",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)

deployment_files = Table(
    "deployment_files",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("deployment_id", ForeignKey("deployments.id"), nullable=False, index=True),
    Column("filename", String(300), nullable=False),
    Column("kind", String(10), nullable=False),  # bpmn | dmn | form
    Column("content", LargeBinary, nullable=False),
    UniqueConstraint("deployment_id", "filename"),
)

process_definitions = Table(
    "process_definitions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("process_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(300), nullable=False),
    Column("deployment_id", ForeignKey("deployments.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    # One row per process per deployment (release): unchanged processes keep their version.
    UniqueConstraint("process_id", "deployment_id",
                     name="uq_process_definitions_process_deployment"),
)

# The version list: one row per process version, made by the deployment that changed it.
process_versions = Table(
    "process_versions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("process_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),  # "" for versions made before 0003
    Column("deployment_id", ForeignKey("deployments.id"), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("process_id", "version"),
)

process_instances = Table(
    "process_instances",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("definition_id", ForeignKey("process_definitions.id"), nullable=False),
    Column("process_id", String(200), nullable=False),
    Column("business_key", String(100), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # active|suspended|completed|cancelled
    Column("revision", Integer, nullable=False),
    Column("state", LargeBinary, nullable=False),  # serialized SpiffWorkflow state (JSON, utf-8)
    Column("open_refs", JSON, nullable=False),  # ids of open tasks/timers/subscriptions/jobs
    Column("summary", JSON, nullable=False),  # small projection of data for lists and figures
    Column("started_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("ended_at", TS),
    Column("started_by", String(100), nullable=False),
    Index("ix_process_instances_status_process", "status", "process_id"),
    # The heat map joins a process's instances to their tasks, timers and jobs: an index-only
    # scan instead of reading 100,000 wide rows (engine revision 0007_search_indexes).
    Index("ix_process_instances_process_id", "process_id", "id"),
)

# What the operations search filters on, one narrow row per instance, kept by database
# triggers on process_instances (revision 0007_search_indexes) whenever one of these values
# changes. Its indexes stay off process_instances, whose updates a step keeps HOT (0004).
instance_facts = Table(
    "instance_facts",
    metadata,
    Column(
        "instance_id",
        ForeignKey("process_instances.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("process_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("tier", Text),
    Column("division", Text),
    Column("response_due", Text),
    Column("client_name", Text),
    Index("ix_instance_facts_status", "status", "process_id"),
    Index("ix_instance_facts_tier", "tier", "status"),
    Index("ix_instance_facts_division", "division", "status"),
    Index("ix_instance_facts_due", "response_due", "tier", "status"),
)

human_tasks = Table(
    "human_tasks",
    metadata,
    Column("id", String(36), primary_key=True),  # SpiffWorkflow task UUID
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False),
    Column("process_id", String(200), nullable=False),
    Column("business_key", String(100), nullable=False),
    Column("spec_id", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    Column("lane", String(100)),
    Column("form", String(300)),
    Column("status", String(20), nullable=False),  # open|completed|cancelled
    Column("assignee", String(100)),
    Column("claimed_at", TS),
    Column("created_at", TS, nullable=False),
    Column("due_at", TS),
    Column("completed_at", TS),
    Column("completed_by", String(100)),
    # An instance's open tasks by an index scan of its own entries, not a bitmap AND with
    # every open entry of the table (revision 0008_task_instance_status).
    Index("ix_human_tasks_instance_status", "instance_id", "status"),
    Index("ix_human_tasks_status_lane", "status", "lane"),
    Index("ix_human_tasks_assignee_status", "assignee", "status"),
    # The inbox: the oldest open tasks of some lanes, first page read straight off an index.
    Index(
        "ix_human_tasks_open_lane_created",
        "lane",
        "created_at",
        "id",
        postgresql_where=text("status = 'open'"),
        sqlite_where=text("status = 'open'"),
    ),
    Index(
        "ix_human_tasks_open_created",
        "created_at",
        "id",
        postgresql_where=text("status = 'open'"),
        sqlite_where=text("status = 'open'"),
    ),
)

timers = Table(
    "timers",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("task_id", String(36), nullable=False),
    Column("spec_id", String(200), nullable=False),
    Column("due_at", TS, nullable=False),
    Column("status", String(20), nullable=False),  # waiting|fired|cancelled
    Column("lease_owner", String(100)),
    Column("lease_until", TS),
    Column("fired_at", TS),
    UniqueConstraint("instance_id", "task_id"),
    Index("ix_timers_status_due", "status", "due_at"),
)

message_subscriptions = Table(
    "message_subscriptions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("message_name", String(200), nullable=False),
    Column("business_key", String(100), nullable=False),
    Column("task_id", String(36), nullable=False),
    UniqueConstraint("instance_id", "task_id"),
    Index("ix_message_subscriptions_key", "business_key", "message_name"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("message_name", String(200), nullable=False),
    Column("business_key", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("idempotency_key", String(200), unique=True),
    Column("received_at", TS, nullable=False),
    Column("consumed_at", TS),
    Column("instance_id", ForeignKey("process_instances.id")),
    Index("ix_messages_pending", "business_key", "message_name", "consumed_at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("task_id", String(36), nullable=False),
    Column("spec_id", String(200), nullable=False),
    Column("operator", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending|done|failed|cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("instance_id", "task_id"),
    Index("ix_jobs_status_next", "status", "next_attempt_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("kind", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # pending|sent|failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("task_id", String(36)),
    Column("spec_id", String(200)),
    Column("kind", String(30), nullable=False),  # handler|script|outbox|step_limit|message
    Column("message", Text, nullable=False),
    Column("job_id", ForeignKey("jobs.id")),
    Column("outbox_id", ForeignKey("outbox.id")),
    Column("created_at", TS, nullable=False),
    Column("resolved_at", TS),
    Column("resolved_by", String(100)),
    Index("ix_incidents_open", "resolved_at"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", ForeignKey("process_instances.id"), nullable=False, index=True),
    Column("business_key", String(100), nullable=False, index=True),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("task_id", String(36)),
    Column("created_at", TS, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("instance_id", BigInteger, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("task_id", String(36)),
    Column("detail", JSON, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)
