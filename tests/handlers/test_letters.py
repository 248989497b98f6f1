"""letters.send: real PDFs, stored once, posted once, worded by the rules they cite."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader

from handlers.letters import send_letter, template_info
from tests.handlers.conftest import COMPLAINTS_LETTERS, FakeContext
from tests.handlers.pdfs import pdf_pages, pdf_text

MakeCtx = Callable[..., FakeContext]

LETTER_CODES = sorted(
    info.code for info in (template_info(n, c.decode()) for n, c in COMPLAINTS_LETTERS.items())
    if info.kind == "letter")


def case(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client": {"name": "Jane Smith", "title": "Ms", "role": "paying_parent",
                   "address": ["12 Acacia Avenue", "Leeds"], "postcode": "LS1 4AB"},
        "division": "england-and-wales", "tier": "resolution", "received_date": "2026-03-27",
        "subject": "payment_delay", "outcome": "part_upheld", "case_open": True,
        "issues": ["Your payment was taken twice in February."],
        "resolution_plan": [{"type": "corrective_action", "description": "Refund the duplicate "
                             "payment", "reason": "system error", "due_date": "2026-04-24",
                             "status": "draft", "client_approved": True}],
    }
    data.update(extra)
    return data


def send(ctx: FakeContext, code: str, **params: Any) -> str:
    """Send ``code`` and return the stored letter's text."""
    ctx.run(send_letter, letter_code=code, **params)
    doc_id = ctx.data["letters"][-1]["document_id"]
    stored = next(s for s in ctx.sink.documents.values() if s.ref.id == doc_id)
    assert stored.content.startswith(b"%PDF")
    return pdf_text(stored.content)


def test_letter_pdf_contains_case_reference(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case())
    ctx.run(send_letter, letter_code="OUTCOME_RESOLUTION")
    (stored,) = [s for s in ctx.sink.documents.values() if s.ref.kind == "letter"]
    assert stored.ref.kind == "letter" and stored.ref.content_type == "application/pdf"
    pages = pdf_pages(stored.content)
    assert len(pages) >= 2  # letter, then the CMSB011 leaflet
    assert all("CMS-2026-000123" in page for page in pages)
    assert "Ms Jane Smith" in pages[0] and "LS1 4AB" in pages[0] and "14 April 2026" in pages[0]
    assert "Dear Ms Smith" in pages[0]


def test_send_twice_for_same_task_stores_one_document_and_posts_once(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case())
    first = ctx.run(send_letter, letter_code="ACK_COMPLAINT")
    second = ctx.run(send_letter, letter_code="ACK_COMPLAINT")
    assert sorted(s.ref.kind for s in ctx.sink.documents.values()) == ["letter", "letter-text"]
    assert ctx.sink.messages("letter.post") == [{
        "document_id": first["letters"][0]["document_id"], "letter_code": "ACK_COMPLAINT",
        "business_key": "CMS-2026-000123", "enclosures": ["CMSB011"], "large_print": False,
        "post": "standard"}]
    assert first == second and len(second["letters"]) == 1


def test_later_task_appends_to_letter_history(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case())
    ctx.run(send_letter, letter_code="ACK_COMPLAINT")
    ctx.task("task-2").run(send_letter, letter_code="OUTCOME_RESOLUTION")
    assert [x["code"] for x in ctx.data["letters"]] == ["ACK_COMPLAINT", "OUTCOME_RESOLUTION"]
    assert len(ctx.sink.messages("letter.post")) == 2


def test_outbox_payload_carries_no_letter_text_or_address(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case())
    ctx.run(send_letter, letter_code="OUTCOME_RESOLUTION")
    (payload,) = ctx.sink.messages("letter.post")
    assert set(payload) == {"document_id", "letter_code", "business_key", "enclosures",
                            "large_print", "post"}
    assert "Smith" not in repr(payload)


def test_r26_resolution_outcome_signposts_review(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case()), "OUTCOME_RESOLUTION")
    assert "If you are still unhappy" in text
    assert "Complaint Review team" in text
    assert "partly upheld" in text and "Refund the duplicate payment" in text


