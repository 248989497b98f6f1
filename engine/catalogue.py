"""What is deployed: deployments, their files and the process definitions (versions) in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine as SqlEngine

from engine.clock import as_utc
from engine.exceptions import NotFoundError
from engine.tables import deployment_files, deployments, process_definitions
from engine.version_list import VersionInfo, process_ids, version_list

__all__ = ["Catalogue", "DefinitionInfo", "DeploymentFile", "DeploymentInfo", "VersionInfo"]


@dataclass(frozen=True)
class DefinitionInfo:
    id: int
    process_id: str
    version: int
    name: str
    deployment_id: int
    created_at: datetime


@dataclass(frozen=True)
class DeploymentInfo:
    id: int
    name: str
    content_hash: str
    created_at: datetime
    created_by: str
    processes: dict[str, int]
    files: list[str]


@dataclass(frozen=True)
class DeploymentFile:
    filename: str
    kind: str
    content: bytes


class Catalogue:
    """Read-only listings over the deployment tables (deployments are immutable)."""

    def __init__(self, db: SqlEngine) -> None:
        self.db = db

    def deployments(self, *, after_id: int | None = None, limit: int = 50) -> list[DeploymentInfo]:
        """Deployments, newest first (keyset-paged by id, descending)."""
        query = select(deployments).order_by(deployments.c.id.desc()).limit(limit)
        if after_id is not None:
            query = query.where(deployments.c.id < after_id)
        with self.db.connect() as conn:
            return [self._info(conn, row) for row in conn.execute(query).all()]

    def deployment(self, deployment_id: int) -> DeploymentInfo:
        with self.db.connect() as conn:
            row = conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()
            if row is None:
                raise NotFoundError(f"deployment {deployment_id} does not exist")
            return self._info(conn, row)

    def file(self, deployment_id: int, filename: str) -> DeploymentFile:
        with self.db.connect() as conn:
            row = conn.execute(
                select(deployment_files).where(
                    deployment_files.c.deployment_id == deployment_id,
                    deployment_files.c.filename == filename,
                )
            ).first()
        if row is None:
            raise NotFoundError(f"deployment {deployment_id} has no file {filename!r}")
        return DeploymentFile(row.filename, row.kind, bytes(row.content))

    def latest_deployment(self, name: str) -> DeploymentInfo | None:
        """The newest deployment of a package, by its name."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(deployments).where(deployments.c.name == name)
                .order_by(deployments.c.id.desc()).limit(1)
            ).first()
            return None if row is None else self._info(conn, row)

    def package_names(self) -> list[str]:
        """The names deployments were made under, alphabetically."""
        with self.db.connect() as conn:
            return list(conn.execute(
                select(deployments.c.name).distinct().order_by(deployments.c.name)
            ).scalars())

    def files(self, deployment_id: int) -> dict[str, bytes]:
        """Every file of a deployment, by file name."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(deployment_files.c.filename, deployment_files.c.content).where(
                    deployment_files.c.deployment_id == deployment_id
                )
            ).all()
        return {r.filename: bytes(r.content) for r in rows}

    def definitions(
        self, *, process_id: str | None = None, after_id: int | None = None, limit: int = 100
    ) -> list[DefinitionInfo]:
        """Process definitions by process id and version, oldest first."""
        query = select(process_definitions).order_by(process_definitions.c.id).limit(limit)
        if process_id is not None:
            query = query.where(process_definitions.c.process_id == process_id)
        if after_id is not None:
            query = query.where(process_definitions.c.id > after_id)
        with self.db.connect() as conn:
            return [_definition(r) for r in conn.execute(query).all()]

    def versions(self, process_id: str) -> list[VersionInfo]:
        """The versions of one process, oldest first, with author and running instances."""
        with self.db.connect() as conn:
            return version_list(conn, process_id)

    def process_ids(self) -> list[str]:
        """Every deployed process id, alphabetically."""
        with self.db.connect() as conn:
            return process_ids(conn)

    def _info(self, conn: Any, row: Any) -> DeploymentInfo:
        versions = conn.execute(
            select(process_definitions.c.process_id, process_definitions.c.version).where(
                process_definitions.c.deployment_id == row.id
            )
        ).all()
        files = (
            conn.execute(
                select(deployment_files.c.filename)
                .where(deployment_files.c.deployment_id == row.id)
                .order_by(deployment_files.c.filename)
            )
            .scalars()
            .all()
        )
        return DeploymentInfo(
            row.id,
            row.name,
            row.content_hash,
            _at(row.created_at),
            row.created_by,
            {p: v for p, v in versions},
            list(files),
        )


def _definition(row: Any) -> DefinitionInfo:
    return DefinitionInfo(
        row.id, row.process_id, row.version, row.name, row.deployment_id, _at(row.created_at)
    )


def _at(value: Any) -> datetime:
    when = as_utc(value)
    assert when is not None
    return when
