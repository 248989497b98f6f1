"""The small Markdown a letter template writes, read into blocks the PDF and text renderers lay out.

Blocks are separated by blank lines: ``# Title`` (first), ``## Heading``, a block of ``- item``
lines (a list), ``**whole paragraph**`` (bold), ``| label | value |`` rows (a form to fill in),
anything else a paragraph (its lines joined). No inline markup: case text prints as written.
"""

from __future__ import annotations

import textwrap

from handlers.letters.model import Block, Bullets, Document, Heading, Para

__all__ = ["parse_markdown", "plain_text"]


def _blocks(markdown: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        if line.startswith("#") and blocks[-1]:
            blocks.append([])  # a heading always starts a block of its own
        blocks[-1].append(line)
        if line.startswith("#"):
            blocks.append([])
    return [b for b in blocks if b]


def parse_markdown(markdown: str, *, form: str, closing: tuple[str, ...] = ()) -> Document:
    """A letter or enclosure; ``form`` is the code printed in the footer."""
    title = ""
    body: list[Block] = []
    fields: list[tuple[str, str]] = []
    for block in _blocks(markdown):
        first = block[0]
        if first.startswith("# ") and not title and not body:
            title = first[2:].strip()
        elif first.startswith("#"):
            body.append(Heading(first.lstrip("#").strip()))
        elif all(line.startswith("- ") for line in block):
            body.append(Bullets(tuple(line[2:].strip() for line in block)))
        elif all(line.startswith("|") for line in block):
            for line in block:
                cells = [c.strip() for c in line.strip("|").split("|")]
                fields.append((cells[0], cells[1] if len(cells) > 1 else ""))
        else:
            text = " ".join(block)
            bold = len(text) > 4 and text.startswith("**") and text.endswith("**")
            body.append(Para(text[2:-2].strip() if bold else text, bold=bold))
    return Document(code=form, title=title, blocks=tuple(body), closing=closing,
                    form_fields=tuple(fields))


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, 72, initial_indent=indent,
                         subsequent_indent=" " * len(indent)) or [""]


def plain_text(head: list[str], documents: list[Document]) -> str:
    """The letter as plain text (screen readers, e-mail, the client's own tools)."""
    out = [*head]
    for number, doc in enumerate(documents):
        if number:
            out += ["", "-" * 72, f"Enclosure {doc.code}"]
        out += ["", doc.title.upper(), ""]
        for block in doc.blocks:
            if isinstance(block, Heading):
                out += [block.text, "-" * len(block.text)]
            elif isinstance(block, Para):
                out += _wrap(block.text)
            else:
                for item in block.items:
                    out += _wrap(item, "  * ")
            out.append("")
        for label, value in doc.form_fields:
            out.append(f"{label}: {value or '____________________'}")
        if doc.closing:
            out += ["", *doc.closing]
    return "\n".join(out).rstrip() + "\n"
