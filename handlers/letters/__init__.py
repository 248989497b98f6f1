"""``letters.send``: write a letter from its package template, store it with the case, post it once.

The wording is the package's (``letters/<CODE>.md.j2`` deployed with the diagrams); this module
only decides who it goes to (``parties``), which enclosures it carries (``enclosures``), and lays
it out (``render``: PDF, large print when the reader asks for it, and a plain-text alternative).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.handlers import HandlerContext, deploy_check, handler
from handlers._data import as_list
from handlers.letters.dates import long_date
from handlers.letters.enclosures import ENCLOSURE_RULES, choose_enclosures
from handlers.letters.fields import template_context
from handlers.letters.markdown import parse_markdown, plain_text
from handlers.letters.parties import MissingAddressee, Party, Recipients, recipients
from handlers.letters.render import Head, render_pdf
from handlers.letters.templates import (
    SUFFIX,
    TemplateInfo,
    check_package,
    file_name,
    render_markdown,
    template_info,
)

__all__ = [
    "ENCLOSURE_RULES",
    "SUFFIX",
    "MissingAddressee",
    "RenderedLetter",
    "TemplateInfo",
    "check_package",
    "compose",
    "send_letter",
    "template_info",
]

Source = Callable[[str], str | None]

deploy_check(check_package)


@dataclass(frozen=True)
class RenderedLetter:
    """One copy of one letter: the PDF, its plain-text alternative and what it encloses."""

    code: str
    pdf: bytes
    text: str
    enclosures: list[str]
    large_print: bool
    to: str  # client | representative | mp


def _info(source: Source, code: str, kind: str) -> TemplateInfo:
    name = file_name(code)
    text = source(name)
    if text is None:
        raise ValueError(f"the deployment has no {kind} template {name}")
    info = template_info(name, text)
    if info.kind != kind:
        raise ValueError(f"{name} is a {info.kind} template, not a {kind}")
    return info


def _sender(source: Source, ctx: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    lines = [line.strip() for line in render_markdown(source, "_letterhead", ctx).splitlines()]
    name = next((x[2:] for x in lines if x.startswith("# ")), "")
    return name, tuple(x for x in lines if x and not x.startswith("#"))


def _rows(to: Party, client: Party) -> tuple[tuple[str, str], ...]:
    if to.kind == "client":
        rows = [("Your reference", client.reference)] if client.reference else []
        role = {"receiving_parent": "receiving parent", "paying_parent": "paying parent"}
        if client.role in role:
            rows.append(("You are the", role[client.role]))
        return tuple(rows)
    label = "Your constituent" if to.kind == "mp" else "Your client"
    return ((label, client.full_name),)


def compose(source: Source, code: str, data: Mapping[str, Any], *, reference: str,
            today: date, days: int | None = None, enclosures: Sequence[str] | None = None,
            copy: bool = False) -> RenderedLetter:
    """The letter ``code`` for this case (no side effects: the catalogue previews use it).

    ``copy`` gives the client's copy of a letter addressed to someone else.

    Raises:
        MissingAddressee: the case has no name and address for the reader.
        ValueError: no such template, or it failed on this case's data.
    """
    who: Recipients = recipients(data)
    info = _info(source, code, "letter")
    to = who.addressee
    ctx = template_context(data, reference=reference, today=today, recipients=who, to=to,
                           days=days)
    signatory = ctx["signatory"]
    closing = tuple(x for x in ("Yours sincerely", signatory["name"],
                                signatory["title"] or info.team) if x)
    letter = parse_markdown(render_markdown(source, code, ctx), form=info.form,
                            closing=closing)
    offered = info.enclosures if enclosures is None else tuple(enclosures)
    codes = choose_enclosures(offered, ctx)
    extra = []
    for enc in codes:
        form = _info(source, enc, "enclosure").form
        extra.append(parse_markdown(render_markdown(source, enc, ctx), form=form))
    sender, sender_lines = _sender(source, ctx)
    reader = who.copies[0] if copy and who.copies else to
    marking = "PRIVATE AND CONFIDENTIAL" if who.confidential else ""
    if copy:
        marking = f"COPY of our letter to {to.full_name}"
    note = ""
    if who.copies and not copy:
        note = "A copy of this letter has gone to " + ", ".join(
            c.full_name for c in who.copies) + "."
    head = Head(sender=sender, sender_lines=sender_lines, address=reader.address,
                reference=reference, date=long_date(today), salutation=to.salutation,
                rows=_rows(to, who.client), marking=marking, copy_note=note,
                title=f"{letter.title} ({reference})")
    large = reader.large_print
    pdf = render_pdf(letter, head, extra, large_print=large)
    text_head = [*(f"{line}" for line in ((marking,) if marking else ())), *reader.address, "",
                 f"Our reference: {reference}", f"Date: {head.date}",
                 *(f"{k}: {v}" for k, v in head.rows), "", head.salutation]
    text = plain_text(text_head, [letter, *extra])
    if note:
        text += f"\n{note}\n"
    return RenderedLetter(code, pdf, text, codes, large, reader.kind)


def _source(ctx: HandlerContext) -> Source:
    def read(name: str) -> str | None:
        content = ctx.resource(name)
        return None if content is None else content.decode("utf-8")
    return read


def _store(ctx: HandlerContext, letter: RenderedLetter, suffix: str) -> int:
    key = ctx.business_key
    doc = ctx.store_document(
        name=f"{key}-{letter.code}{suffix}.pdf", content_type="application/pdf",
        content=letter.pdf, kind="letter", key=letter.code + suffix,
    )
    ctx.store_document(
        name=f"{key}-{letter.code}{suffix}.txt", content_type="text/plain; charset=utf-8",
        content=letter.text.encode("utf-8"), kind="letter-text", key=letter.code + suffix,
    )
    return doc.id


@handler("letters.send")
def send_letter(ctx: HandlerContext, *, letter_code: str, enclosures: Sequence[str] | None = None,
                days: int | None = None) -> Mapping[str, Any]:
    """Render, store and queue one letter (and the client's copy); a repeat changes nothing."""
    source = _source(ctx)
    today = ctx.now().date()
    letter = compose(source, letter_code, ctx.data, reference=ctx.business_key, today=today,
                     days=days, enclosures=enclosures)
    who = recipients(ctx.data)
    copies = []
    if who.copies:
        copies.append(compose(source, letter_code, ctx.data, reference=ctx.business_key,
                              today=today, days=days, enclosures=enclosures, copy=True))
    sent_at = ctx.now().isoformat()
    entries = []
    for item, suffix in ((letter, ""), *((c, "-copy") for c in copies)):
        doc_id = _store(ctx, item, suffix)
        # The post room fetches the stored PDF by id: no letter text or address in the outbox.
        ctx.emit("letter.post", {
            "document_id": doc_id, "letter_code": letter_code, "business_key": ctx.business_key,
            "enclosures": item.enclosures, "large_print": item.large_print,
            "post": "secure" if who.confidential else "standard",
        }, key=letter_code + suffix)
        entries.append({"code": letter_code, "document_id": doc_id, "sent_at": sent_at,
                        "enclosures": item.enclosures, "to": item.to,
                        "large_print": item.large_print, "copy": bool(suffix)})
    letters = [dict(x) for x in as_list(ctx.data.get("letters")) if isinstance(x, Mapping)]
    known = {x.get("document_id") for x in letters}
    letters += [e for e in entries if e["document_id"] not in known]
    return {"letters": letters}
