"""The triage decision table (``triage.dmn``, decision ``triage``), hit policy FIRST.

Cells are Python run in the engine's sandbox: ``?`` stands for the column's input value
(SpiffWorkflow's DMN convention), ``-`` means "any". The first matching row wins, so refusals
come first and the plain dissatisfaction is the last, catch-all row.
"""

from __future__ import annotations

from lxml import etree

DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC = "http://www.omg.org/spec/DMN/20180521/DC/"

INPUTS = [  # id, label, expression, type
    ("contact", "Contact type", "contact_type", "string"),
    ("source", "Raised by", "source", "string"),
    ("closed", "Case closed on", "case_closed_date", "string"),
    ("options", "About CM Options", "about_options", "string"),
    ("appealable", "Appealable decision", "appealable_decision", "boolean"),
    ("high", "High profile", "high_profile", "boolean"),
    ("corr", "Correspondence type", "correspondence_type", "string"),
    ("parl", "Parliamentary contact", "parliamentary_contact", "boolean"),
    ("res_closed", "Resolution complaint on the same issue closed on",
     "resolution_closed_date", "string"),
    ("contests", "Contests that outcome", "contests_outcome", "boolean"),
    ("prev", "Previous dissatisfaction on the same issue on", "previous_dissatisfaction_date",
     "string"),
    ("app", "Before the provisional calculation", "before_provisional_calculation", "boolean"),
]
OUTPUTS = [("route", "Route"), ("refusal_reason", "Refusal reason")]

WITHIN_6 = "? is not None and within_months(?, received_date, 6)"

# description, {input id: cell}, (route, refusal_reason)
RULES: list[tuple[str, dict[str, str], tuple[str, str]]] = [
    ("R01/R02: a client's complaint more than 14 months after the case closed is out of time; "
     "no limit for an MP, ICE or the PHSO",
     {"source": "? not in ('mp', 'ice', 'phso')",
      "closed": "? is not None and not within_months(?, received_date, 14)"},
     ('"refused"', '"out_of_time"')),
    ("R04: only about the CM Options service: tell the client to contact Options",
     {"options": '"only"'}, ('"options_referral"', '"options_service"')),
    ("An enquiry, not an expression of dissatisfaction", {"contact": '"enquiry"'},
     ('"refused"', '"not_a_complaint"')),
    ("R03: an appealable decision goes to dispute / mandatory reconsideration",
     {"appealable": "True"}, ('"appeal"', "None")),
    ("R57: effective date challenge, handled like a disputed decision",
     {"contact": '"effective_date_challenge"'}, ('"appeal"', "None")),
    ("R03: high profile: escalate to the CMG Operations Director's Office",
     {"high": "True"}, ('"high_profile"', "None")),
    ("R35: official correspondence (MP to DG, Treat Official, POS) is answered by CCRT",
     {"corr": "? in ('mp_to_dg', 'treat_official', 'pos')"},
     ('"official_correspondence"', "None")),
    ("R03: MP correspondence: Complaints Resolution Team specialists only",
     {"source": '"mp"'}, ('"mp_correspondence"', "None")),
    ("R03/R55: Resolution complaint closed within 6 months, client contests its outcome: "
     "straight to Complaint Review", {"res_closed": WITHIN_6, "contests": "True"},
     ('"review"', "None")),
    ("R03: new dissatisfaction on the issue of a Resolution complaint closed within 6 months",
     {"res_closed": WITHIN_6}, ('"new_complaint"', "None")),
    ("R07: parliamentary contact involved", {"parl": "True"}, ('"new_complaint"', "None")),
    ("R03: previous dissatisfaction on the same issue within 6 months",
     {"prev": WITHIN_6}, ('"new_complaint"', "None")),
    ("R03: complaint at Applications stage before the provisional calculation",
     {"contact": '"complaint"', "app": "True"}, ('"application_complaint"', "None")),
    ("R03: caseworker and team leader could not resolve it", {"contact": '"complaint"'},
     ('"new_complaint"', "None")),
    ("Our reading: ICE or the PHSO raise it with us directly", {"source": "? in ('ice', 'phso')"},
     ('"new_complaint"', "None")),
    ("R03: otherwise a dissatisfaction the caseworker tries to resolve", {},
     ('"dissatisfaction"', "None")),
]


def xml() -> bytes:
    E = lambda tag, **attrs: etree.Element(f"{{{DMN}}}{tag}", **attrs)  # noqa: E731
    root = etree.Element(f"{{{DMN}}}definitions", nsmap={None: DMN, "dmndi": DMNDI, "dc": DC})
    root.set("id", "defs_triage")
    root.set("name", "Complaint triage")
    root.set("namespace", "https://redress.example/dmn/triage")
    decision = etree.SubElement(root, f"{{{DMN}}}decision", id="triage", name="Triage")
    doc = etree.SubElement(decision, f"{{{DMN}}}description")
    doc.text = ("Seed 002 'Log Complaint': R01-R05, R07. First matching row wins. "
                "'?' is the column's value; '-' matches anything.")
    table = etree.SubElement(decision, f"{{{DMN}}}decisionTable", id="triage_table",
                             hitPolicy="FIRST")
    for iid, label, expression, type_ in INPUTS:
        inp = E("input", id=f"in_{iid}", label=label)
        expr = etree.SubElement(inp, f"{{{DMN}}}inputExpression", id=f"in_{iid}_expr",
                                typeRef=type_)
        etree.SubElement(expr, f"{{{DMN}}}text").text = expression
        table.append(inp)
    for name, label in OUTPUTS:
        table.append(E("output", id=f"out_{name}", label=label, name=name, typeRef="string"))
    for n, (description, cells, outputs) in enumerate(RULES, start=1):
        rule = etree.SubElement(table, f"{{{DMN}}}rule", id=f"rule_{n}")
        etree.SubElement(rule, f"{{{DMN}}}description").text = description
        for iid, *_ in INPUTS:
            entry = etree.SubElement(rule, f"{{{DMN}}}inputEntry", id=f"rule_{n}_{iid}")
            etree.SubElement(entry, f"{{{DMN}}}text").text = cells.get(iid, "-")
        for (name, _), value in zip(OUTPUTS, outputs, strict=True):
            entry = etree.SubElement(rule, f"{{{DMN}}}outputEntry", id=f"rule_{n}_{name}")
            etree.SubElement(entry, f"{{{DMN}}}text").text = value
    di = etree.SubElement(root, f"{{{DMNDI}}}DMNDI")
    diagram = etree.SubElement(di, f"{{{DMNDI}}}DMNDiagram", id="triage_drd")
    shape = etree.SubElement(diagram, f"{{{DMNDI}}}DMNShape", id="triage_shape",
                             dmnElementRef="triage")
    etree.SubElement(shape, f"{{{DC}}}Bounds", x="160", y="100", width="180", height="80")
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
