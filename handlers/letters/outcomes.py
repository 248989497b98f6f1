"""Complaint-tier letters: acknowledgements, holding replies, outcomes (R06, R20-R35, R41-R48)."""

from __future__ import annotations

from handlers.letters.facts import CaseFacts
from handlers.letters.model import Block, Bullets, Heading, Para
from handlers.letters.wording import CMS_PHONE, long_date, money, plan_lines, signpost

__all__ = [
    "ack_complaint",
    "ack_review",
    "holding_reply",
    "ice_gateway_referral",
    "ice_outcome",
    "outcome_resolution",
    "outcome_review",
    "phso_outcome",
    "staff_ack",
]

Content = tuple[str, tuple[Block, ...]]

_OUTCOME_LINES = {
    "upheld": "I have upheld your complaint. This means we agree that our service to you was "
              "not good enough.",
    "part_upheld": "I have partly upheld your complaint. We agree with some of the issues you "
                   "raised, but not all of them.",
    "not_upheld": "I have not upheld your complaint. I found that we dealt with your case "
                  "correctly.",
    "justified": "I have found your complaint justified. You were right to complain, but the "
                 "action we have already taken to put things right is enough.",
}


def _due(f: CaseFacts, working_days: int) -> str:
    if f.response_due:
        return f"We aim to reply by {long_date(f.response_due)}."
    return f"We aim to reply within {working_days} working days of receiving your complaint."


def ack_complaint(f: CaseFacts, days: int | None) -> Content:
    return "We have received your complaint", (
        Para(f"Thank you for your complaint, which we received on {long_date(f.received)}. "
             "Your complaint is being dealt with by our Complaints Resolution Team."),
        Para("A case manager will phone you within 2 working days to make sure we understand "
             "your complaint and what you would like us to do. " + _due(f, days or 15)),
        Para("The enclosed leaflet explains how we deal with complaints."),
    )


def ack_review(f: CaseFacts, days: int | None) -> Content:
    target = 20 if f.correspondence_type == "pos" else 15
    return "We are reviewing your complaint", (
        Para(f"Thank you for asking us to review your complaint. We received your request on "
             f"{long_date(f.received)}."),
        Para("Our Complaint and Correspondence Review Team, who were not involved in dealing "
             "with your complaint before, will look at how it was handled and whether we did "
             "everything we should have. " + _due(f, days or target)),
    )


def staff_ack(f: CaseFacts, days: int | None) -> Content:
    # R06: confidential. Say only that an investigation will take place; name nobody.
    return "We have received your complaint", (
        Para(f"Thank you for your complaint, which we received on {long_date(f.received)}."),
        Para("I can confirm that an investigation will take place."),
        Para(f"If you have any questions, please phone us on {CMS_PHONE}, quoting reference "
             f"{f.reference}."),
    )


def holding_reply(f: CaseFacts, days: int | None) -> Content:
    blocks: list[Block] = [
        Para("I am writing to update you on your complaint. We need more time to finish looking "
             "into it, and I am sorry for the wait."),
    ]
    if f.explanation:
        blocks.append(Para(f.explanation))
    if f.plan:
        blocks += [Heading("What we have agreed to do"), Bullets(plan_lines(f.plan))]
    blocks.append(Para("I will write to you again when we have finished."))
    return "An update on your complaint", tuple(blocks)


def _payment(f: CaseFacts) -> tuple[Block, ...]:
    if f.payment_total <= 0 or f.payment_status in ("", "none"):
        return ()
    amount = money(f.payment_total)
    if f.payment_status == "awaiting_spt":
        text = (f"I have asked our Special Payment Team to consider a special payment of "
                f"{amount} to you. They will write to you with their decision.")
    else:
        text = (f"We are making a special payment of {amount} to you. We will pay it into the "
                "bank account we hold for you within 10 working days of the date of this letter. "
                "If we do not hold your bank details, we will phone you to ask for them.")
    return (Heading("Special payment"), Para(text))


def _outcome(f: CaseFacts, *, received: str, tier: str) -> tuple[Block, ...]:
    if f.outcome not in _OUTCOME_LINES:
        raise ValueError(f"outcome letters need outcome in {sorted(_OUTCOME_LINES)}")
    blocks: list[Block] = [Para(received)]
    if f.issues:
        blocks += [Heading("What you told us"), Bullets(f.issues)]
    blocks += [Heading("What I found"), Para(_OUTCOME_LINES[f.outcome])]
    if f.explanation:
        blocks.append(Para(f.explanation))
    if f.outcome in ("upheld", "part_upheld"):
        blocks.append(Para("I am sorry for the problems this has caused you."))
    if f.plan:
        blocks += [Heading("What we will do"), Bullets(plan_lines(f.plan))]
    blocks += _payment(f)
    blocks += signpost(f, tier)
    return tuple(blocks)


def outcome_resolution(f: CaseFacts, days: int | None) -> Content:
    opening = (f"Thank you for your complaint, which we received on {long_date(f.received)}. "
               "I have now looked into it and this letter tells you what I found.")
    return "Our response to your complaint", _outcome(f, received=opening, tier="resolution")


def outcome_review(f: CaseFacts, days: int | None) -> Content:
    opening = (f"Thank you for asking us to review your complaint, which we received on "
               f"{long_date(f.received)}. I have looked again at your complaint and at how our "
               "Complaints Resolution Team dealt with it.")
    return "The outcome of our review of your complaint", _outcome(f, received=opening,
                                                                   tier="review")


def ice_gateway_referral(f: CaseFacts, days: int | None) -> Content:
    return "Your complaint to the Independent Case Examiner", (
        Para("The Independent Case Examiner (ICE) has told us that your complaint cannot be "
             "accepted yet, because it has not been through all the stages of our complaints "
             "process."),
        Para("We have passed your complaint to the right team, who will contact you about it. "
             "If you are still unhappy when they have replied, you can go back to ICE."),
    )


def ice_outcome(f: CaseFacts, days: int | None) -> Content:
    blocks: list[Block] = [
        Para("The Independent Case Examiner (ICE) has finished looking into your complaint. "
             "This letter tells you what we are doing as a result."),
    ]
    if f.explanation:
        blocks.append(Para(f.explanation))
    if f.plan:
        blocks += [Heading("What we will do"), Bullets(plan_lines(f.plan))]
    blocks += [*_payment(f), *signpost(f, "ice")]
    return "After the Independent Case Examiner's investigation", tuple(blocks)


def phso_outcome(f: CaseFacts, days: int | None) -> Content:
    body = "the Northern Ireland Public Services Ombudsman" if f.northern_ireland else \
        "the Parliamentary and Health Service Ombudsman"
    blocks: list[Block] = [
        Para(f"{body[0].upper()}{body[1:]} has finished looking into your complaint. This letter "
             "tells you what we are doing as a result of their findings."),
    ]
    if f.explanation:
        blocks.append(Para(f.explanation))
    if f.plan:
        blocks += [Heading("What we will do"), Bullets(plan_lines(f.plan))]
    return "After the Ombudsman's investigation", (*blocks, *_payment(f))
