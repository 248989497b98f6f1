"""The analysts' workspace: drafts of a package's files, checked and deployed from the modeller.

A package's working copy is its latest deployment with the analysts' drafts laid over it. A
draft is one file (diagram, decision table or form) saved by the modeller's autosave with who
saved it and when; deploying the package deploys the working copy (the engine makes new
versions only of the processes whose content changed) and then clears the drafts it contained.
Drafts are checked as untrusted uploads on save, so nothing hostile is ever stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from engine import DeploymentError, Engine, NotFoundError, safe_xml
from engine.catalogue import Catalogue
from engine.clock import as_utc
from engine.decisions import DecisionTry, try_decision
from engine.definitions import classify
from engine.diff import VersionDiff, diff_versions
from engine.records import DeploymentRecord
from engine.resources import RESOURCE_KIND, check_resource
from engine.validation import check_package, static_problems
from engine.versions import call_graph, called_closure, sources
from workflows.tables import modeller_drafts

__all__ = ["Draft", "Workspace", "check_filename"]


@dataclass(frozen=True)
class Draft:
    package: str
    filename: str
    saved_by: str
    saved_at: datetime
    size: int


def check_filename(filename: str) -> str:
    """A plain file name of a kind a package holds, or DeploymentError."""
    name = filename.strip()
    if not name or "/" in name or "\\" in name or name.startswith(".") or len(name) > 300:
        raise DeploymentError(f"{filename!r}: give a plain file name such as resolution.bpmn")
    classify(name)
    return name


def check_content(filename: str, content: bytes) -> None:
    """Refuse what a deploy would refuse about one file on its own (size, XML safety, JSON)."""
    if len(content) > safe_xml.MAX_UPLOAD_BYTES:
        raise DeploymentError(f"{filename}: larger than {safe_xml.MAX_UPLOAD_BYTES} bytes")
    kind = classify(filename)
    if kind == RESOURCE_KIND:
        check_resource(filename, content)
        return
    if kind == "form":
        try:
            if not isinstance(json.loads(content), dict):
                raise ValueError("a form schema must be a JSON object")
        except ValueError as exc:
            raise DeploymentError(f"{filename}: not a JSON Schema: {exc}") from exc
        return
    found = safe_xml.kind_of(safe_xml.parse_untrusted(content, filename))
    if found != kind:
        raise DeploymentError(f"{filename}: the file holds {found.upper()}, not {kind.upper()}")


class Workspace:
    """Drafts and deploys of packages, on the engine's database and clock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.catalogue = Catalogue(engine.db)

    # -- reading -------------------------------------------------------------------------

    def deployed_files(self, package: str) -> dict[str, bytes]:
        latest = self.catalogue.latest_deployment(package)
        return {} if latest is None else self.catalogue.files(latest.id)

    def drafts(self, package: str) -> list[Draft]:
        with self.engine.db.connect() as conn:
            rows = conn.execute(
                select(modeller_drafts).where(modeller_drafts.c.package == package)
                .order_by(modeller_drafts.c.filename)
            ).all()
        return [Draft(r.package, r.filename, r.saved_by, as_utc(r.saved_at) or r.saved_at,
                      len(r.content)) for r in rows]

    def working_files(self, package: str) -> dict[str, bytes]:
        """The latest deployment's files with this package's drafts laid over them."""
        files = self.deployed_files(package)
        with self.engine.db.connect() as conn:
            for row in conn.execute(
                select(modeller_drafts.c.filename, modeller_drafts.c.content).where(
                    modeller_drafts.c.package == package
                )
            ):
                files[row.filename] = bytes(row.content)
        return files

    # -- changing ------------------------------------------------------------------------

    def save_draft(self, package: str, filename: str, content: bytes, user: str) -> Draft:
        """Keep one file's edit (autosave): checked as an upload, replacing the last draft."""
        name = check_filename(filename)
        check_content(name, content)
        now = self.engine.clock.now()
        values: dict[str, Any] = {"content": content, "saved_by": user, "saved_at": now}
        with self.engine.db.begin() as conn:
            changed = conn.execute(
                update(modeller_drafts)
                .where(modeller_drafts.c.package == package, modeller_drafts.c.filename == name)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(modeller_drafts).values(package=package, filename=name,
                                                            **values))
        return Draft(package, name, user, now, len(content))

    def discard(self, package: str, filename: str | None = None) -> None:
        query = delete(modeller_drafts).where(modeller_drafts.c.package == package)
        if filename is not None:
            query = query.where(modeller_drafts.c.filename == filename)
        with self.engine.db.begin() as conn:
            conn.execute(query)

    def check(self, package: str, overrides: Mapping[str, bytes] | None = None) -> list[str]:
        """What a deploy of the working copy (with ``overrides``) would refuse with."""
        files = {**self.working_files(package), **dict(overrides or {})}
        return check_package(files, self.engine.registry)

    def deploy(self, package: str, user: str) -> DeploymentRecord:
        """Deploy the working copy; the drafts it held are cleared once it is deployed."""
        record = self.deploy_files(self.working_files(package), package, user)
        self.discard(package)
        return record

    def deploy_files(self, files: Mapping[str, bytes], package: str, user: str) -> DeploymentRecord:
        """Deploy files as a package once the modeller's own checks pass (scripts, cycles)."""
        for name, content in files.items():
            check_content(check_filename(name), content)
        problems = static_problems(files)
        if problems:
            raise DeploymentError(problems[0])
        return self.engine.deploy(files, name=package, user=user)

    def try_decision(self, package: str, decision_id: str, inputs: Mapping[str, Any],
                     dmn: Mapping[str, bytes] | None = None) -> DecisionTry:
        """Evaluate a decision of the working copy (or of given DMN files) on some inputs."""
        files = dict(dmn) if dmn else {
            name: content for name, content in self.working_files(package).items()
            if classify(name) == "dmn"
        }
        for name, content in files.items():
            check_content(check_filename(name), content)
        return try_decision(self.engine.runtime.script_engine, files, decision_id, inputs)

    # -- versions ------------------------------------------------------------------------

    def _release(self, process_id: str, version: int) -> tuple[int, dict[str, bytes]]:
        """The deployment that made ``version`` of a process, and its files."""
        for info in self.catalogue.versions(process_id):
            if info.version == version:
                return info.deployment_id, self.catalogue.files(info.deployment_id)
        raise NotFoundError(f"{process_id} has no version {version}")

    def version_diff(self, process_id: str, old: int, new: int) -> dict[str, Any]:
        """Two versions of a process side by side, and every process it calls in either."""
        old_id, old_files = self._release(process_id, old)
        new_id, new_files = self._release(process_id, new)
        old_where, new_where = _where(old_files), _where(new_files)
        old_versions = self.catalogue.deployment(old_id).processes
        new_versions = self.catalogue.deployment(new_id).processes
        called = sorted(
            (called_closure(call_graph(old_files), process_id)
             | called_closure(call_graph(new_files), process_id)) - {process_id}
        )
        return {
            **_side_by_side(process_id, old_files, new_files, old_where, new_where,
                            old_versions.get(process_id), new_versions.get(process_id)),
            "called": [
                _side_by_side(pid, old_files, new_files, old_where, new_where,
                              old_versions.get(pid), new_versions.get(pid))
                for pid in called
            ],
        }


def _where(files: Mapping[str, bytes]) -> dict[str, str]:
    roots = {n: safe_xml.parse_untrusted(c, n) for n, c in files.items() if classify(n) == "bpmn"}
    return {pid: s.filename for pid, s in sources(roots).items()}


def _side_by_side(
    process_id: str, old_files: Mapping[str, bytes], new_files: Mapping[str, bytes],
    old_where: Mapping[str, str], new_where: Mapping[str, str],
    old_version: int | None, new_version: int | None,
) -> dict[str, Any]:
    old_xml = old_files.get(old_where.get(process_id, ""), b"")
    new_xml = new_files.get(new_where.get(process_id, ""), b"")
    empty: VersionDiff = {"added": [], "removed": [], "changed": []}
    found = diff_versions(old_xml, new_xml) if old_xml and new_xml else empty
    return {
        "process_id": process_id,
        "old": {"version": old_version, "file": old_where.get(process_id),
                "xml": old_xml.decode("utf-8")},
        "new": {"version": new_version, "file": new_where.get(process_id),
                "xml": new_xml.decode("utf-8")},
        "diff": found,
    }
