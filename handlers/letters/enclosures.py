"""Enclosures printed as extra pages of the same PDF: one envelope, one stored document."""

from __future__ import annotations

from handlers.letters.facts import CaseFacts
from handlers.letters.model import Bullets, Document, Heading, Para
from handlers.letters.wording import CMS_PHONE, ROLE_LABELS, long_date

__all__ = ["ENCLOSURES", "enclosure"]


def _cmsb011(f: CaseFacts) -> Document:
    # Client-facing leaflet: the whole journey, so it is the same whichever tier encloses it.
    ombudsman = ("the Northern Ireland Public Services Ombudsman" if f.northern_ireland else
                 "the Parliamentary and Health Service Ombudsman, through your MP")
    title = "How to complain about the Child Maintenance Service"
    return Document(code="CMSB011", title=title, blocks=(
        Para("We want to give you the best service we can. If we get things wrong, please tell "
             "us so that we can put them right."),
        Heading("How to tell us"),
        Para(f"Phone us on {CMS_PHONE} or write to us at the address on our letters. Tell us what "
             "went wrong and what you would like us to do. If you phone us, we will confirm your "
             "complaint in writing."),
        Heading("What happens next"),
        Bullets((
            "The person dealing with your case will try to sort things out straight away.",
            "If they cannot, our Complaints Resolution Team will look into your complaint. A case "
            "manager will phone you within 2 working days and we aim to reply within 15 working "
            "days.",
            "If you are still unhappy, you can ask our Complaint Review team to look again.",
            "After that, you can ask the Independent Case Examiner (ICE) to look at your "
            "complaint. ICE is independent and free.",
            f"Finally, you can ask {ombudsman} to look at your complaint.",
        )),
        Heading("Keep paying"),
        Para("If your child maintenance case is open, child maintenance must still be paid while "
             "we look into your complaint."),
        Heading("Disagreeing with a decision"),
        Para("A complaint cannot change a decision about how much child maintenance is paid. "
             "If you disagree with a decision, ask us to look at it again (mandatory "
             "reconsideration). If you still disagree, you can appeal to an independent tribunal."),
        Heading("Other formats"),
        Para("If you need this leaflet in large print, Braille, audio or another language, phone "
             f"us on {CMS_PHONE}."),
    ))


def _cmsf5551(f: CaseFacts) -> Document:
    # R17/R18: consolatory payment referral, non complaint; pre-filled with what the case holds.
    return Document(code="CMSF5551", title="Consolatory payment referral", blocks=(
        Para("Non complaint consolatory payment referral only. For the Complaints Resolution "
             "Team: the client's dissatisfaction is resolved and all agreed actions are "
             "complete, but the client asks for a consolatory payment."),
    ), form_fields=(
        ("Case reference", f.reference),
        ("Client", ROLE_LABELS.get(f.role, f.role or "")),
        ("Date of referral", long_date(f.today)),
        ("What went wrong", ""),
        ("Impact on the client", ""),
        ("Amount requested (if any)", ""),
        ("Team leader", ""),
    ))


ENCLOSURES = {"CMSB011": _cmsb011, "CMSF5551": _cmsf5551}


def enclosure(code: str, facts: CaseFacts) -> Document:
    """The enclosure ``code`` for this case; unknown codes are a diagram error."""
    make = ENCLOSURES.get(code)
    if make is None:
        raise ValueError(f"unknown enclosure {code!r}; known: {', '.join(sorted(ENCLOSURES))}")
    return make(facts)
