"""Worker processes that run untrusted diagram code under hard CPU-time and memory limits.

A trace hook cannot stop one C-level call (``sum(map(sum, [range(10**6)] * 800))``) and the
GIL then freezes every thread of the server. So code that is not provably cheap
(:mod:`engine.cheap_code`) runs in a separate process:

* each worker is a fresh interpreter (``python -m engine.sandbox_worker``), not a fork of the
  threaded server, so it never inherits another thread's held lock or the server's data; it
  is reused across calls, and a killed one is replaced in the background;
* each sets ``RLIMIT_AS`` to its size at start plus ``memory_limit_mb``, so an allocation of
  gigabytes fails with ``MemoryError`` inside the worker, and before each call
  ``RLIMIT_CPU`` to its CPU time so far plus the time limit plus one second, so the kernel
  ends a runaway call even if nobody is waiting for it;
* the caller waits for the reply with the GIL released, for at most twice the time limit; a
  worker that has not answered is killed (SIGKILL) and replaced by a new one on next use.

The sandbox's own deadline still runs inside the worker, so an ordinary endless loop ends
with the same "exceeded the time limit" message and the worker is kept. The clock is passed
with each call: ``now()`` and ``today()`` in the worker read the step's (perhaps simulated) clock.
"""

from __future__ import annotations

import os
import pickle
import resource
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, Final

from engine.clock import SimulatedClock, current_clock, using_clock
from engine.exceptions import SandboxError

__all__ = ["WorkerPool", "shared_pool"]

MAX_WORKERS: Final = 4
_START_TIMEOUT: Final = 60.0


class _Worker:
    """One worker process and the socket to it."""

    def __init__(self, setup: tuple[bytes, bytes]) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.sandbox_worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        self.conn = Connection(ours.detach())
        for part in setup:
            self.conn.send_bytes(part)
        # Wait until it has imported everything, so start-up never counts against a time limit.
        if not self.conn.poll(_START_TIMEOUT) or self.conn.recv() != "ready":
            self.kill()
            raise SandboxError("the sandbox worker did not start")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        self.conn.close()


class WorkerPool:
    """Up to :data:`MAX_WORKERS` sandbox processes, started on demand, shared by threads."""

    def __init__(
        self, functions: Mapping[str, Callable[..., Any]], time_limit: float, memory_mb: int
    ) -> None:
        self.time_limit = time_limit
        self.memory_mb = memory_mb
        # Functions travel by reference (module and name); the worker imports them.
        self._setup = (
            pickle.dumps(list(sys.path)),
            pickle.dumps((dict(functions), time_limit, memory_mb)),
        )
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._ready = threading.Condition()
        # A pool dropped without close() (or left at exit) still stops its idle workers.
        weakref.finalize(self, _kill_all, self._idle)

    def evaluate(
        self, source: str, context: dict[str, Any], external: Mapping[str, Any], what: str
    ) -> Any:
        return self._call(("eval", source, context, dict(external), what), what)

    def execute(
        self, script: str, context: dict[str, Any], external: Mapping[str, Any]
    ) -> dict[str, Any]:
        changed: dict[str, Any] = self._call(
            ("exec", script, context, dict(external), "script"), "script"
        )
        return changed

    def close(self) -> None:
        with self._ready:
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()
            self._count -= len(idle)
            self._ready.notify_all()
        _kill_all(idle)

    def _call(self, request: tuple[Any, ...], what: str) -> Any:
        worker = self._acquire()
        healthy = False
        try:
            worker.conn.send((current_clock().now(), *request))
            if not worker.conn.poll(self.time_limit + max(self.time_limit, 0.5)):
                raise SandboxError(
                    f"{what} exceeded the time limit of {self.time_limit:g} s and was stopped"
                )
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise SandboxError(
                f"{what} was stopped: it exceeded the CPU-time limit of {self.time_limit:g} s "
                f"or the memory limit of {self.memory_mb} MB"
            ) from None
        finally:
            self._release(worker, healthy)
        if status == "error":
            raise SandboxError(payload)
        return payload

    def _acquire(self) -> _Worker:
        with self._ready:
            while not self._idle and self._count >= MAX_WORKERS and not self._closed:
                self._ready.wait()
            if self._closed:
                raise SandboxError("the sandbox is shut down")
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            return _Worker(self._setup)
        except BaseException:
            with self._ready:
                self._count -= 1
                self._ready.notify()
            raise

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._ready:
            if healthy and not self._closed:
                self._idle.append(worker)
                self._ready.notify()
                return
            replace = not self._closed
            if not replace:
                self._count -= 1
                self._ready.notify()
        worker.kill()
        if replace:  # start the replacement now, not when the next caller waits for it
            threading.Thread(target=self._replace, daemon=True, name="sandbox-replace").start()

    def _replace(self) -> None:
        try:
            fresh: _Worker | None = _Worker(self._setup)
        except (OSError, SandboxError):
            fresh = None
        with self._ready:
            if fresh is not None and not self._closed:
                self._idle.append(fresh)
                fresh = None
            else:
                self._count -= 1
            self._ready.notify()
        if fresh is not None:
            fresh.kill()


def _kill_all(workers: list[_Worker]) -> None:
    while workers:
        workers.pop().kill()


_SHARED: dict[tuple[Any, ...], WorkerPool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(
    functions: Mapping[str, Callable[..., Any]], time_limit: float, memory_mb: int
) -> WorkerPool:
    """The process's pool for these functions and limits: engines in one process share it."""
    key = (tuple(sorted((name, id(f)) for name, f in functions.items())), time_limit, memory_mb)
    with _SHARED_LOCK:
        pool = _SHARED.get(key)
        if pool is None:
            pool = _SHARED[key] = WorkerPool(functions, time_limit, memory_mb)
        return pool


# --- the worker's side ---------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    from engine.sandbox import SandboxEnvironment

    sys.path[:] = pickle.loads(conn.recv_bytes())  # first, so the functions can be imported
    functions, time_limit, memory_mb = pickle.loads(conn.recv_bytes())
    _limit_memory(memory_mb)
    env = SandboxEnvironment(
        functions, time_limit, isolated=False, memory_limit_mb=memory_mb
    )
    conn.send("ready")
    while True:
        try:
            now, op, source, context, external, what = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        _limit_cpu(time_limit)
        try:
            with using_clock(SimulatedClock(_as_datetime(now))):
                if op == "eval":
                    reply: tuple[str, Any] = (
                        "ok", env.evaluate_here(source, context, external, what)
                    )
                else:
                    env.execute_here(source, context, external)
                    reply = ("ok", context)
        except SandboxError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply = ("error", f"{what} exceeded the memory limit of {memory_mb} MB")
        try:
            conn.send(reply)
        except (TypeError, AttributeError, ValueError) as exc:  # not picklable
            conn.send(("error", f"{what} produced a value that is not plain data: {exc}"))
        except MemoryError:
            conn.send(("error", f"{what} exceeded the memory limit of {memory_mb} MB"))


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _limit_memory(memory_mb: int) -> None:
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu(time_limit: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = int(used + time_limit) + 2  # whole seconds; the trace deadline is the finer limit
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY and soft > hard:
        soft = hard
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
