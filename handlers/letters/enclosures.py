"""Which enclosures a letter carries for this case: the template offers, the rules decide.

A template lists the enclosures it may carry (``enclosures:`` in its leading comment) and a
diagram may name others; each is then kept or dropped by its rule below. The catalogue shows
these rules next to every template, so an analyst can see why a letter has (or lacks) one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["ENCLOSURE_RULES", "LEAFLET", "PAYMENT_FORM", "choose_enclosures"]

LEAFLET = "CMSB011"
PAYMENT_FORM = "CMSF5551"


def _leaflet(ctx: Mapping[str, Any]) -> bool:
    # R35: answered correspondence is never signposted onwards, by body or by enclosure.
    return not ctx.get("official")


def _payment_form(ctx: Mapping[str, Any]) -> bool:
    # R17/R18: the consolatory payment referral form goes with a consolatory payment referral.
    return "consolatory_payment" in (ctx.get("referral_type"), ctx.get("dissatisfaction_result"))


# code -> (rule in words for the catalogue, test on the template context)
ENCLOSURE_RULES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    LEAFLET: ("Only where the reader may take the complaint further; never with a reply to "
              "official correspondence (R35).", _leaflet),
    PAYMENT_FORM: ("Only when the case is a consolatory payment referral (R17, R18).",
                   _payment_form),
}


def choose_enclosures(offered: Sequence[str], ctx: Mapping[str, Any]) -> list[str]:
    """The offered enclosures this case gets, in order, each once."""
    chosen: list[str] = []
    for code in offered:
        rule = ENCLOSURE_RULES.get(code)
        if code not in chosen and (rule is None or rule[1](ctx)):
            chosen.append(code)
    return chosen
