"""Inbound letters and evidence stored with the case: type and size checked by content.

A file is accepted only when its first bytes say it is a PDF, PNG or JPEG (what a scanner or
a phone gives), whatever its name or the browser's claimed type, so nothing that a browser
would run as a page is ever stored. The web layer still serves every file as an attachment.
For a staff complaint (R06) only the redacted copy of a letter is kept: the uploader must say
that it is redacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from engine import Engine, NotFoundError
from engine.clock import as_utc
from workflows.casework_tables import case_files

__all__ = ["KINDS", "MAX_BYTES", "StoredFile", "UploadError", "file_content", "files", "store"]

MAX_BYTES = 10 * 1024 * 1024
KINDS = {"inbound_letter": "Inbound letter", "evidence": "Evidence",
         "redacted_letter": "Redacted letter (staff complaint)"}
_SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
               (b"\xff\xd8\xff", "image/jpeg", ".jpg"))


class UploadError(ValueError):
    """The file cannot be kept; the message says why in words."""


@dataclass(frozen=True)
class StoredFile:
    id: int
    instance_id: int
    kind: str
    name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime

    @property
    def kind_name(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    stem = stem.strip(" .")[:150].rsplit(".", 1)[0] or "upload"
    return stem + extension


def store(engine: Engine, instance_id: int, *, kind: str, name: str, content: bytes,
          uploaded_by: str, staff_complaint: bool, redacted: bool) -> StoredFile:
    """Keep an uploaded file with the case, or raise :class:`UploadError`."""
    if kind not in ("inbound_letter", "evidence"):
        raise UploadError("Select what the file is")
    if not content:
        raise UploadError("The selected file is empty")
    if len(content) > MAX_BYTES:
        raise UploadError("The selected file must be smaller than 10 MB")
    found = next(((t, ext) for sig, t, ext in _SIGNATURES if content.startswith(sig)), None)
    if found is None:
        raise UploadError("The selected file must be a PDF, PNG or JPG")
    if staff_complaint:
        if not redacted:
            raise UploadError("This is a complaint about a member of staff: upload the redacted "
                              "copy only, and confirm that it is redacted")
        kind = "redacted_letter" if kind == "inbound_letter" else kind
    content_type, extension = found
    record = {"instance_id": instance_id, "kind": kind, "name": _safe_name(name, extension),
              "content_type": content_type, "size": len(content), "uploaded_by": uploaded_by,
              "uploaded_at": engine.clock.now()}
    with engine.db.begin() as conn:
        new = conn.execute(insert(case_files).values(content=content, **record))
        file_id = int(new.inserted_primary_key[0])
    return StoredFile(id=file_id, **record)  # type: ignore[arg-type]


_LIST = select(*(c for c in case_files.c if c.name != "content"))


def files(engine: Engine, instance_id: int) -> list[StoredFile]:
    """The case's files, oldest first (no content)."""
    with engine.reads.connect() as conn:
        rows = conn.execute(_LIST.where(case_files.c.instance_id == instance_id)
                            .order_by(case_files.c.id)).all()
    return [StoredFile(r.id, r.instance_id, r.kind, r.name, r.content_type, r.size,
                       r.uploaded_by, as_utc(r.uploaded_at) or r.uploaded_at) for r in rows]


def file_content(engine: Engine, instance_id: int, file_id: int) -> tuple[StoredFile, bytes]:
    """One file of this case with its bytes; NotFoundError when the case has no such file."""
    with engine.reads.connect() as conn:
        row = conn.execute(select(case_files).where(case_files.c.id == file_id,
                                                    case_files.c.instance_id == instance_id)
                           ).first()
    if row is None:
        raise NotFoundError(f"file {file_id} is not on case {instance_id}")
    meta = StoredFile(row.id, row.instance_id, row.kind, row.name, row.content_type, row.size,
                      row.uploaded_by, as_utc(row.uploaded_at) or row.uploaded_at)
    return meta, bytes(row.content)