def test_r33_review_outcome_signposts_ice(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(tier="review", outcome="not_upheld")), "OUTCOME_REVIEW")
    assert "Independent Case Examiner" in text
    assert "Complaint and Correspondence Review Team" in text


def test_r45_ice_outcome_signposts_phso_through_an_mp(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(tier="ice")), "ICE_OUTCOME")
    assert "Parliamentary and Health Service Ombudsman" in text and "(MP)" in text


def test_r48_northern_ireland_signposts_ni_ombudsman(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(tier="ice", division="northern-ireland")), "ICE_OUTCOME")
    assert "Northern Ireland Public Services Ombudsman" in text
    assert "Parliamentary and Health Service Ombudsman" not in text


@pytest.mark.parametrize("kind", ["mp_to_dg", "treat_official", "pos"])
@pytest.mark.parametrize("code", ["OUTCOME_RESOLUTION", "OUTCOME_REVIEW"])
def test_r35_official_correspondence_not_signposted(make_ctx: MakeCtx, kind: str,
                                                    code: str) -> None:
    text = send(make_ctx(case(correspondence_type=kind)), code, enclosures=[])
    assert "If you are still unhappy" not in text
    assert "Independent Case Examiner" not in text and "Complaint Review team" not in text


def test_r08_keep_paying_line_when_case_open(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case()), "OUTCOME_RESOLUTION")
    assert "you must keep paying your child maintenance" in text


def test_r08_receiving_parent_told_paying_parent_must_keep_paying(make_ctx: MakeCtx) -> None:
    data = case()
    data["client"] = {**data["client"], "role": "receiving_parent"}
    text = send(make_ctx(data), "ACK_COMPLAINT", enclosures=[])
    assert "The paying parent must keep paying" in text and "receiving parent" in text


def test_r08_no_keep_paying_line_when_case_closed(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(case_open=False)), "OUTCOME_RESOLUTION", enclosures=[])
    assert "keep paying" not in text


def test_r06_staff_ack_mentions_no_staff(make_ctx: MakeCtx) -> None:
    data = case(staff_complaint=True, staff_member="John Doe", staff_id="E12345",
                line_manager="Anne Other")
    text = send(make_ctx(data), "STAFF_ACK")
    assert "an investigation will take place" in text
    for leak in ("John Doe", "E12345", "Anne Other", "staff", "disciplinary"):
        assert leak.lower() not in text.lower()


def test_r25_outcome_letter_says_how_much_and_when_paid(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(payment_total=150.5, payment_status="approved")),
                "OUTCOME_RESOLUTION")
    assert "special payment of £150.50" in text and "within 10 working days" in text


def test_r25_payment_awaiting_special_payment_team_is_not_promised(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(payment_total=400, payment_status="awaiting_spt")),
                "OUTCOME_RESOLUTION")
    assert "Special Payment Team to consider a special payment of £400" in text


def test_cmsl5842_says_resolution_team_will_contact_within_days(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(tier="dissatisfaction")), "CMSL5842", days=3)
    assert "resolution team will contact you within 3 working days" in text


def test_cmsl5812_gives_dispute_date_steps_and_days(make_ctx: MakeCtx) -> None:
    dispute = {"date": "2026-02-02", "decision": "your calculation",
               "steps": ["Recalculate using your current income"], "days_to_act": 21}
    text = send(make_ctx(case(tier="appeal", dispute=dispute)), "CMSL5812")
    assert "dispute of 2 February 2026" in text
    assert "Recalculate using your current income" in text and "within 21 days" in text


def test_cmsl5700_allows_14_days_to_reply(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(information_requested=["Your bank statement"])), "CMSL5700")
    assert "within 14 days" in text and "Your bank statement" in text


