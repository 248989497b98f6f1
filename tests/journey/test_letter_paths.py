"""Nothing left untold: every path of every complaints diagram sends the letters docs/letters.md
lists for it, and a path that sends none says why."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.journey.paths import diagram_paths
from workflows.packages import BPMN_ROOT

ROOT = Path(__file__).resolve().parents[2]
TIERS = ("intake", "dissatisfaction", "resolution", "review", "ice", "phso", "appeal")
Row = tuple[str, str, tuple[str, ...]]


def _documented() -> tuple[Counter[Row], dict[Row, str]]:
    text = (ROOT / "docs" / "letters.md").read_text(encoding="utf-8")
    table = text.split("## Letters on every path", 1)[1]
    counts: Counter[Row] = Counter()
    why: dict[Row, str] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] not in TIERS:
            continue
        letters = () if cells[2] == "—" else tuple(x.strip() for x in cells[2].split(","))
        row = (cells[0], cells[1], letters)
        counts[row] += int(cells[3])
        why[row] = cells[4]
    return counts, why


@pytest.mark.parametrize("diagram", TIERS)
def test_every_path_of_the_complaints_package_sends_the_documented_letters(diagram: str) -> None:
    walked = Counter((diagram, p.end, p.letters)
                     for p in diagram_paths(BPMN_ROOT / "complaints" / f"{diagram}.bpmn"))
    documented, _ = _documented()
    assert walked == Counter({k: v for k, v in documented.items() if k[0] == diagram})


def test_every_path_without_a_letter_records_why() -> None:
    _, why = _documented()
    silent = [row for row, reason in why.items() if not row[2] and not reason]
    assert silent == []


def test_the_journey_itself_sends_no_letter_every_path_runs_through_the_tiers() -> None:
    paths = diagram_paths(BPMN_ROOT / "complaints" / "journey.bpmn")
    assert paths and all(p.letters == () for p in paths)
    direct = [p.label for p in paths
              if not any(s.startswith("[") and "Judicial" not in s for s in p.steps)]
    assert direct == ["[Judicial review (any time, R56)] → Claim answered"]


def test_r45_the_path_where_no_mp_referred_now_tells_the_client() -> None:
    (path,) = [p for p in diagram_paths(BPMN_ROOT / "complaints" / "phso.bpmn")
               if p.end == "Not taken on"]
    assert path.letters == ("PHSO_NEEDS_MP",)
