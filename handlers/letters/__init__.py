"""``letters.send``: render a letter PDF, store it with the case and queue it for posting once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.handlers import HandlerContext, handler
from handlers._data import as_list
from handlers.letters.enclosures import ENCLOSURES, enclosure
from handlers.letters.facts import CaseFacts
from handlers.letters.render import render_pdf
from handlers.letters.templates import DEFAULT_ENCLOSURES, TEMPLATES, build

__all__ = ["ENCLOSURES", "LETTER_CODES", "render_letter", "send_letter"]

LETTER_CODES = frozenset(TEMPLATES)


def render_letter(code: str, data: Mapping[str, Any], *, reference: str, today: Any,
                  enclosures: Sequence[str] | None = None, days: int | None = None) -> bytes:
    """The PDF for ``code`` with this case data (no side effects: previews and tests use it)."""
    facts = CaseFacts.from_data(data, reference=reference, today=today)
    codes = DEFAULT_ENCLOSURES.get(code, ()) if enclosures is None else tuple(enclosures)
    return render_pdf(build(code, facts, days), facts, [enclosure(c, facts) for c in codes])


@handler("letters.send")
def send_letter(ctx: HandlerContext, *, letter_code: str, enclosures: Sequence[str] | None = None,
                days: int | None = None) -> Mapping[str, Any]:
    """Render, store and queue one letter; a repeated call for the same task changes nothing."""
    if letter_code not in LETTER_CODES:
        raise ValueError(f"unknown letter code {letter_code!r}")
    codes = list(DEFAULT_ENCLOSURES.get(letter_code, ()) if enclosures is None else enclosures)
    now = ctx.now()
    pdf = render_letter(letter_code, ctx.data, reference=ctx.business_key, today=now.date(),
                        enclosures=codes, days=days)
    doc = ctx.store_document(
        name=f"{ctx.business_key}-{letter_code}.pdf", content_type="application/pdf",
        content=pdf, kind="letter", key=letter_code,
    )
    # The post room fetches the stored PDF by id: no letter text or address in the outbox.
    ctx.emit("letter.post", {"document_id": doc.id, "letter_code": letter_code,
                             "business_key": ctx.business_key, "enclosures": codes},
             key=letter_code)
    letters = [dict(x) for x in as_list(ctx.data.get("letters")) if isinstance(x, Mapping)]
    if not any(x.get("document_id") == doc.id for x in letters):
        letters.append({"code": letter_code, "document_id": doc.id, "sent_at": now.isoformat(),
                        "enclosures": codes})
    return {"letters": letters}
