"""Letters through the engine: who they go to, what they enclose, what they signpost (R06, R35)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.journey.conftest import StartCase
from tests.journey.driver import CLIENT, MP, REPRESENTATIVE, Case, log_contact

ONWARD = ("If you are still unhappy", "Independent Case Examiner", "Ombudsman",
          "Complaint Review team", "How to complain", "CMSB011")


def _official_reply(case: Case) -> Case:
    case.complete("rv_draft", {"reply_method": "letter", "draft_summary": "Reply to the MP.",
                               "outcome": "part_upheld"})
    return case.complete("rv_agree", {"final_version_agreed": True})


def test_r35_mp_to_dg_reply_goes_to_the_mp_with_no_leaflet_and_no_further_tier_signpost(
        start_case: StartCase) -> None:
    case = _official_reply(log_contact(start_case(mp=MP), source="mp",
                                       correspondence_type="mp_to_dg"))
    assert case.status == "completed" and case.letters() == ["OUTCOME_REVIEW"]
    text = case.letter_text("OUTCOME_REVIEW")
    assert "Jane Member MP" in text and "Dear Ms Member" in text and "SW1A 0AA" in text
    assert "Your constituent Ms Alex Example" in text
    for phrase in ONWARD:
        assert phrase not in text, phrase
    (entry,) = case.data["letters"]
    assert entry["enclosures"] == [] and entry["to"] == "mp"


def test_r35_pos_reply_signed_by_director_carries_no_signpost_in_body_or_enclosure(
        start_case: StartCase) -> None:
    case = _official_reply(log_contact(start_case(), correspondence_type="pos"))
    case.complete("rv_director", {"sent_to_director": True, "signed": True})
    text = case.letter_text("OUTCOME_REVIEW")
    for phrase in ONWARD:
        assert phrase not in text, phrase
    assert case.data["letters"][0]["enclosures"] == []


def test_letter_to_a_representative_is_copied_to_the_client(start_case: StartCase) -> None:
    case = log_contact(start_case(representative=REPRESENTATIVE), source="representative",
                       contact_type="complaint")
    assert case.letters() == ["ACK_COMPLAINT", "ACK_COMPLAINT-copy"]
    original = case.letter_text("ACK_COMPLAINT")
    assert "Mr Sam Advocate Example Advice Centre 2 Market Street Leeds LS2 2BB" in original
    assert "Dear Mr Advocate" in original and "Your client Ms Alex Example" in original
    assert "A copy of this letter has gone to Ms Alex Example." in original
    copy = case.letter_text("ACK_COMPLAINT-copy")
    assert "COPY of our letter to Mr Sam Advocate" in copy
    assert "Ms Alex Example 1 High Street Leeds LS1 1AA" in copy
    posts = [m for m in case.engine.outbox(case.instance_id) if m.kind == "letter.post"]
    assert len(posts) == 2


def test_r06_staff_complaint_letter_goes_to_the_client_alone_private_and_by_secure_post(
        start_case: StartCase) -> None:
    case = log_contact(start_case(representative=REPRESENTATIVE), source="representative",
                       contact_type="complaint", staff_complaint=True)
    case.complete("in_staff_confidential", {"letter_redacted": True, "manager_told_offline": True,
                                            "original_letter": "retained_by_team_leader"})
    case.complete("rs_own", {"ownership_accepted": True, "assurance_requested": True})
    assert case.letters() == ["STAFF_ACK"]
    text = case.letter_text("STAFF_ACK")
    assert "PRIVATE AND CONFIDENTIAL" in text and "Ms Alex Example" in text
    assert "Advocate" not in text
    (post,) = [m for m in case.engine.outbox(case.instance_id) if m.kind == "letter.post"]
    assert post.payload["post"] == "secure"


def test_case_without_client_name_and_address_gets_an_incident_never_the_occupier(
        start_case: StartCase) -> None:
    case = log_contact(start_case(client={"name": "", "address": []}), contact_type="complaint")
    assert case.letters() == []
    for _ in range(8):  # the job's retries, then the incident
        case.advance(1)
        case.engine.run_due_jobs()
    (incident,) = case.engine.incidents(instance_id=case.instance_id)
    assert "the case has no client name and address: record them on the case page" in \
        incident.message


def test_large_print_client_gets_a_16pt_letter_with_title_and_language(
        start_case: StartCase) -> None:
    client = {**CLIENT, "contact_preference": "large_print"}
    case = log_contact(start_case(client=client), contact_type="complaint")
    (doc,) = [d for d in case.engine.documents(case.instance_id) if d.kind == "letter"]
    reader = PdfReader(io.BytesIO(case.engine.document_content(doc.id)))
    sizes: set[float] = set()

    def visit(text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.add(round(size * tm[0], 1))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    body_sizes = {s for s in sizes if s >= 10}
    assert min(body_sizes) >= 16, sorted(sizes)
    assert reader.metadata is not None and reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert case.data["letters"][0]["large_print"] is True
