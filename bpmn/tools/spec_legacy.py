"""Variants modelled as diagrams only: the legacy CSA procedure (seed 004) and HMRC (R60-R62)."""

from __future__ import annotations

from bpmngen import Diagram
from common import Expr, assign, defaults

ICE, PHSO = "ice_liaison", "phso_team"
CSA_STAGES = [  # lane (role), stage name
    ("csa_caseworker", "Stage 1 - Caseworker"),
    ("csa_complaints_resolution_team", "Stage 2 - Complaints Resolution Team"),
    ("csa_client_services_director", "Stage 3 - Client Services Director"),
    ("csa_chief_executive_office", "Stage 4 - Chief Executive"),
]
HANDLER, CCAST = "hmrc_complaints_handler", "ccast_adviser"


def _late(d: Diagram, p: str, attached: str, lane: str, col: float, days: int = 15) -> None:
    """Non-interrupting deadline: a chase task in the same queue, marked overdue."""
    d.boundary_timer(f"{p}_deadline", f"{days} working days", attached,
                     date=f"working_day_deadline(received_date, {days}, division)")
    d.user(f"{p}_late", "Chase the overdue reply", lane, col, 1, form="chase.schema.json",
           pre="overdue = True")
    d.end(f"{p}_late_end", "Chased", lane, col + 0.75, 1)
    d.flow(f"{p}_deadline", f"{p}_late")
    d.flow(f"{p}_late", f"{p}_late_end")


def _wait(d: Diagram, p: str, name: str, lane: str, col: float, message: str,
          months: int, closed: str) -> None:
    d.receive(p, name, lane, col, message=message, var=message)
    d.boundary_timer(f"{p}_timeout", f"{months} months", p, duration=f'"P{months}M"',
                     interrupting=True)
    d.end(f"{p}_closed", closed, lane, col + 1, 1)
    d.flow(f"{p}_timeout", f"{p}_closed")


