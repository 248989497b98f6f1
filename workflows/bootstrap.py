"""Build the engine Redress runs on: complaints handlers, data projection, outbox transports.

The one place that wires the layers together, so the CLI, the web app, the tests and the
benchmarks all run the same configuration.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import handlers
from engine import Clock, Engine, FileDropTransport
from workflows.case_access import TASK_ACCESS
from workflows.idempotency import erase_stored_replies

__all__ = ["DEFAULT_DATABASE_URL", "INSTANCE_DIR", "SUMMARY_KEYS", "build_engine", "database_url"]

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("REDRESS_INSTANCE_DIR", ROOT / "instance"))
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'redress.db'}"

# Case data the instance lists and figures need without loading the workflow state.
SUMMARY_KEYS: Sequence[str] = (
    "tier",
    "stage",
    "owner_role",
    "response_due",
    "refusal_reason",
    "outcome",
    "subject",
    "division",
    "received_date",
    "payment_total",
    "payment_status",
    "route",
    "tier_history",  # figures count each tier when it closes
    "client.name",  # the operations search by client name (a dotted key reads nested data)
    "staff_complaint",  # R06: lists and histories know a case is confidential without its data
)


# Never copied into the audit log's before/after values (R06 staff confidentiality; free-text
# notes may hold anything). The history still says who changed them and when.
AUDIT_PRIVATE_KEYS: Sequence[str] = ("staff_*", "line_manager*", "*notes*", "*details*")


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def _extra_migrations() -> list[Path]:
    """Alembic branches beside the engine's: the handlers' tables and our own (users, tokens)."""
    folders = [
        Path(handlers.__file__).parent / "migrations",
        ROOT / "workflows" / "migrations" / "versions",
    ]
    return [folder for folder in folders if folder.is_dir()]


def build_engine(
    url: str | None = None, *, clock: Clock | None = None, run_jobs_inline: bool = True
) -> Engine:
    """An engine with Redress's handlers, summary keys and a post-room drop folder."""
    engine = Engine.create(
        url or database_url(),
        clock=clock,
        summary_keys=SUMMARY_KEYS,
        default_transport=FileDropTransport(INSTANCE_DIR / "outbox"),
        run_jobs_inline=run_jobs_inline,
        extra_migrations=_extra_migrations(),
        audit_private_keys=AUDIT_PRIVATE_KEYS,
        task_access=TASK_ACCESS,  # lanes are roles; team leaders release in the queues they lead
    )
    engine.add_erasure_hook(erase_stored_replies)  # R06: stored API replies hold case data
    return engine
