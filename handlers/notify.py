"""Internal e-mails through the outbox: mailbox names only, so no address reaches a client (R04)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.handlers import HandlerContext, handler
from handlers._data import as_list

__all__ = ["MAILBOXES", "TEMPLATES", "email"]

# Internal mailboxes; the dispatcher maps each name to an address held in configuration.
MAILBOXES = frozenset({
    "CMS COMPLAINTS REFERRALS",
    "CM Options",
    "Director of Corporate Affairs",
    "CMG Operations Director's Office",
    "Special Payment Team",
})

TEMPLATES = frozenset({
    "complaint_referral",        # R18: BAU G7 authorised a complaint
    "staff_complaint_referral",  # R06: confidential, no staff details
    "options_referral",          # R04: the Options part of a mixed complaint
    "high_profile_referral",     # R03: credible threat of publicity or harm
    "systemic_recommendation",   # R47: PHSO systemic recommendations
    "special_payment_approval",  # R25/R32: award above delegated authority
})


@handler("notify.email")
def email(ctx: HandlerContext, *, to: str, template: str) -> Mapping[str, Any]:
    """Queue one internal e-mail to a named CMG mailbox; never to a client."""
    if to not in MAILBOXES:
        raise ValueError(f"notify.email: {to!r} is not an internal mailbox")
    if template not in TEMPLATES:
        raise ValueError(f"notify.email: unknown template {template!r}")
    key = f"{to}|{template}"
    ctx.emit(
        "email.internal",
        {"to": to, "template": template, "business_key": ctx.business_key,
         "instance_id": ctx.instance_id},
        key=key,
    )
    sent = [e for e in as_list(ctx.data.get("emails")) if isinstance(e, Mapping)]
    entry = {"to": to, "template": template, "task_id": ctx.task_id}
    if not any(e.get("to") == to and e.get("template") == template
               and e.get("task_id") == ctx.task_id for e in sent):
        sent.append({**entry, "sent_at": ctx.now().isoformat()})
    return {"emails": sent}