def csa() -> Diagram:
    lanes = [(lane, 2) for lane, _ in CSA_STAGES] + [(ICE, 2), (PHSO, 2)]
    d = Diagram("csa_complaint", "Legacy CSA complaints procedure", lanes,
                "Child Support Agency (legacy scheme): six-stage complaints procedure",
                doc="Seed 004: stages 1-4 answer within 15 working days; escalation needs a "
                    "covering letter saying why, with copies of the earlier letters; stage 6 "
                    "(PHSO) needs an MP, after ICE.")
    first = CSA_STAGES[0][0]
    d.start("cs_start", "Complaint received", first, 0)
    d.script("cs_open", "Open complaint record", first, 1, script=defaults(
        received_date=Expr("today()"), division="england-and-wales") + "\n" + assign(
        tier="csa", stage=CSA_STAGES[0][1], owner_role=first, overdue=False, outcome=None,
        response_due=Expr("working_days_after(received_date, 15, division)")))
    d.user("cs_log", "Log the complaint", first, 2, form="csa-log.schema.json",
           doc="A verbal complaint is confirmed in writing.")
    previous = "cs_log"
    col = 3.0
    for n, (lane, stage) in enumerate(CSA_STAGES, start=1):
        p = f"cs_s{n}"
        if n > 1:
            d.script(f"{p}_open", f"Open stage {n}", lane, col - 1, script=assign(
                stage=stage, owner_role=lane, overdue=False,
                received_date=Expr("csa_escalation.get('received_date') or today()"),
                response_due=Expr("working_days_after(received_date, 15, division)")))
            d.flow(previous, f"{p}_open")
            previous = f"{p}_open"
        form = "csa-reply.schema.json" if n == 1 else "csa-escalated-reply.schema.json"
        d.user(f"{p}_reply", f"Stage {n}: investigate and reply", lane, col, form=form,
               due="response_due")
        _late(d, p, f"{p}_reply", lane, col + 1)
        message, closed = ("csa_escalation", f"Closed at stage {n}") if n < 4 else (
            "ice_referral", "Closed at stage 4")
        _wait(d, f"{p}_wait", "Await escalation letter" if n < 4 else "Await ICE referral",
              lane, col + 2, message, 6, closed)
        d.flow(previous, f"{p}_reply")
        d.flow(f"{p}_reply", f"{p}_wait")
        previous = f"{p}_wait"
        col += 4
    col -= 1
    d.script("cs_s5_open", "Open stage 5 (ICE)", ICE, col, script=assign(
        stage="Stage 5 - Independent Case Examiner", owner_role=ICE))
    d.user("cs_s5_papers", "Send the case papers to ICE", ICE, col + 1,
           form="ice-papers.schema.json")
    d.receive("cs_s5_await", "Await the ICE outcome", ICE, col + 2, message="ice_outcome",
              var="ice_outcome")
    d.user("cs_s5_actions", "Carry out ICE's recommendations", ICE, col + 3,
           form="ice-actions.schema.json")
    _wait(d, "cs_s5_wait", "Await PHSO summary (MP referral)", ICE, col + 4, "phso_summary",
          12, "Closed after ICE")
    d.chain(previous, "cs_s5_open", "cs_s5_papers", "cs_s5_await", "cs_s5_actions",
            "cs_s5_wait")
    col += 5
    d.script("cs_s6_open", "Open stage 6 (PHSO)", PHSO, col, script=assign(
        stage="Stage 6 - Parliamentary Ombudsman", owner_role=PHSO))
    d.user("cs_s6_draft", "Draft the response to the PHSO", PHSO, col + 1,
           form="phso-response.schema.json")
    d.receive("cs_s6_await", "Await the PHSO report", PHSO, col + 2, message="phso_outcome",
              var="phso_outcome")
    d.user("cs_s6_actions", "Carry out the PHSO's recommendations", PHSO, col + 3,
           form="phso-actions.schema.json")
    d.script("cs_close", "Close the complaint", PHSO, col + 4, script=assign(
        stage="Closed", tier="closed"))
    d.end("cs_end", "Complaint closed", PHSO, col + 5)
    d.chain("cs_s5_wait", "cs_s6_open", "cs_s6_draft", "cs_s6_await", "cs_s6_actions",
            "cs_close", "cs_end")
    d.chain("cs_start", "cs_open", "cs_log")
    return d


