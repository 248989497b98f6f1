"""A letter as structured content, so templates never touch reportlab and render never words."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Block", "Bullets", "Document", "Heading", "Para"]


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


Block = Heading | Para | Bullets


@dataclass(frozen=True)
class Document:
    """A letter or an enclosure: code (printed in the footer), title and body blocks."""

    code: str
    title: str
    blocks: tuple[Block, ...]
    closing: tuple[str, ...] = ()  # sign-off lines; empty for enclosures
    form_fields: tuple[tuple[str, str], ...] = field(default=())  # label, pre-filled value
