"""What moving an instance to another version would change, for operations to read before
they migrate one case or a batch.

The one place the console asks for a preview: today it is the engine's migration plan
(SpiffWorkflow's spec diff, decision 0005); the modeller's ``diff_versions(old_xml, new_xml)``
can replace the body of :func:`preview` without touching the screens.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import Engine

__all__ = ["MigrationPreview", "preview"]


@dataclass(frozen=True)
class MigrationPreview:
    instance_id: int
    from_version: int
    to_version: int
    possible: bool
    blocked_by: list[str]  # open elements missing from the target version
    changed: list[str]
    added: list[str]


def preview(engine: Engine, instance_id: int, to_version: int) -> MigrationPreview:
    """Say what migrating ``instance_id`` to ``to_version`` changes, and whether it can."""
    record = engine.instance(instance_id, with_data=False)
    plan = engine.preview_migration(instance_id, to_version)
    return MigrationPreview(instance_id, record.version, to_version, plan.possible,
                            list(plan.removed_active), list(plan.changed), list(plan.added))
