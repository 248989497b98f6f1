"""A warm, revision-checked cache of live workflows.

A step takes the workflow out of the cache (so no other thread can touch it), and puts it back
only after its transaction committed, tagged with the new revision. Any failure simply drops it:
the next step reloads from the database. So the cache can never serve state that did not commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

__all__ = ["WorkflowCache"]


class WorkflowCache:
    def __init__(self, capacity: int = 2000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[int, tuple[int, Any]] = OrderedDict()
        # The open user tasks of the workflows put here (task id → instance id): a completion
        # of one of them expects a hit; of any other (opened by another worker's step), a miss.
        self._tasks: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, revision: int) -> Any | None:
        """Remove and return the workflow if it is exactly at ``revision``."""
        with self._lock:
            item = self._items.pop(instance_id, None)
        if item is None or item[0] != revision:
            return None
        return item[1]

    def put(self, instance_id: int, revision: int, workflow: Any,
            open_tasks: Iterable[str] = ()) -> None:
        if self._capacity <= 0:
            return
        with self._lock:
            self._items[instance_id] = (revision, workflow)
            self._items.move_to_end(instance_id)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
            for task_id in open_tasks:
                self._tasks[task_id] = instance_id
                self._tasks.move_to_end(task_id)
            while len(self._tasks) > 4 * self._capacity:
                self._tasks.popitem(last=False)

    def expects(self, task_id: str) -> bool:
        """Whether the workflow of open task ``task_id`` is likely here (this worker opened it).

        A guess, never a promise: the step still checks the revision when it takes it.
        """
        with self._lock:
            instance_id = self._tasks.get(task_id)
            return instance_id is not None and instance_id in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._tasks.clear()
