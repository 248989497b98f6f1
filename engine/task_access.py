"""Who may claim, complete and release a user task: the rule the engine itself enforces.

The engine checks every claim, completion and release made with ``roles`` against a
:class:`TaskAccess` the application gives it (``Engine.create(task_access=...)``), so a caller
that skips the web layer's checks (a CLI, a script, another service, a view someone forgets
to guard) meets the same rule. Without one, :class:`LaneAccess` applies: a task is worked by
the role its lane names; a task in no lane belongs to no queue, so no role may work it; only
the person holding a claim may release it. A caller that passes no ``roles`` is trusted (the
operator's shell) and only the claim itself is checked.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

__all__ = ["LaneAccess", "TaskAccess"]


class TaskAccess(Protocol):
    def may_work(self, roles: Collection[str], lane: str | None) -> bool:
        """Whether ``roles`` may claim or complete (or release their own claim of) a task."""

    def may_release_others(self, roles: Collection[str], lane: str | None) -> bool:
        """Whether ``roles`` may release a task in ``lane`` that someone else has claimed."""


class LaneAccess:
    """The lane names the role; no lane, no role; nobody releases another's claim."""

    def may_work(self, roles: Collection[str], lane: str | None) -> bool:
        return lane is not None and lane in roles

    def may_release_others(self, roles: Collection[str], lane: str | None) -> bool:
        return False
