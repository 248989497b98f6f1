"""Per-process versions: a deployment bumps only the processes whose content changed.

A deployment is a *release* of a package: it gets one ``process_definitions`` row for every
executable process in it, so an instance started from that release runs the called processes of
that same release. Only a process whose own content changed gets a new version number (a row in
``process_versions``); the others keep the number they had. A process's content is its BPMN file
plus the forms its user tasks name, the DMN files of the decisions it calls and the package
resources (letter templates) it names by their stem (``'ACK_COMPLAINT'`` names
``ACK_COMPLAINT.md.j2``; shared partials, ``_*.j2``, go with every process that names one), so
editing a form, the triage table or a letter also makes a new version of the process using it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from engine import safe_xml
from engine.resources import RESOURCE_SUFFIXES
from engine.tables import deployment_files, process_versions

__all__ = [
    "ProcessSource", "call_graph", "called_closure", "process_hashes", "settle_version", "sources",
]

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NS = {"bpmn": _BPMN, "spiffworkflow": _SPIFF}
FORM_PROPERTY = "formJsonSchemaFilename"


@dataclass(frozen=True)
class ProcessSource:
    """Where one process comes from in a package: its file, forms and decisions."""

    process_id: str
    filename: str
    forms: tuple[str, ...]
    decisions: tuple[str, ...]
    calls: tuple[str, ...]
    words: frozenset[str] = frozenset()  # the identifiers its XML mentions, to find resources


def sources(bpmn: Mapping[str, etree._Element]) -> dict[str, ProcessSource]:
    """Every executable process of the package's BPMN files with what it depends on."""
    found: dict[str, ProcessSource] = {}
    for filename, root in bpmn.items():
        for proc in root.iterfind("bpmn:process", _NS):
            if proc.get("isExecutable", "false").lower() != "true":
                continue
            forms = {
                p.get("value", "")
                for p in proc.iterfind(".//spiffworkflow:property", _NS)
                if p.get("name") == FORM_PROPERTY
            }
            decisions = {(d.text or "").strip()
                         for d in proc.iterfind(".//spiffworkflow:calledDecisionId", _NS)}
            calls = {c.get("calledElement", "") for c in proc.iterfind(".//bpmn:callActivity", _NS)}
            found[proc.get("id", "")] = ProcessSource(
                proc.get("id", ""), filename, tuple(sorted(forms - {""})),
                tuple(sorted(decisions - {""})), tuple(sorted(calls - {""})),
                frozenset(_WORD.findall(etree.tostring(proc, encoding="unicode"))),
            )
    return found


def _decision_files(dmn: Mapping[str, etree._Element]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for filename, root in dmn.items():
        for ns in sorted(safe_xml.DMN_NAMESPACES):
            for decision in root.iterfind(f"{{{ns}}}decision"):
                owners[decision.get("id", "")] = filename
    return owners


def process_hashes(
    files: Mapping[str, bytes],
    bpmn: Mapping[str, etree._Element],
    dmn: Mapping[str, etree._Element],
) -> dict[str, str]:
    """Content hash of each process: its file, forms, decision tables and named resources."""
    owners = _decision_files(dmn)
    resources = sorted(n for n in files if n.lower().endswith(RESOURCE_SUFFIXES))
    partials = [n for n in resources if n.startswith("_")]
    hashes: dict[str, str] = {}
    for pid, source in sources(bpmn).items():
        named = [n for n in resources if n.split(".", 1)[0] in source.words]
        digest = hashlib.sha256(b"bpmn\0" + hashlib.sha256(files[source.filename]).digest())
        for name in [*named, *(partials if named else [])]:
            digest.update(b"resource\0" + name.encode() + b"\0"
                          + hashlib.sha256(files[name]).digest())
        for form in source.forms:
            digest.update(b"form\0" + form.encode() + b"\0"
                          + hashlib.sha256(files.get(form, b"")).digest())
        for decision in source.decisions:
            owner = owners.get(decision)
            content = files.get(owner, b"") if owner else b""
            digest.update(b"dmn\0" + decision.encode() + b"\0" + hashlib.sha256(content).digest())
        hashes[pid] = digest.hexdigest()
    return hashes


def call_graph(files: Mapping[str, bytes]) -> dict[str, set[str]]:
    """Which processes each process of a stored deployment calls (directly)."""
    roots = {
        name: safe_xml.parse_untrusted(content, name)
        for name, content in files.items()
        if name.lower().endswith((".bpmn", ".bpmn20.xml"))
    }
    return {pid: set(s.calls) for pid, s in sources(roots).items()}


def called_closure(graph: Mapping[str, Iterable[str]], top: str) -> set[str]:
    """``top`` and every process it calls, directly or through others."""
    seen = {top}
    todo = [top]
    while todo:
        for called in graph.get(todo.pop(), ()):
            if called not in seen:
                seen.add(called)
                todo.append(called)
    return seen


def _stored_hash(conn: Connection, process_id: str, deployment_id: int) -> str:
    """Hash a version deployed before hashes were kept per process (recomputed from its files)."""
    files = {
        row.filename: bytes(row.content)
        for row in conn.execute(
            select(deployment_files.c.filename, deployment_files.c.content).where(
                deployment_files.c.deployment_id == deployment_id
            )
        )
    }
    bpmn: dict[str, etree._Element] = {}
    dmn: dict[str, etree._Element] = {}
    for name, content in files.items():
        lower = name.lower()
        if lower.endswith((".bpmn", ".bpmn20.xml")):
            bpmn[name] = safe_xml.parse_untrusted(content, name)
        elif lower.endswith(".dmn"):
            dmn[name] = safe_xml.parse_untrusted(content, name)
    return process_hashes(files, bpmn, dmn).get(process_id, "")


def settle_version(
    conn: Connection, process_id: str, digest: str, *, deployment_id: int, now: datetime
) -> tuple[int, bool]:
    """The version number for this content: the latest if unchanged, else a new one.

    Returns the version and whether it is new. A concurrent deploy of other content for the same
    process hits the unique (process_id, version) constraint and fails cleanly.
    """
    latest = conn.execute(
        select(process_versions)
        .where(process_versions.c.process_id == process_id)
        .order_by(process_versions.c.version.desc())
        .limit(1)
    ).first()
    if latest is not None:
        known = latest.content_hash or _stored_hash(conn, process_id, latest.deployment_id)
        if known == digest:
            return int(latest.version), False
    number = int(conn.execute(
        select(func.coalesce(func.max(process_versions.c.version), 0)).where(
            process_versions.c.process_id == process_id
        )
    ).scalar_one()) + 1
    conn.execute(insert(process_versions).values(
        process_id=process_id, version=number, content_hash=digest,
        deployment_id=deployment_id, created_at=now,
    ))
    return number, True