def hmrc() -> Diagram:
    d = Diagram("hmrc_complaint", "HMRC complaint", [(HANDLER, 2), (CCAST, 2)],
                "HMRC: two internal tiers, the Adjudicator, then the Ombudsman",
                doc="Seed 000 CRG1050: R60-R62. CPST owns policy and measures performance "
                    "from the case data; CCAST advises within 5 working days.")
    d.start("hm_start", "Complaint received", HANDLER, 0)
    d.script("hm_open", "Open complaint record", HANDLER, 1, script=defaults(
        received_date=Expr("today()"), division="england-and-wales") + "\n" + assign(
        tier="hmrc_tier_1", stage="Tier 1", owner_role=HANDLER, overdue=False, outcome=None,
        response_due=Expr("working_days_after(received_date, 15, division)")),
        doc="Our reading: 15 working days per internal tier.")
    col = 2.0
    previous = "hm_open"
    for n in (1, 2):
        p = f"hm_t{n}"
        if n == 2:
            d.script(f"{p}_open", "Open tier 2", HANDLER, col, script=assign(
                tier="hmrc_tier_2", stage="Tier 2", overdue=False,
                received_date=Expr("hmrc_escalation.get('received_date') or today()"),
                response_due=Expr("working_days_after(received_date, 15, division)")))
            d.flow(previous, f"{p}_open")
            previous = f"{p}_open"
            col += 1
        d.user(f"{p}_investigate", f"Tier {n}: investigate", HANDLER, col,
               form="hmrc-investigate.schema.json", due="response_due")
        _late(d, p, f"{p}_investigate", HANDLER, col + 2)
        d.xor(f"{p}_advice_gw", "CCAST advice needed?", HANDLER, col + 1)
        d.call(f"{p}_advice", "CCAST advice", CCAST, col + 2, called="hmrc_ccast_advice",
               doc="R61")
        d.xor(f"{p}_advice_join", "", HANDLER, col + 3)
        d.user(f"{p}_reply", f"Tier {n}: reply", HANDLER, col + 4, form="hmrc-reply.schema.json")
        message = "hmrc_escalation" if n == 1 else "adjudicator_referral"
        _wait(d, f"{p}_wait", "Await escalation" if n == 1 else "Await Adjudicator referral",
              HANDLER, col + 5, message, 6, f"Closed at tier {n}")
        d.flow(previous, f"{p}_investigate")
        d.flow(f"{p}_investigate", f"{p}_advice_gw")
        d.flow(f"{p}_advice_gw", f"{p}_advice", "yes", cond="advice_needed")
        d.flow(f"{p}_advice_gw", f"{p}_advice_join", "no", default=True)
        d.flow(f"{p}_advice", f"{p}_advice_join")
        d.chain(f"{p}_advice_join", f"{p}_reply", f"{p}_wait")
        previous = f"{p}_wait"
        col += 6
    for key, body, message, months in (("adj", "Adjudicator", "adjudicator_outcome", 12),
                                       ("omb", "Ombudsman", "ombudsman_outcome", 0)):
        d.script(f"hm_{key}_open", f"Open {body} stage", CCAST, col, script=assign(
            tier=body.lower(), stage=body, owner_role=CCAST))
        d.user(f"hm_{key}_support", f"Support the {body}'s enquiry", CCAST, col + 1,
               form="hmrc-support.schema.json", doc="R61/R62")
        d.receive(f"hm_{key}_await", f"Await the {body}'s outcome", CCAST, col + 2,
                  message=message, var=message)
        d.user(f"hm_{key}_actions", f"Carry out the {body}'s recommendations", HANDLER, col + 3,
               form="hmrc-actions.schema.json", pre=assign(owner_role=HANDLER))
        d.chain(previous, f"hm_{key}_open", f"hm_{key}_support", f"hm_{key}_await",
                f"hm_{key}_actions")
        previous = f"hm_{key}_actions"
        if months:
            _wait(d, f"hm_{key}_wait", "Await Ombudsman referral (MP)", HANDLER, col + 4,
                  "ombudsman_referral", months, "Closed after the Adjudicator")
            d.flow(previous, f"hm_{key}_wait")
            previous = f"hm_{key}_wait"
            col += 5
    d.script("hm_close", "Close the complaint", HANDLER, col + 4, script=assign(
        stage="Closed", tier="closed"))
    d.end("hm_end", "Complaint closed", HANDLER, col + 5)
    d.chain(previous, "hm_close", "hm_end")
    d.flow("hm_start", "hm_open")
    return d


def ccast() -> Diagram:
    d = Diagram("hmrc_ccast_advice", "CCAST advice", [(CCAST, 2)],
                "HMRC Central Complaints Advice and Support Team (CCAST)",
                doc="R61: advice on specific cases, including financial redress, aiming to "
                    "respond within 5 working days.")
    d.start("cc_start", "Advice requested", CCAST, 0)
    d.script("cc_open", "Set the advice deadline", CCAST, 1, script=assign(
        advice_requested_on=Expr("today()"),
        advice_due=Expr("working_days_after(today(), 5, division)"), advice_overdue=False))
    d.user("cc_advise", "Advise the business area", CCAST, 2, form="ccast-advice.schema.json",
           due="advice_due", doc="R61")
    d.boundary_timer("cc_deadline", "5 working days", "cc_advise",
                     date="working_day_deadline(advice_requested_on, 5, division)")
    d.user("cc_late", "Chase the overdue advice", CCAST, 3, 1, form="chase.schema.json",
           pre="advice_overdue = True")
    d.end("cc_late_end", "Chased", CCAST, 3.75, 1)
    d.end("cc_end", "Advice given", CCAST, 4, terminate=True)
    d.chain("cc_start", "cc_open", "cc_advise", "cc_end")
    d.flow("cc_deadline", "cc_late")
    d.flow("cc_late", "cc_late_end")
    return d
