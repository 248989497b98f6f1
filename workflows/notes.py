"""Case notes (dated, by user) and task drafts (saved answers per task and person).

Both are kept beside the engine's tables, never in the workflow state: a note is not case data
a diagram reads, and a draft is not an answer until the task is completed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from engine import Engine
from engine.clock import as_utc
from workflows.casework_tables import case_notes, task_drafts

__all__ = ["NOTE_LIMIT", "Note", "add_note", "discard_draft", "draft", "notes", "save_draft"]

NOTE_LIMIT = 5000  # characters


@dataclass(frozen=True)
class Note:
    id: int
    at: datetime
    author: str
    text: str


def add_note(engine: Engine, instance_id: int, author: str, text: str) -> Note:
    """Keep a note on the case; ValueError when it is empty or too long."""
    text = text.strip()
    if not text:
        raise ValueError("Enter the note")
    if len(text) > NOTE_LIMIT:
        raise ValueError(f"The note must be {NOTE_LIMIT:,} characters or fewer")
    at = engine.clock.now()
    with engine.db.begin() as conn:
        new = conn.execute(insert(case_notes).values(
            instance_id=instance_id, at=at, author=author, text=text))
        note_id = int(new.inserted_primary_key[0])
    return Note(note_id, at, author, text)


def notes(engine: Engine, instance_id: int) -> list[Note]:
    """The case's notes, newest first."""
    query = (select(case_notes).where(case_notes.c.instance_id == instance_id)
             .order_by(case_notes.c.id.desc()))
    with engine.reads.connect() as conn:
        rows = conn.execute(query).all()
    return [Note(r.id, as_utc(r.at) or r.at, r.author, r.text) for r in rows]


def save_draft(engine: Engine, task_id: str, instance_id: int, username: str,
               values: Mapping[str, Sequence[str]]) -> datetime:
    """Keep the posted fields of a task form for this person (one draft per task and person)."""
    kept = {k: [str(v) for v in vs] for k, vs in values.items() if k != "csrf_token"}
    at = engine.clock.now()
    key = (task_drafts.c.task_id == task_id) & (task_drafts.c.username == username)
    with engine.db.begin() as conn:
        changed = conn.execute(update(task_drafts).where(key).values(values=kept, saved_at=at))
        if changed.rowcount == 0:
            conn.execute(insert(task_drafts).values(task_id=task_id, username=username,
                                                    instance_id=instance_id, values=kept,
                                                    saved_at=at))
    return at


def draft(engine: Engine, task_id: str, username: str) -> tuple[dict[str, Any], datetime] | None:
    """This person's saved fields for the task and when they were saved, or None."""
    query = select(task_drafts.c["values"], task_drafts.c.saved_at).where(
        task_drafts.c.task_id == task_id, task_drafts.c.username == username)
    with engine.reads.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return dict(row.values), as_utc(row.saved_at) or row.saved_at


def discard_draft(engine: Engine, task_id: str) -> None:
    """Drop every draft of a task (it was completed, or its owner threw the draft away)."""
    with engine.db.begin() as conn:
        conn.execute(delete(task_drafts).where(task_drafts.c.task_id == task_id))
