"""The policy rules (R-ids of ``DOMAIN.md``) and which diagram elements implement them.

``DOMAIN.md`` lives beside the project (``../shared/DOMAIN.md``); a fresh clone without it still
works and shows rule ids only. An element names the rules it implements in the SpiffWorkflow
property ``rules`` (``R20 R21``); ids cited in its documentation count too, so the diagrams
written before the property existed are traced as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from engine import safe_xml

__all__ = ["Citation", "Rule", "citations", "domain_path", "load_rules", "rule_ids_in"]

ROOT = Path(__file__).resolve().parent.parent
_RULE_LINE = re.compile(r"^- (R\d{2})\s+(.*)$")
_RULE_ID = re.compile(r"\bR(\d{2})\b")
_RANGE = re.compile(r"\bR(\d{2})\s*[-–]\s*R?(\d{2})\b")
_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
RULES_PROPERTY = "rules"


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    section: str  # the heading of the paragraph it comes from, e.g. "Intake and triage (seed 002)"


@dataclass(frozen=True)
class Citation:
    rule_id: str
    filename: str
    element_id: str
    element_name: str
    declared: bool  # named in the ``rules`` property (else found in the documentation)


def domain_path() -> Path:
    return Path(os.environ.get("REDRESS_DOMAIN_MD", ROOT.parent / "shared" / "DOMAIN.md"))


def load_rules(path: Path | None = None) -> dict[str, Rule]:
    """Rules by id from DOMAIN.md, or {} when the file is not beside the project."""
    source = path or domain_path()
    if not source.is_file():
        return {}
    rules: dict[str, Rule] = {}
    section = ""
    current: list[str] | None = None
    current_id = ""
    for line in [*source.read_text(encoding="utf-8").splitlines(), ""]:
        match = _RULE_LINE.match(line)
        if current is not None and (match or not line.startswith("  ") or not line.strip()):
            rules[current_id] = Rule(current_id, " ".join(current).replace("**", ""), section)
            current = None
        if line.startswith("## "):
            section = line[3:].strip()
        if match:
            current_id, current = match.group(1), [match.group(2).strip()]
        elif current is not None:
            current.append(line.strip())
    return rules


def rule_ids_in(text: str) -> list[str]:
    """R-ids named in a text, ranges (R20-R29) expanded, in order of first mention."""
    found: list[str] = []
    for start, end in _RANGE.findall(text):
        for n in range(int(start), int(end) + 1):
            found.append(f"R{n:02d}")
    found += [f"R{n}" for n in _RULE_ID.findall(text)]
    return list(dict.fromkeys(found))


def _element_citations(filename: str, root: etree._Element) -> Iterable[Citation]:
    for el in root.iter(f"{{{_BPMN}}}*"):
        element_id = el.get("id")
        if not element_id or etree.QName(el).localname in ("definitions", "documentation"):
            continue
        declared = [
            p.get("value", "") for p in el.iterfind(
                f"{{{_BPMN}}}extensionElements/{{{_SPIFF}}}properties/{{{_SPIFF}}}property")
            if p.get("name") == RULES_PROPERTY
        ]
        for rid in rule_ids_in(" ".join(declared)):
            yield Citation(rid, filename, element_id, el.get("name") or "", True)
        doc = el.find(f"{{{_BPMN}}}documentation")
        for rid in rule_ids_in(doc.text or "") if doc is not None else []:
            yield Citation(rid, filename, element_id, el.get("name") or "", False)


def citations(files: Mapping[str, bytes]) -> list[Citation]:
    """Every rule an element of the package's diagrams implements (declared or documented)."""
    found: list[Citation] = []
    for name, content in sorted(files.items()):
        if name.lower().endswith((".bpmn", ".bpmn20.xml")):
            found += _element_citations(name, safe_xml.parse_untrusted(content, name))
    return found
