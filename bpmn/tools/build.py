"""Write every generated diagram, decision table and form under ``bpmn/``.

    python bpmn/tools/build.py            # from the repository root

The written files are what analysts open and edit in a modeller and what the packages deploy;
running this again overwrites hand edits, so change the descriptions here first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import dmn_triage
import forms
import spec_journey
import spec_legacy
import spec_tiers
import spec_upper
from bpmngen import Diagram

ROOT = Path(__file__).resolve().parent.parent

DIAGRAMS: dict[str, Callable[[], Diagram]] = {
    "complaints/journey.bpmn": spec_journey.journey,
    "complaints/intake.bpmn": spec_journey.intake,
    "complaints/dissatisfaction.bpmn": spec_tiers.dissatisfaction,
    "complaints/resolution.bpmn": spec_tiers.resolution,
    "complaints/review.bpmn": spec_tiers.review,
    "complaints/ice.bpmn": spec_upper.ice,
    "complaints/phso.bpmn": spec_upper.phso,
    "complaints/appeal.bpmn": spec_upper.appeal,
    "csa/csa.bpmn": spec_legacy.csa,
    "hmrc/hmrc.bpmn": spec_legacy.hmrc,
    "hmrc/ccast.bpmn": spec_legacy.ccast,
}


def main() -> None:
    only = set(sys.argv[1:])
    for rel, build in DIAGRAMS.items():
        if only and rel not in only:
            continue
        (ROOT / rel).write_bytes(build().xml())
    (ROOT / "complaints/triage.dmn").write_bytes(dmn_triage.xml())
    for folder, schemas in forms.all_forms().items():
        for name, schema in schemas.items():
            path = ROOT / folder / "forms" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
