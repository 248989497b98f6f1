"""Lay a letter out as an A4 PDF: letterhead, window address, page numbers; standard or large print.

Large print (a client whose contact preference asks for it) uses 16 pt body text and larger
headings, per the RNIB clear print guidance; the layout is otherwise the same. Every PDF
carries its title and language (en-GB) so screen readers announce it properly, and uses the
standard PDF fonts (nothing embedded) with compressed pages, so a page stays a few kilobytes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from handlers.letters.model import Bullets, Document, Heading, Para

__all__ = ["Head", "render_pdf"]

WIDTH, HEIGHT = A4
LEFT, RIGHT = 25 * mm, 20 * mm
BRAND = colors.HexColor("#00703c")  # GOV.UK green, the rule under the letterhead
GREY = colors.HexColor("#505a5f")
_DIGIT_SPACE = re.compile(r"(\d) (?=\d)")


@dataclass(frozen=True)
class Head:
    """Everything above the body and in the footer: who from, who to, which case."""

    sender: str  # organisation name in the letterhead
    sender_lines: tuple[str, ...]  # return address, phone, web
    address: tuple[str, ...]  # the reader's name and address (window envelope)
    reference: str  # the complaint reference, on every page
    date: str
    salutation: str
    rows: tuple[tuple[str, str], ...] = ()  # extra reference rows ("Your reference", …)
    marking: str = ""  # PRIVATE AND CONFIDENTIAL, or COPY
    copy_note: str = ""  # "A copy of this letter has gone to …"
    title: str = ""  # document title metadata


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    bold: ParagraphStyle
    title: ParagraphStyle
    head: ParagraphStyle
    small: ParagraphStyle
    footer: float

    @classmethod
    def make(cls, large: bool) -> _Styles:
        size, lead = (16.0, 22.0) if large else (11.0, 15.0)
        body = ParagraphStyle("body", fontName="Helvetica", fontSize=size, leading=lead,
                              spaceAfter=size * 0.75)
        return cls(
            body=body,
            bold=ParagraphStyle("bold", parent=body, fontName="Helvetica-Bold"),
            title=ParagraphStyle("title", parent=body, fontName="Helvetica-Bold",
                                 fontSize=size + 4, leading=lead + 5, spaceBefore=4,
                                 spaceAfter=10),
            head=ParagraphStyle("head", parent=body, fontName="Helvetica-Bold",
                                fontSize=size + 1.5, leading=lead + 1, spaceBefore=6,
                                spaceAfter=4),
            small=ParagraphStyle("small", parent=body, fontSize=16 if large else 9,
                                 leading=21 if large else 12, spaceAfter=0),
            footer=16 if large else 8,
        )


class _Code(Flowable):  # type: ignore[misc]
    """Zero-size marker: tells the canvas which document code the footer of this page shows."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv._redress_code = self.code


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Defers footers until the page count is known, for "Page 2 of 3"."""

    reference = ""
    footer_size = 8.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redress_code = ""
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._footer(number, total)
            super().showPage()
        super().save()

    def _footer(self, number: int, total: int) -> None:
        self.setFont("Helvetica", self.footer_size)
        self.setFillColor(GREY)
        y = 10 * mm
        self.drawString(LEFT, y, self._redress_code)
        self.drawCentredString(WIDTH / 2, y, f"Reference {self.reference}")
        self.drawRightString(WIDTH - RIGHT, y, f"Page {number} of {total}")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Keep phone numbers on one line ("0800 171 2345" must not wrap after "171").
    return Paragraph(_DIGIT_SPACE.sub(r"\1&nbsp;", escape(text)), style)


def _blocks(document: Document, st: _Styles) -> list[Flowable]:
    story: list[Flowable] = [_Code(document.code), _p(document.title, st.title)]
    for block in document.blocks:
        if isinstance(block, Heading):
            story.append(_p(block.text, st.head))
        elif isinstance(block, Para):
            story.append(_p(block.text, st.bold if block.bold else st.body))
        elif isinstance(block, Bullets):
            items = [ListItem(_p(i, st.body), leftIndent=14) for i in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14,
                                      bulletFontSize=st.body.fontSize))
    if document.form_fields:
        rows = [[_p(k, st.bold), _p(v, st.body)] for k, v in document.form_fields]
        form = Table(rows, colWidths=[60 * mm, WIDTH - LEFT - RIGHT - 60 * mm])
        form.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 14)]))
        story.append(form)
    return story


def _address_block(head: Head, st: _Styles, large: bool) -> Table:
    lines = ([f"<b>{escape(head.marking)}</b>"] if head.marking else []) + [
        escape(x) for x in head.address]
    rows = [("Our reference", head.reference), ("Date", head.date), *head.rows]
    ref = "<br/>".join(f"<b>{escape(k)}</b>&nbsp;&nbsp;{escape(v)}" for k, v in rows)
    if large:  # one column: 16 pt does not fit two side by side
        table = Table([[Paragraph("<br/>".join(lines), st.body)], [Paragraph(ref, st.small)]],
                      colWidths=[WIDTH - LEFT - RIGHT])
    else:
        table = Table([[Paragraph("<br/>".join(lines), st.body), Paragraph(ref, st.small)]],
                      colWidths=[95 * mm, WIDTH - LEFT - RIGHT - 95 * mm],
                      rowHeights=[38 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def render_pdf(letter: Document, head: Head, enclosures: list[Document], *,
               large_print: bool = False) -> bytes:
    """The letter, then each enclosure on a new page, as one PDF."""
    st = _Styles.make(large_print)
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=25 * mm,
        bottomMargin=20 * mm, title=head.title or letter.title, author=head.sender,
        subject=f"{letter.code} {head.reference}", lang="en-GB", displayDocTitle=True,
        invariant=True, pageCompression=1,
    )

    def letterhead(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        top = HEIGHT - 18 * mm
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 20 if large_print else 17)
        words = head.sender.split()
        half = max(1, len(words) // 2 + len(words) % 2)
        for i, part in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
            canvas.drawString(LEFT, top - (4 + i * 7) * mm, part)
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(2.5)
        canvas.line(LEFT, top - 15 * mm, LEFT + 40 * mm, top - 15 * mm)
        size = 16 if large_print else 8.5
        canvas.setFont("Helvetica", size)
        for i, line in enumerate(head.sender_lines):
            canvas.drawRightString(WIDTH - RIGHT, top - i * size * 0.45 * mm, line)
        canvas.restoreState()

    def later(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 16 if large_print else 9)
        canvas.drawString(LEFT, HEIGHT - 15 * mm, head.sender)
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(1)
        canvas.line(LEFT, HEIGHT - 17 * mm, WIDTH - RIGHT, HEIGHT - 17 * mm)
        canvas.restoreState()

    body_w = WIDTH - LEFT - RIGHT
    first_top = 72 * mm if large_print else 45 * mm
    later_top = 45 * mm if large_print else 40 * mm
    doc.addPageTemplates([
        PageTemplate("first", [Frame(LEFT, 18 * mm, body_w, HEIGHT - first_top - 18 * mm,
                                     id="first", leftPadding=0, rightPadding=0)],
                     onPage=letterhead),
        PageTemplate("later", [Frame(LEFT, 18 * mm, body_w, HEIGHT - later_top,
                                     id="later", leftPadding=0, rightPadding=0)],
                     onPage=later),
    ])
    story: list[Flowable] = [NextPageTemplate("later"), _address_block(head, st, large_print),
                             Spacer(1, 4 * mm), _p(head.salutation, st.body)]
    story += _blocks(letter, st)
    story.append(KeepTogether([Spacer(1, 4 * mm), *(
        _p(line, st.bold if i == 1 else st.body) for i, line in enumerate(letter.closing))]))
    notes = []
    if enclosures:
        notes.append("Enclosed: " + ", ".join(f"{e.code} {e.title}" for e in enclosures))
    if head.copy_note:
        notes.append(head.copy_note)
    if notes:
        story += [Spacer(1, 6 * mm), *(_p(n, st.small) for n in notes)]
    for enclosure in enclosures:
        story += [PageBreak(), *_blocks(enclosure, st)]

    class _Canvas(_NumberedCanvas):
        reference = head.reference
        footer_size = st.footer

    doc.build(story, canvasmaker=_Canvas)
    return out.getvalue()