def test_cmsb011_leaflet_is_attached_by_default_and_can_be_left_out(make_ctx: MakeCtx) -> None:
    assert "How to complain about the Child Maintenance Service" in send(
        make_ctx(case()), "CMSL5701")
    assert "How to complain" not in send(make_ctx(case()), "CMSL5701", enclosures=[])


def test_r17_cmsf5551_form_enclosed_with_a_consolatory_payment_referral(
        make_ctx: MakeCtx) -> None:
    data = case(tier="dissatisfaction", referral_type="consolatory_payment")
    text = send(make_ctx(data), "CMSL5842")
    assert "Consolatory payment referral" in text
    assert "Non complaint consolatory payment referral only" in text
    assert "Ms Jane Smith (paying parent)" in text


def test_r17_cmsf5551_not_enclosed_without_a_consolatory_payment(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case(tier="dissatisfaction"))
    text = send(ctx, "CMSL5701", enclosures=["CMSF5551"])
    assert "Consolatory payment referral" not in text
    assert ctx.data["letters"][-1]["enclosures"] == []


def test_r04_options_refusal_gives_no_email_address(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(refusal_reason="options_service")), "REFUSAL")
    assert "Child Maintenance Options" in text and "@" not in text


def test_letters_use_new_vocabulary_only(make_ctx: MakeCtx) -> None:
    for code in sorted(LETTER_CODES):
        data = case(refusal_reason="out_of_time", dispute={"date": "2026-01-05"})
        text = send(make_ctx(data), code).lower()
        for old in ("non-resident parent", "parent with care", "pwc", "nrp", "absent parent"):
            assert old not in text, (code, old)


def test_unknown_letter_code_is_a_diagram_error(make_ctx: MakeCtx) -> None:
    with pytest.raises(ValueError, match=r"no letter template CMSL9999\.md\.j2"):
        make_ctx(case()).run(send_letter, letter_code="CMSL9999")


def test_unknown_enclosure_is_a_diagram_error(make_ctx: MakeCtx) -> None:
    with pytest.raises(ValueError, match=r"no enclosure template CMSX1\.md\.j2"):
        make_ctx(case()).run(send_letter, letter_code="CMSL5701", enclosures=["CMSX1"])


def test_r48_division_spelled_either_way_signposts_ni_ombudsman(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(tier="ice", division="northern_ireland")), "ICE_OUTCOME")
    assert "Northern Ireland Public Services Ombudsman" in text


def test_template_runs_in_the_sandbox_so_python_internals_stay_out_of_reach(
        make_ctx: MakeCtx) -> None:
    ctx = make_ctx(case())
    ctx.resources["CMSL5700.md.j2"] = (
        b"{#\nkind: letter\n#}\n# Title\n\n{{ (reference|attr('__class__')).__name__ }}\n")
    with pytest.raises(ValueError, match="unsafe"):
        ctx.run(send_letter, letter_code="CMSL5700")
    assert ctx.sink.documents == {}


def test_case_text_cannot_add_headings_or_lists_to_a_letter(make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(outcome_explanation="We found this.\n\n## Pay us now\n- or else")),
                "OUTCOME_RESOLUTION")
    assert "We found this. ## Pay us now - or else" in text


def test_r25_payment_declined_by_special_payment_team_is_told_not_left_out(
        make_ctx: MakeCtx) -> None:
    text = send(make_ctx(case(payment_total=0, payment_status="declined")), "OUTCOME_RESOLUTION")
    assert "Special Payment Team" in text and "decided not to make one" in text


PARTIES = {
    "client": {},
    "representative": {"source": "representative", "representative": {
        "title": "Mr", "name": "Sam Advocate", "organisation": "Example Advice Centre",
        "address": ["2 Market Street", "Leeds"], "postcode": "LS2 2BB"}},
    "mp": {"source": "mp", "mp": {"title": "Ms", "name": "Jane Member",
                                  "constituency": "Leeds Example"}},
}
ADDRESSEE = {"client": ("Ms Jane Smith", "12 Acacia Avenue", "LS1 4AB"),
             "representative": ("Mr Sam Advocate", "2 Market Street", "LS2 2BB"),
             "mp": ("Jane Member MP", "House of Commons", "SW1A 0AA")}


