"""Read letters back the way a test (or a person) would: as text."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

__all__ = ["pdf_pages", "pdf_text"]


def pdf_text(content: bytes) -> str:
    """All the PDF's text with whitespace collapsed, so phrases match across line breaks."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def pdf_pages(content: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(content)).pages]
