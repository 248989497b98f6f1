"""Standard lines shared by letters: signposting (R26/R33/R45/R48), keep paying (R08), contacts."""

from __future__ import annotations

from datetime import date

from handlers.letters.facts import CaseFacts, PlanAction
from handlers.letters.model import Block, Heading, Para

__all__ = [
    "CMS_ADDRESS",
    "CMS_PHONE",
    "CMS_WEB",
    "ONWARD_HEADINGS",
    "ROLE_LABELS",
    "TEAM_NAMES",
    "keep_paying",
    "long_date",
    "money",
    "plan_lines",
    "signpost",
]

# Public contact details printed on letters (check against GOV.UK before go-live).
CMS_ADDRESS = ("Child Maintenance Service", "PO Box 249", "Mitcheldean", "GL17 1AJ")
CMS_PHONE = "0800 171 2345"
CMS_WEB = "www.gov.uk/child-maintenance-service"
OPTIONS_PHONE = "0800 083 4375"  # public Options line; the Options e-mail is internal (R04)
ICE_CONTACT = "The Independent Case Examiner, PO Box 209, Bootle, L20 7WA (phone 0800 414 8529)"
PHSO_WEB = "www.ombudsman.org.uk"
NIPSO_CONTACT = (
    "the Northern Ireland Public Services Ombudsman, Progressive House, 33 Wellington Place, "
    "Belfast, BT1 6HN (freephone 0800 34 34 24, www.nipso.org.uk)"
)

# Headings of the "what next" sections; the keep-paying line goes just before them.
ONWARD_HEADINGS = frozenset({"If you are still unhappy", "If you disagree"})

ROLE_LABELS = {
    "receiving_parent": "receiving parent",
    "paying_parent": "paying parent",
    "representative": "representative",
}

TEAM_NAMES = {
    "dissatisfaction": "Child Maintenance Service",
    "resolution": "Complaints Resolution Team",
    "review": "Complaint and Correspondence Review Team",
    "ice": "Independent Case Examiner Liaison Team",
    "phso": "Ombudsman Liaison Team",
    "appeal": "Disputes and Mandatory Reconsideration Team",
}


def long_date(value: date | None) -> str:
    """GOV.UK style: 27 March 2026."""
    return f"{value.day} {value:%B %Y}" if value else "the date we received it"


def money(amount: float) -> str:
    """£150 or £150.50."""
    return f"£{amount:,.0f}" if float(amount).is_integer() else f"£{amount:,.2f}"


def plan_lines(plan: tuple[PlanAction, ...]) -> tuple[str, ...]:
    """Resolution-plan actions as the client reads them."""
    names = {"corrective_action": "We will put this right", "apology": "Apology",
             "application_fee_refund": "Refund of your application fee",
             "admin_account_payment": "Payment to you"}
    lines = []
    for a in plan:
        label = a.description or names.get(a.type, "Action")
        when = "done" if a.done else (f"by {long_date(a.due_date)}" if a.due_date else "")
        lines.append(f"{label} ({when})" if when else label)
    return tuple(lines)


def keep_paying(facts: CaseFacts, matter: str = "your complaint") -> tuple[Block, ...]:
    """R08: while the case is open, payments continue during a complaint (or dispute)."""
    if not facts.case_open:
        return ()
    if facts.role == "receiving_parent":
        line = ("Your child maintenance case is still open. The paying parent must keep paying "
                f"child maintenance while we deal with {matter}.")
    else:
        line = ("Your child maintenance case is still open, so you must keep paying your child "
                f"maintenance while we deal with {matter}.")
    return (Para(line, bold=True),)


def _next_tier(facts: CaseFacts, after: str) -> tuple[str, ...]:
    if after == "resolution":
        return (
            "If you are unhappy with this reply, you can ask for your complaint to be looked at "
            "again by our Complaint Review team. Phone us on "
            f"{CMS_PHONE} or write to us at the address at the top of this letter, quoting "
            f"reference {facts.reference} and telling us why you are still unhappy.",
        )
    if after == "review":
        return (
            "This is our final response to your complaint. If you are still unhappy, you can ask "
            "the Independent Case Examiner (ICE) to look at your complaint. ICE is independent of "
            "the Child Maintenance Service and its service is free. You should contact ICE within "
            f"6 months of the date of this letter: {ICE_CONTACT}.",
        )
    if facts.northern_ireland:
        return (
            "If you are still unhappy, you can ask "
            f"{NIPSO_CONTACT} to look at your complaint.",
        )
    return (
        "If you are still unhappy, you can ask a Member of Parliament (MP) to refer your complaint "
        "to the Parliamentary and Health Service Ombudsman. The Ombudsman only accepts complaints "
        f"about us that an MP refers. You can find out more at {PHSO_WEB}.",
    )


def signpost(facts: CaseFacts, after: str) -> tuple[Block, ...]:
    """The next tier after ``after`` (resolution, review, ice); nothing for official mail (R35)."""
    if facts.official:
        return ()
    return (Heading("If you are still unhappy"), *(Para(t) for t in _next_tier(facts, after)))