@pytest.mark.parametrize("reader", sorted(PARTIES))
@pytest.mark.parametrize("code", LETTER_CODES)
def test_every_letter_pdf_carries_the_addressee_name_and_address_and_the_reference(
        make_ctx: MakeCtx, code: str, reader: str) -> None:
    data = case(refusal_reason="out_of_time", dispute={"date": "2026-01-05"}, **PARTIES[reader])
    ctx = make_ctx(data)
    ctx.run(send_letter, letter_code=code)
    stored = [s for s in ctx.sink.documents.values() if s.ref.kind == "letter"]
    original = stored[0].content
    first = pdf_pages(original)[0]
    for part in ADDRESSEE[reader]:
        assert part in first, (code, reader, part)
    assert all("CMS-2026-000123" in page for page in pdf_pages(original))
    assert "Occupier" not in pdf_text(original)
    reader_pdf = PdfReader(io.BytesIO(original))
    assert reader_pdf.metadata is not None and "CMS-2026-000123" in str(reader_pdf.metadata.title)
    assert reader_pdf.trailer["/Root"]["/Lang"] == "en-GB"
    assert len(original) / len(reader_pdf.pages) <= 5 * 1024, (code, len(original))
    text = next(s for s in ctx.sink.documents.values() if s.ref.kind == "letter-text")
    plain = text.content.decode("utf-8")
    assert ADDRESSEE[reader][0] in plain and "CMS-2026-000123" in plain


def test_large_print_letters_stay_within_5kb_a_page(make_ctx: MakeCtx) -> None:
    data = case()
    data["client"] = {**data["client"], "contact_preference": "large_print"}
    for code in LETTER_CODES:
        ctx = make_ctx({**data, "refusal_reason": "out_of_time"})
        ctx.run(send_letter, letter_code=code)
        (pdf,) = [s.content for s in ctx.sink.documents.values() if s.ref.kind == "letter"]
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        assert len(pdf) / pages <= 5 * 1024, (code, len(pdf), pages)


def test_every_case_field_a_letter_may_print_is_a_key_of_the_case_data() -> None:
    from typing import get_type_hints

    from handlers.letters.fields import CASE_FIELDS
    from workflows.case_data import CaseData
    assert sorted(set(CASE_FIELDS) - set(get_type_hints(CaseData))) == []


def test_compiled_templates_are_kept_by_content_so_a_new_deployments_edit_is_used() -> None:
    """Letters were compiled afresh for every letter (~0.4 s each); the compiled code is now
    kept by file name and content hash, so a second letter from the same templates compiles
    nothing, and an edited template (or an edited partial it includes) in a new deployment is
    what its cases get, not the cached wording of the old one."""
    from handlers.letters import templates

    head = "{# kind: letter #}\n"
    v1 = {"X.md.j2": head + "Dear {{ name }}, {% include 'P.md.j2' %}",
          "P.md.j2": "{# kind: partial #}\nwe are sorry."}
    v2 = {**v1, "X.md.j2": head + "Hello {{ name }}, {% include 'P.md.j2' %}"}
    v3 = {**v2, "P.md.j2": "{# kind: partial #}\nwe apologise."}
    assert templates.render_markdown(v1.get, "X", {"name": "Sam"}) == "Dear Sam, we are sorry."
    kept = len(templates._COMPILED)
    assert templates.render_markdown(v1.get, "X", {"name": "Ann"}) == "Dear Ann, we are sorry."
    assert len(templates._COMPILED) == kept  # nothing compiled again
    assert templates.render_markdown(v2.get, "X", {"name": "Sam"}) == "Hello Sam, we are sorry."
    assert templates.render_markdown(v3.get, "X", {"name": "Sam"}) == "Hello Sam, we apologise."
    assert templates.render_markdown(v1.get, "X", {"name": "Sam"}) == "Dear Sam, we are sorry."
