"""The version list of a process: who deployed each version, when, and how many instances run it.

An instance runs a process's version either as its top process or as a process it calls: the
called processes come from the release (deployment) its top process was started from, so the
count follows the release's call graph (read from its stored files, cached: they never change).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from engine.clock import as_utc
from engine.tables import (
    deployment_files,
    deployments,
    process_definitions,
    process_instances,
    process_versions,
)
from engine.versions import call_graph, called_closure

__all__ = ["VersionInfo", "process_ids", "version_list"]

RUNNING = ("active", "suspended")


@dataclass(frozen=True)
class VersionInfo:
    process_id: str
    version: int
    deployment_id: int
    deployment_name: str
    created_at: datetime
    created_by: str
    running: int


# By content hash: a deployment's files never change, and ids differ between databases.
_graphs: dict[str, dict[str, set[str]]] = {}
_lock = threading.Lock()


def _graph(conn: Any, deployment_id: int) -> dict[str, set[str]]:
    digest = conn.execute(
        select(deployments.c.content_hash).where(deployments.c.id == deployment_id)
    ).scalar_one()
    cached = _graphs.get(digest)
    if cached is not None:
        return cached
    files = {
        r.filename: bytes(r.content)
        for r in conn.execute(
            select(deployment_files.c.filename, deployment_files.c.content).where(
                deployment_files.c.deployment_id == deployment_id
            )
        )
    }
    graph = call_graph(files)
    with _lock:
        _graphs[digest] = graph
    return graph


def _running(conn: Any, process_id: str) -> dict[int, int]:
    top = aliased(process_definitions)
    bound = aliased(process_definitions)
    rows = conn.execute(
        select(top.c.process_id, top.c.deployment_id, bound.c.version, func.count())
        .select_from(process_instances)
        .join(top, top.c.id == process_instances.c.definition_id)
        .join(bound, and_(bound.c.deployment_id == top.c.deployment_id,
                          bound.c.process_id == process_id))
        .where(process_instances.c.status.in_(RUNNING))
        .group_by(top.c.process_id, top.c.deployment_id, bound.c.version)
    ).all()
    counts: dict[int, int] = defaultdict(int)
    for top_id, deployment_id, version, count in rows:
        if top_id == process_id or process_id in called_closure(
            _graph(conn, deployment_id), top_id
        ):
            counts[int(version)] += int(count)
    return counts


def version_list(conn: Any, process_id: str) -> list[VersionInfo]:
    """Versions oldest first; ``running`` counts active and suspended instances on each."""
    counts = _running(conn, process_id)
    rows = conn.execute(
        select(process_versions, deployments.c.name, deployments.c.created_by)
        .join(deployments, deployments.c.id == process_versions.c.deployment_id)
        .where(process_versions.c.process_id == process_id)
        .order_by(process_versions.c.version)
    ).all()
    return [
        VersionInfo(
            r.process_id, r.version, r.deployment_id, r.name,
            as_utc(r.created_at) or r.created_at, r.created_by, counts.get(r.version, 0),
        )
        for r in rows
    ]


def process_ids(conn: Any) -> list[str]:
    return list(conn.execute(
        select(process_versions.c.process_id).distinct().order_by(process_versions.c.process_id)
    ).scalars())
