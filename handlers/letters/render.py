"""Lay a letter out as a GOV.UK-style A4 PDF: letterhead, window address, page numbers."""

from __future__ import annotations

import io
import re
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

from handlers.letters.facts import CaseFacts
from handlers.letters.model import Bullets, Document, Heading, Para
from handlers.letters.wording import CMS_ADDRESS, CMS_PHONE, CMS_WEB, ROLE_LABELS, long_date

__all__ = ["render_pdf"]

WIDTH, HEIGHT = A4
LEFT, RIGHT = 25 * mm, 20 * mm
BRAND = colors.HexColor("#00703c")  # GOV.UK green, used for the rule under the letterhead
GREY = colors.HexColor("#505a5f")

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=11, leading=15, spaceAfter=8)
_BOLD = ParagraphStyle("bold", parent=_BODY, fontName="Helvetica-Bold")
_TITLE = ParagraphStyle("title", parent=_BODY, fontName="Helvetica-Bold", fontSize=14,
                        leading=18, spaceBefore=4, spaceAfter=10)
_HEAD = ParagraphStyle("head", parent=_BODY, fontName="Helvetica-Bold", fontSize=12,
                       leading=16, spaceBefore=6, spaceAfter=4)
_DIGIT_SPACE = re.compile(r"(\d) (?=\d)")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=12, spaceAfter=0)


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
        self.setFont("Helvetica", 8)
        self.setFillColor(GREY)
        self.drawString(LEFT, 12 * mm, self._redress_code)
        self.drawCentredString(WIDTH / 2, 12 * mm, f"Case reference {self.reference}")
        self.drawRightString(WIDTH - RIGHT, 12 * mm, f"Page {number} of {total}")


def _letterhead(canvas: Canvas, doc: BaseDocTemplate) -> None:
    top = HEIGHT - 18 * mm
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 17)
    canvas.drawString(LEFT, top - 4 * mm, "Child Maintenance")
    canvas.drawString(LEFT, top - 10.5 * mm, "Service")
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(2.5)
    canvas.line(LEFT, top - 15 * mm, LEFT + 40 * mm, top - 15 * mm)
    canvas.setFont("Helvetica", 8.5)
    canvas.setFillColor(colors.black)
    lines = [*CMS_ADDRESS, "", f"Phone {CMS_PHONE}", CMS_WEB]
    for i, line in enumerate(lines):
        canvas.drawRightString(WIDTH - RIGHT, top - i * 3.8 * mm, line)
    canvas.restoreState()


def _later_header(canvas: Canvas, doc: BaseDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(LEFT, HEIGHT - 15 * mm, "Child Maintenance Service")
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(1)
    canvas.line(LEFT, HEIGHT - 17 * mm, WIDTH - RIGHT, HEIGHT - 17 * mm)
    canvas.restoreState()


def _address_block(facts: CaseFacts) -> Table:
    address = "<br/>".join(escape(x) for x in (facts.addressee, *facts.address))
    rows = [("Our reference", facts.reference), ("Date", long_date(facts.today))]
    if facts.role in ROLE_LABELS:
        rows.append(("You are the", ROLE_LABELS[facts.role]))
    ref = "<br/>".join(f"<b>{k}</b>&nbsp;&nbsp;{escape(v)}" for k, v in rows)
    table = Table([[Paragraph(address, _BODY), Paragraph(ref, _SMALL)]],
                  colWidths=[95 * mm, WIDTH - LEFT - RIGHT - 95 * mm], rowHeights=[36 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr"})


def _salutation(facts: CaseFacts) -> str:
    parts = facts.addressee.split()
    titled = len(parts) > 2 and parts[0].rstrip(".").lower() in _TITLES
    return f"Dear {parts[0]} {parts[-1]}" if titled else f"Dear {facts.addressee}"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Keep phone numbers on one line ("0800 171 2345" must not wrap after "171").
    return Paragraph(_DIGIT_SPACE.sub(r"\1&nbsp;", escape(text)), style)


def _blocks(document: Document) -> list[Flowable]:
    story: list[Flowable] = [_Code(document.code), Paragraph(escape(document.title), _TITLE)]
    for block in document.blocks:
        if isinstance(block, Heading):
            story.append(_p(block.text, _HEAD))
        elif isinstance(block, Para):
            story.append(_p(block.text, _BOLD if block.bold else _BODY))
        elif isinstance(block, Bullets):
            items = [ListItem(_p(i, _BODY), leftIndent=14) for i in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14))
    if document.form_fields:
        rows = [[Paragraph(f"<b>{escape(k)}</b>", _BODY), Paragraph(escape(v), _BODY)]
                for k, v in document.form_fields]
        form = Table(rows, colWidths=[55 * mm, WIDTH - LEFT - RIGHT - 55 * mm],
                     rowHeights=[12 * mm] * len(rows))
        form.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(form)
    return story


def render_pdf(letter: Document, facts: CaseFacts, enclosures: list[Document]) -> bytes:
    """The letter, then each enclosure on a new page, as one PDF."""
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=25 * mm,
        bottomMargin=22 * mm, title=f"{letter.code} {facts.reference}",
        author="Child Maintenance Service", invariant=True,
    )
    body_w = WIDTH - LEFT - RIGHT
    doc.addPageTemplates([
        PageTemplate("first", [Frame(LEFT, 22 * mm, body_w, HEIGHT - 45 * mm - 22 * mm,
                                     id="first", leftPadding=0, rightPadding=0)],
                     onPage=_letterhead),
        PageTemplate("later", [Frame(LEFT, 22 * mm, body_w, HEIGHT - 47 * mm,
                                     id="later", leftPadding=0, rightPadding=0)],
                     onPage=_later_header),
    ])
    story: list[Flowable] = [NextPageTemplate("later"), _address_block(facts), Spacer(1, 4 * mm),
                             Paragraph(escape(_salutation(facts)), _BODY)]
    story += _blocks(letter)
    story.append(KeepTogether([Spacer(1, 4 * mm), *(
        Paragraph(escape(line), _BODY if i == 0 else _BOLD if i == 1 else _BODY)
        for i, line in enumerate(letter.closing))]))
    if enclosures:
        story += [Spacer(1, 6 * mm), _p("Enclosed: " + ", ".join(
            f"{e.code} {e.title}" for e in enclosures), _SMALL)]
    for enclosure in enclosures:
        story += [PageBreak(), *_blocks(enclosure)]

    class _Canvas(_NumberedCanvas):
        reference = facts.reference

    doc.build(story, canvasmaker=_Canvas)
    return out.getvalue()
