"""What each letter says (seed 002 letter table, DOMAIN.md R06-R53), as structured content."""

from __future__ import annotations

from collections.abc import Callable

from handlers.letters.facts import CaseFacts, parse_date
from handlers.letters.model import Block, Bullets, Document, Heading, Para
from handlers.letters.outcomes import (
    ack_complaint,
    ack_review,
    holding_reply,
    ice_gateway_referral,
    ice_outcome,
    outcome_resolution,
    outcome_review,
    phso_outcome,
    staff_ack,
)
from handlers.letters.wording import (
    CMS_PHONE,
    ONWARD_HEADINGS,
    OPTIONS_PHONE,
    TEAM_NAMES,
    keep_paying,
    long_date,
    plan_lines,
)

__all__ = ["DEFAULT_ENCLOSURES", "PRINTED_CODES", "TEMPLATES", "build", "sign_off"]

Builder = Callable[[CaseFacts, int | None], tuple[str, tuple[Block, ...]]]


def _cmsl5700(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    wanted = f.information_requested or ("any details or documents that support what you told us",)
    return "We are looking into what you told us", (
        Para("We tried to phone you about the concerns you raised with us but could not reach "
             "you. We are looking into them now."),
        Para("To help us, please send us:"),
        Bullets(wanted),
        Para(f"Please reply within {days or 14} days of the date of this letter. We will carry "
             "on looking into your concerns in the meantime, and if we do not hear from you we "
             "will use the information we already have."),
    )


def _cmsl5701(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    blocks: list[Block] = [
        Para("Thank you for getting in touch with us about your child maintenance case. "
             "I am sorry that you have had reason to contact us."),
    ]
    if f.explanation:
        blocks.append(Para(f.explanation))
    if f.plan:
        blocks += [Heading("What we are doing to put things right"), Bullets(plan_lines(f.plan))]
    blocks.append(Para("If you are not happy with this, or want to make a formal complaint, "
                       f"phone us on {CMS_PHONE}. The enclosed leaflet explains how."))
    return "Thank you for getting in touch", tuple(blocks)


def _cmsl5842(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    return "Keeping you informed about your complaint", (
        Para("We have not been able to resolve your concerns, so we have passed your complaint "
             "to our Complaints Resolution Team."),
        Para(f"A member of the resolution team will contact you within {days or 2} working days "
             "of the date of this letter to talk about your complaint and what you would like us "
             "to do."),
    )


def _dispute_steps(f: CaseFacts) -> tuple[str, ...]:
    steps = tuple(str(s) for s in f.dispute.get("steps") or () if s)
    return steps or plan_lines(f.plan) or ("We will correct our decision.",)


def _cmsl5811(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    decision = str(f.dispute.get("decision") or "our decision on your case")
    return "We have considered your dispute and will take steps to resolve it", (
        Para(f"You told us you disagree with {decision}. We tried to phone you to talk about how "
             "we can resolve this, but could not reach you."),
        Para("I am sorry for any mistake we made. This is what we propose to do:"),
        Bullets(_dispute_steps(f)),
        Para(f"If you agree, you do not need to do anything. If you do not agree, phone us on "
             f"{CMS_PHONE} within 14 days of the date of this letter."),
    )


def _cmsl5812(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    when = long_date(parse_date(f.dispute.get("date")))
    act = days or int(f.dispute.get("days_to_act") or 28)
    return "We have changed our decision", (
        Heading("We have considered your dispute and will amend our decision"),
        Para(f"Thank you for your dispute of {when}. As we agreed on the phone, we will change "
             "our decision."),
        Heading("The steps that we'll take to resolve your dispute"),
        Bullets(_dispute_steps(f)),
        Para(f"We will take these steps within {act} days of the date of this letter. We will "
             "write to you again to confirm your new child maintenance calculation."),
    )


_REFUSALS = {
    "out_of_time": ("We can look at a complaint at any stage of a case and up to 14 months after "
                    "the case closed. Your case closed more than 14 months ago, so we cannot "
                    "accept this as a complaint."),
    "not_a_complaint": ("We have looked at what you told us and it is not a complaint about our "
                        "service, so we have dealt with it as an enquiry."),
    "appealable_decision": ("You told us you disagree with a decision about your child "
                            "maintenance. The complaints process cannot change that decision. "
                            "Instead, you can ask us to look at the decision again (mandatory "
                            f"reconsideration). Phone us on {CMS_PHONE} to do this."),
    "options_service": ("Your complaint is about the Child Maintenance Options service, which "
                        "looks into complaints about its own service. Please contact Child "
                        f"Maintenance Options on {OPTIONS_PHONE}."),
}


def _refusal(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    reason = _REFUSALS.get(f.refusal_reason)
    if reason is None:
        raise ValueError(f"REFUSAL needs refusal_reason in {sorted(_REFUSALS)}")
    return "About your complaint", (Para("Thank you for contacting us."), Para(reason))


def _mr(f: CaseFacts, days: int | None, *, dispute: bool) -> tuple[str, tuple[Block, ...]]:
    what = "dispute" if dispute else "request for a mandatory reconsideration"
    decision = str(f.dispute.get("decision") or "our decision")
    return f"We have received your {what}", (
        Para(f"Thank you for your {what} about {decision}, which we received on "
             f"{long_date(f.received)}. We will look at the decision again and write to you "
             "with the result."),
        Para("If you have any further information or evidence, please send it to us as soon as "
             "you can."),
    )


def _mr_outcome(f: CaseFacts, days: int | None) -> tuple[str, tuple[Block, ...]]:
    changed = bool(f.dispute.get("decision_changed"))
    result = ("We have changed our decision. " if changed else
              "We have looked at the decision again and it has not changed. ")
    blocks: list[Block] = [Para(result + (f.explanation or ""))]
    if not f.official:
        blocks += [Heading("If you disagree"),
                   Para("You can appeal to an independent tribunal (HM Courts & Tribunals "
                        "Service). You must usually appeal within 1 month of the date of this "
                        "letter. You will need this letter to appeal. Find out how at "
                        "www.gov.uk/appeal-benefit-decision.")]
    return "The result of looking at our decision again", tuple(blocks)


TEMPLATES: dict[str, Builder] = {
    "CMSL5700": _cmsl5700,
    "CMSL5701": _cmsl5701,
    "CMSL5842": _cmsl5842,
    "CMSL5811": _cmsl5811,
    "CMSL5812": _cmsl5812,
    "ACK_COMPLAINT": ack_complaint,
    "ACK_REVIEW": ack_review,
    "STAFF_ACK": staff_ack,
    "HOLDING_REPLY": holding_reply,
    "OUTCOME_RESOLUTION": outcome_resolution,
    "OUTCOME_REVIEW": outcome_review,
    "ICE_GATEWAY_REFERRAL": ice_gateway_referral,
    "ICE_OUTCOME": ice_outcome,
    "PHSO_OUTCOME": phso_outcome,
    "REFUSAL": _refusal,
    "MR_ACK": lambda f, d: _mr(f, d, dispute=False),
    "DISPUTE_ACK": lambda f, d: _mr(f, d, dispute=True),
    "MR_OUTCOME": _mr_outcome,
}

DEFAULT_ENCLOSURES: dict[str, tuple[str, ...]] = {
    code: ("CMSB011",) for code in (
        "CMSL5701", "CMSL5842", "ACK_COMPLAINT", "ACK_REVIEW", "OUTCOME_RESOLUTION",
        "OUTCOME_REVIEW", "REFUSAL",
    )
}

# Footer form numbers for our own letters: the internal name (e.g. STAFF_ACK) must not print (R06).
PRINTED_CODES = {code: f"RDL{n:02d}" for n, code in enumerate((
    "ACK_COMPLAINT", "ACK_REVIEW", "STAFF_ACK", "HOLDING_REPLY", "OUTCOME_RESOLUTION",
    "OUTCOME_REVIEW", "ICE_GATEWAY_REFERRAL", "ICE_OUTCOME", "PHSO_OUTCOME", "REFUSAL", "MR_ACK",
    "DISPUTE_ACK", "MR_OUTCOME",
), start=1)}

_TIER_OF = {"ACK_COMPLAINT": "resolution", "OUTCOME_RESOLUTION": "resolution",
            "ACK_REVIEW": "review", "OUTCOME_REVIEW": "review", "ICE_OUTCOME": "ice",
            "ICE_GATEWAY_REFERRAL": "ice", "PHSO_OUTCOME": "phso", "MR_ACK": "appeal",
            "DISPUTE_ACK": "appeal", "MR_OUTCOME": "appeal", "CMSL5811": "appeal",
            "CMSL5812": "appeal", "CMSL5700": "dissatisfaction",
            "CMSL5701": "dissatisfaction", "CMSL5842": "dissatisfaction"}


def sign_off(code: str, facts: CaseFacts) -> tuple[str, ...]:
    """Yours sincerely, the signatory (POS: a Director, R35) and the team."""
    name, title = facts.signatory
    team = TEAM_NAMES.get(_TIER_OF.get(code, facts.tier), TEAM_NAMES["dissatisfaction"])
    return tuple(line for line in ("Yours sincerely", name, title or team) if line)


def build(code: str, facts: CaseFacts, days: int | None = None) -> Document:
    """The letter for ``code``; every client letter ends with the keep-paying line (R08)."""
    builder = TEMPLATES.get(code)
    if builder is None:
        raise ValueError(f"unknown letter code {code!r}; known: {', '.join(sorted(TEMPLATES))}")
    title, blocks = builder(facts, days)
    # R08 goes before any "what you can do next" section so it reads as part of our answer.
    at = next((i for i, b in enumerate(blocks)
               if isinstance(b, Heading) and b.text in ONWARD_HEADINGS), len(blocks))
    tier = _TIER_OF.get(code, facts.tier)
    matter = {"appeal": "this", "dissatisfaction": "your concerns"}.get(tier, "your complaint")
    body = (*blocks[:at], *keep_paying(facts, matter), *blocks[at:])
    return Document(code=PRINTED_CODES.get(code, code), title=title, blocks=body,
                    closing=sign_off(code, facts))
