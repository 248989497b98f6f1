"""R56: judicial review may be claimed at any time on any matter of the case."""

from __future__ import annotations

import pytest

from tests.journey.conftest import StartCase
from tests.journey.driver import log_contact


@pytest.mark.xfail(strict=True, reason=(
    "engine: a message-start event subprocess gets no message subscription, so "
    "correlate() buffers the claim (docs/diagrams.md, 'Open engine points'); the diagram "
    "itself works in SpiffWorkflow: test_diagrams_parse.py::test_r56_*"))
def test_r56_judicial_review_claimed_at_any_point_opens_a_legal_team_task(
    start_case: StartCase,
) -> None:
    case = log_contact(start_case())
    case.send("judicial_review_claimed", {"matter": "calculation"})
    assert case.task("j_jr_respond").lane == "legal_team"
    assert case.task("ds_call")  # the complaint carries on beside it
