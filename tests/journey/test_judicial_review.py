"""R56: judicial review may be claimed at any time on any matter of the case."""

from __future__ import annotations

from tests.journey.conftest import StartCase
from tests.journey.driver import log_contact


def test_r56_judicial_review_claimed_at_any_point_opens_a_legal_team_task(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case())
    case.send("judicial_review_claimed", {"matter": "calculation"})
    assert case.task("j_jr_respond").lane == "legal_team"
    assert case.task("ds_call")  # the complaint carries on beside it


def test_r56_a_claim_on_one_case_does_not_open_legal_work_on_the_next(
    start_case: StartCase,
) -> None:
    first = log_contact(start_case())
    first.send("judicial_review_claimed", {"matter": "calculation"})
    second = log_contact(start_case())
    assert second.task("ds_call")
    assert "j_jr_respond" not in [t.spec_id for t in second.open_tasks()]
