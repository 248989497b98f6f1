"""What moving an instance to another version would change, for operations to read before
they migrate one case or a batch.

The one place the console asks for a preview. What changed comes from the modeller's
``diff_versions`` on each process's XML (the instance's own and every called process, layout
ignored); whether the case can move at all comes from the engine's migration plan (decision
0005), which is what ``Engine.migrate`` itself checks: an open element missing in the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import Engine
from engine.diagram_state import definition_ids, process_xml
from engine.diff import DiffEntry, diff_versions

__all__ = ["MigrationPreview", "preview"]


@dataclass(frozen=True)
class MigrationPreview:
    instance_id: int
    from_version: int
    to_version: int
    possible: bool
    blocked_by: list[str]  # open elements missing from the target version
    changed: list[str]  # "process: element" (with its name when it has one)
    added: list[str]
    removed: list[str] = field(default_factory=list)


def _label(process: str, entry: DiffEntry) -> str:
    name = entry["name"] or entry["type"]
    return f"{process}: {entry['id']}" + (f" ({name})" if name else "")


def preview(engine: Engine, instance_id: int, to_version: int) -> MigrationPreview:
    """Say what migrating ``instance_id`` to ``to_version`` changes, and whether it can."""
    record = engine.instance(instance_id, with_data=False)
    plan = engine.preview_migration(instance_id, to_version)
    old_id, new_id = definition_ids(engine, instance_id, to_version)
    old = {pid: xml for pid, _, _, xml in process_xml(engine, old_id)}
    changed: list[str] = []
    added: list[str] = []
    removed: list[str] = []
    for pid, _, _, xml in process_xml(engine, new_id):
        if pid not in old:
            added.append(f"{pid}: the whole called process")
            continue
        if old[pid] == xml:
            continue
        diff = diff_versions(old[pid], xml)
        changed += [_label(pid, e) for e in diff["changed"]]
        added += [_label(pid, e) for e in diff["added"]]
        removed += [_label(pid, e) for e in diff["removed"]]
    return MigrationPreview(instance_id, record.version, to_version, plan.possible,
                            list(plan.removed_active), changed, added, removed)
