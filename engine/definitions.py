"""Deployments: validate untrusted files, store them immutably, and keep parsed specs cached.

A deployment is the set of files an analyst uploads (BPMN, DMN, JSON Schema forms). It is
identified by the hash of its content: deploying the same files again changes nothing. A new
deployment is a release of every process in it, but only a process whose content changed gets a
new version number (``engine.versions``). Running instances keep the definition (and so the
specs, the called processes' included) they started on.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine import deploy_checks, forms, resources, safe_xml, versions
from engine.db import new_id
from engine.exceptions import ConflictError, DeploymentError, NotFoundError
from engine.handlers import HandlerRegistry
from engine.pipeline import first_row
from engine.records import DeploymentRecord
from engine.spiff import ParsedPackage, parse_package
from engine.tables import deployment_files, deployments, process_definitions

__all__ = ["Definition", "DefinitionCache", "classify", "content_hash", "deploy_files"]


@dataclass(frozen=True)
class Definition:
    """One version of one process, parsed and ready to run."""

    id: int
    process_id: str
    version: int
    name: str
    deployment_id: int
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, dict[str, Any]]


def classify(filename: str) -> str:
    if resources.is_resource(filename):
        return resources.RESOURCE_KIND
    lower = filename.lower()
    for suffix, kind in (
        (".bpmn", "bpmn"),
        (".bpmn20.xml", "bpmn"),
        (".dmn", "dmn"),
        (".json", "form"),
    ):
        if lower.endswith(suffix):
            return kind
    raise DeploymentError(
        f"{filename}: only .bpmn, .dmn, .json (JSON Schema form) and .j2 (template) files "
        "are accepted"
    )


def content_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


@dataclass
class _Checked:
    bpmn: dict[str, etree._Element]
    dmn: dict[str, etree._Element]
    forms: dict[str, dict[str, Any]]
    resources: dict[str, bytes] = field(default_factory=dict)


def _check_files(files: Mapping[str, bytes]) -> _Checked:
    if not files:
        raise DeploymentError("nothing to deploy: no files given")
    checked = _Checked({}, {}, {})
    for name, content in files.items():
        kind = classify(name)
        if len(content) > safe_xml.MAX_UPLOAD_BYTES:
            raise DeploymentError(f"{name}: larger than {safe_xml.MAX_UPLOAD_BYTES} bytes")
        if kind == "form":
            checked.forms[name] = forms.check_form(name, content, files)
            continue
        if kind == resources.RESOURCE_KIND:
            resources.check_resource(name, content)
            checked.resources[name] = content
            continue
        root = safe_xml.parse_untrusted(content, name)
        found = safe_xml.kind_of(root)
        if found != kind:
            raise DeploymentError(f"{name}: the file holds {found.upper()}, not {kind.upper()}")
        if kind == "bpmn":
            safe_xml.validate_bpmn_schema(root, name)
            checked.bpmn[name] = root
        else:
            checked.dmn[name] = root
    return checked


def _parse(checked: _Checked, registry: HandlerRegistry | None) -> ParsedPackage:
    # Checks only a new deployment gets: what is already stored keeps loading as it was.
    for name, root in checked.bpmn.items():
        deploy_checks.check_sequence_length(root, name)
    for name, root in checked.dmn.items():
        deploy_checks.check_dmn_cells(root, name)
    deploy_checks.check_lanes(checked.bpmn)
    package = parse_package(checked.bpmn, checked.dmn)
    for pid in package.specs:
        deploy_checks.check_call_cycles({pid: package.specs[pid]}, package.subprocess_specs[pid])
    if registry is not None:
        missing = sorted(op for op in package.operators if op not in registry)
        if missing:
            raise DeploymentError(
                f"no handler is registered for service operator(s): {', '.join(missing)}"
            )
    absent = sorted(form for form in package.forms if form not in checked.forms)
    if absent:
        raise DeploymentError(f"user task form(s) not in the deployment: {', '.join(absent)}")
    if registry is not None and registry.deploy_checks:
        calls = resources.service_calls(checked.bpmn)
        for check in registry.deploy_checks:
            try:
                check(checked.resources, calls)
            except ValueError as exc:
                raise DeploymentError(str(exc)) from exc
    return package


def deploy_files(
    conn: Connection,
    files: Mapping[str, bytes],
    *,
    name: str,
    user: str,
    now: datetime,
    registry: HandlerRegistry | None,
) -> DeploymentRecord:
    """Validate and store a deployment in the caller's transaction; idempotent by content."""
    digest = content_hash(files)
    existing = conn.execute(select(deployments).where(deployments.c.content_hash == digest)).first()
    if existing is not None:
        known = conn.execute(
            select(process_definitions.c.process_id, process_definitions.c.version).where(
                process_definitions.c.deployment_id == existing.id
            )
        ).all()
        return DeploymentRecord(
            existing.id,
            existing.name,
            digest,
            existing.created_at,
            existing.created_by,
            {p: v for p, v in known},
            created=False,
        )
    checked = _check_files(files)
    package = _parse(checked, registry)
    try:
        dep_id = new_id(conn.execute(
            insert(deployments).values(
                name=name, content_hash=digest, created_at=now, created_by=user
            )
        ))
        conn.execute(
            insert(deployment_files),
            [
                {"deployment_id": dep_id, "filename": f, "kind": classify(f), "content": c}
                for f, c in files.items()
            ],
        )
        numbers: dict[str, int] = {}
        changed: list[str] = []
        hashes = versions.process_hashes(files, checked.bpmn, checked.dmn)
        for pid in package.specs:
            numbers[pid], new = versions.settle_version(
                conn, pid, hashes[pid], deployment_id=dep_id, now=now
            )
            if new:
                changed.append(pid)
            conn.execute(
                insert(process_definitions).values(
                    process_id=pid,
                    version=numbers[pid],
                    name=package.names[pid],
                    deployment_id=dep_id,
                    content_hash=hashes[pid],
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        raise ConflictError(
            "another deployment of the same process happened at the same time"
        ) from exc
    return DeploymentRecord(dep_id, name, digest, now, user, numbers, changed=sorted(changed))


_LATEST = (
    select(process_definitions.c.id)
    .where(process_definitions.c.process_id == bindparam("process_id"))
    .order_by(process_definitions.c.version.desc(), process_definitions.c.id.desc())
    .limit(1)
)
_LATEST_OF_VERSION = (
    select(process_definitions.c.id)
    .where(process_definitions.c.process_id == bindparam("process_id"),
           process_definitions.c.version == bindparam("version"))
    .order_by(process_definitions.c.id.desc())
    .limit(1)
)


class DefinitionCache:
    """Parsed definitions by id. Deployments are immutable, so entries never go stale."""

    def __init__(self) -> None:
        self._by_id: dict[int, Definition] = {}
        self._lock = threading.Lock()

    def get(self, conn: Connection, definition_id: int) -> Definition:
        cached = self._by_id.get(definition_id)
        if cached is not None:
            return cached
        row = conn.execute(
            select(process_definitions).where(process_definitions.c.id == definition_id)
        ).first()
        if row is None:
            raise NotFoundError(f"process definition {definition_id} does not exist")
        files = {
            f.filename: f.content
            for f in conn.execute(
                select(deployment_files.c.filename, deployment_files.c.content).where(
                    deployment_files.c.deployment_id == row.deployment_id
                )
            )
        }
        checked = _check_files(files)
        package = parse_package(checked.bpmn, checked.dmn)
        definition = Definition(
            id=row.id,
            process_id=row.process_id,
            version=row.version,
            name=row.name,
            deployment_id=row.deployment_id,
            spec=package.specs[row.process_id],
            subprocess_specs=package.subprocess_specs[row.process_id],
            forms=checked.forms,
        )
        with self._lock:
            self._by_id[definition_id] = definition
        return definition

    def latest_id(self, conn: Connection, process_id: str, version: int | None = None) -> int:
        # The newest release of the newest version: it carries the newest called processes.
        # Sent with the step's BEGIN (engine.pipeline) when it opens a start's transaction.
        if version is None:
            row = first_row(conn, _LATEST, {"process_id": process_id})
        else:
            row = first_row(conn, _LATEST_OF_VERSION, {"process_id": process_id,
                                                       "version": version})
        found = row[0] if row is not None else None
        if found is None:
            suffix = f" version {version}" if version is not None else ""
            raise NotFoundError(f"no deployed process {process_id!r}{suffix}")
        return int(found)
