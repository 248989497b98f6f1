"""A RestrictedPython environment for every script and expression SpiffWorkflow runs.

SpiffWorkflow's own environment calls ``eval``/``exec``: a diagram could run anything as the
server. Script tasks and pre/post scripts go through :meth:`SandboxEnvironment.execute`; gateway
conditions, timer expressions, service-task parameters and DMN cells through ``evaluate``.

* Code is compiled by RestrictedPython (no ``_names``, imports, classes or ``str.format``;
  guarded attribute, item and write access) and sees an allow-list of builtins plus the
  functions given to the constructor.
* A time limit holds in any thread: loop bodies call a deadline check, and a ``sys.settrace``
  hook checks it on every call and line. CPython drops a trace hook that raises, so the timeout
  must be uncatchable: it is a ``BaseException``, ``except`` may name only built-in ``Exception``
  classes (looked up by constant name, so matching cannot raise), and ``try/finally`` is
  refused.
* A single C-level operation (``10 ** 10 ** 8``, ``'a' * 10 ** 10``) cannot be interrupted by
  a trace hook, so only code that provably cannot contain one runs in this process
  (:mod:`engine.cheap_code`); everything else runs in a worker process with hard CPU-time and
  memory limits that is killed when it overruns (:mod:`engine.sandbox_worker`).
* Every failure raises :class:`~engine.exceptions.SandboxError`: refused code, forbidden names,
  the time limit, and also runtime errors of a legitimate script (``ZeroDivisionError``, a
  ``NameError`` for missing data), which name the line and keep the original as ``__cause__``.

Data semantics follow SpiffWorkflow's ``TaskDataEnvironment``: ``execute`` writes new, changed
and deleted top-level variables back into the task data dict in place and never leaves
functions or builtins in it; task data that shadows a provided function is an error. Unlike
SpiffWorkflow, a failed script leaves the top-level variables unchanged.
"""

from __future__ import annotations

import ast
import operator
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import CodeType, FrameType, TracebackType
from typing import Any, Final, Literal, cast

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.cheap_code import MAX_FAST_SIZE, is_cheap
from engine.data_limits import RESERVED_KEY, shape_problem
from engine.exceptions import SandboxError

__all__ = ["SandboxEnvironment"]

_FILENAME: Final = "<diagram>"
_MAX_RANGE: Final = 1_000_000


class _TimeUp(BaseException):
    """The deadline passed; a BaseException, so no ``except`` in a script can catch it."""


class _NeedsWorker(BaseException):
    """In-process code is about to build a large value: run it again in the worker."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus what could outlive the time limit or hide the timeout."""

    def visit_While(self, node: ast.While) -> Any:
        return _with_tick(cast(ast.While, super().visit_While(node)))

    def visit_For(self, node: ast.For) -> Any:
        return _with_tick(cast(ast.For, super().visit_For(node)))

    def visit_Try(self, node: ast.Try) -> Any:
        if node.finalbody:
            self.error(node, "try/finally is not allowed in diagram scripts")
        return super().visit_Try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        # Matching must not be able to raise (a NameError raised while the timeout propagates
        # could be caught further out), so the handler's type becomes a lookup by constant name.
        node = cast(ast.ExceptHandler, super().visit_ExceptHandler(node))
        caught = node.type or ast.Name("Exception", ast.Load())
        items = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        names = [item.id for item in items if isinstance(item, ast.Name)]
        if len(names) < len(items) or not set(names) <= set(_CATCHABLE):
            self.error(node, f"except may name only {', '.join(sorted(_CATCHABLE))}")
            return node
        constants: list[ast.expr] = [ast.Constant(name) for name in names]
        lookup = ast.Call(ast.Name("_except_type_", ast.Load()), constants, [])
        node.type = ast.fix_missing_locations(ast.copy_location(lookup, node))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        # ``+ * % **`` go through guards, so in-process code can hand a value that would grow
        # large (or a ``%`` format) to the worker; in the worker the guards are the plain ops.
        node = cast(ast.BinOp, super().visit_BinOp(node))
        guard = _GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(ast.Name(guard, ast.Load()), [node.left, node.right], [])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.error(node, "class definitions are not allowed in diagram scripts")
        return node


def _with_tick(loop: ast.While | ast.For) -> ast.While | ast.For:
    # A one-line loop (``while True: pass``) raises no trace "line" events in CPython 3.11.
    tick = ast.Expr(ast.Call(ast.Name("_tick_", ast.Load()), [], []))
    loop.body.insert(0, ast.fix_missing_locations(ast.copy_location(tick, loop)))
    return loop


def _except_type(*names: str) -> tuple[type[Exception], ...]:
    return tuple(_CATCHABLE[name] for name in names)


def _getattr(obj: Any, name: str, *default: Any) -> Any:
    if name == "mro":  # the one public route from a class to its bases
        raise AttributeError('"mro" is not allowed in diagram scripts')
    # safer_getattr alone answers None for a missing attribute; a typo should fail loudly.
    if default:
        return safer_getattr(obj, name, *default)  # type: ignore[no-untyped-call]
    return safer_getattr_raise(obj, name)  # type: ignore[no-untyped-call]


def _bounded_range(*args: int) -> range:
    values = range(*args)
    if len(values) > _MAX_RANGE:
        raise ValueError(f"range() of more than {_MAX_RANGE} items is not allowed")
    return values


_INPLACE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    f"{symbol}=": getattr(operator, f"i{name}") for symbol, name in (
        ("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"),
        ("%", "mod"), ("**", "pow"), ("<<", "lshift"), (">>", "rshift"), ("&", "and"),
        ("|", "or"), ("^", "xor"))
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_GUARDED_OPS: Final[dict[type[ast.operator], str]] = {
    ast.Add: "_add_", ast.Mult: "_mul_", ast.Mod: "_mod_", ast.Pow: "_pow_",
}
_SEQUENCE: Final = (str, bytes, list, tuple)
_SHAPED: Final = (dict, list, tuple)  # values whose shape a script can make unstorable
#: Largest integer (in bits) in-process arithmetic may build: microseconds to multiply.
_MAX_FAST_BITS: Final = 64_000


def _bounded_add(left: Any, right: Any) -> Any:
    if (
        isinstance(left, _SEQUENCE)
        and isinstance(right, _SEQUENCE)
        and len(left) + len(right) > MAX_FAST_SIZE
    ):
        raise _NeedsWorker
    return left + right


def _bounded_mul(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCE) or isinstance(right, _SEQUENCE):
        seq, times = (left, right) if isinstance(left, _SEQUENCE) else (right, left)
        if isinstance(times, int) and len(seq) * max(times, 0) > MAX_FAST_SIZE:
            raise _NeedsWorker
    elif (
        isinstance(left, int) and isinstance(right, int)
        and left.bit_length() + right.bit_length() > _MAX_FAST_BITS
    ):
        raise _NeedsWorker
    return left * right


def _bounded_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str | bytes):
        raise _NeedsWorker  # %-formatting can pad to any width
    return left % right


def _bounded_pow(base: Any, exponent: Any) -> Any:
    if (
        isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1
        and base.bit_length() * exponent > _MAX_FAST_BITS
    ):
        raise _NeedsWorker
    return base**exponent


_BOUNDED_INPLACE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+=": _bounded_add, "*=": _bounded_mul, "%=": _bounded_mod, "**=": _bounded_pow,
}


def _bounded_inplacevar(op: str, target: Any, value: Any) -> Any:
    guard = _BOUNDED_INPLACE.get(op)
    return guard(target, value) if guard is not None else _inplacevar(op, target, value)


_BUILTINS: Final[dict[str, Any]] = {
    "None": None, "True": True, "False": False,
    **{f.__name__: f for f in (
        abs, all, any, bool, callable, chr, dict, divmod, enumerate, filter, float, frozenset,
        hex, int, isinstance, issubclass, len, list, map, max, min, oct, ord, repr, reversed,
        round, set, slice, sorted, str, sum, tuple, zip,
        ArithmeticError, AssertionError, AttributeError, Exception, IndexError, KeyError,
        LookupError, NameError, NotImplementedError, OverflowError, RuntimeError,
        StopIteration, TypeError, ValueError, ZeroDivisionError,
    )},
    "range": _bounded_range,
    "datetime": datetime, "date": date, "timedelta": timedelta,
}

_CATCHABLE: Final[dict[str, type[Exception]]] = {
    name: value for name, value in _BUILTINS.items()
    if isinstance(value, type) and issubclass(value, Exception)
}

_GUARDS: Final[dict[str, Any]] = {
    "__builtins__": _BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_print_": PrintCollector,
    "_apply_": _apply,
    "_except_type_": _except_type,
    "_add_": operator.add,
    "_mul_": operator.mul,
    "_mod_": operator.mod,
    "_pow_": operator.pow,
}
#: What in-process code sees instead: arithmetic that hands large results to the worker.
_FAST_GUARDS: Final[dict[str, Any]] = {
    **_GUARDS, "_add_": _bounded_add, "_mul_": _bounded_mul, "_mod_": _bounded_mod,
    "_pow_": _bounded_pow, "_inplacevar_": _bounded_inplacevar,
}


@lru_cache(maxsize=4096)
def _compile(source: str, mode: Literal["exec", "eval"], what: str) -> CodeType:
    # Expressions are evaluated on nearly every step and compiling costs ~100 us: cache by text
    # (``what`` derives from the text, so it adds no entries). Failures are not cached.
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, _FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise SandboxError(f"{what} refused: {'; '.join(result.errors) or 'does not compile'}")
    return result.code


class _Deadline:
    """Raises :class:`_TimeUp` once past the deadline: from loop ticks and as a trace hook."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def tick(self) -> None:
        if time.monotonic() > self.at:
            raise _TimeUp

    def on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.tick()
        # Line events only for diagram code: tracing library internals line by line is slow.
        return self.on_line if frame.f_code.co_filename == _FILENAME else None

    def on_line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.tick()
        return self.on_line


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Runs SpiffWorkflow scripts and expressions under RestrictedPython with hard limits.

    Code that :func:`~engine.cheap_code.is_cheap` accepts runs here (the common case: one
    comparison, one assignment); the rest runs in a worker process with ``memory_limit_mb`` of
    memory and ``time_limit`` seconds of CPU, killed after twice the time limit of wall time.
    ``isolated=False`` runs everything here: for the worker itself, and for trusted callers.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        time_limit: float = 1.0,
        *,
        isolated: bool = True,
        memory_limit_mb: int = 256,
    ) -> None:
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        super().__init__(dict(functions or {}))
        self.functions: dict[str, Callable[..., Any]] = self.globals
        self.time_limit = time_limit
        self.isolated = isolated
        self.memory_limit_mb = memory_limit_mb
        self._names = frozenset(self.functions)
        self._pool: Any = None
        self._pool_lock = threading.Lock()

    def evaluate(
        self, expression: str, context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate an expression over the task data; context wins over external context."""
        what = f"expression {_shorten(expression)!r}"
        self._refuse_shadowing(context, {}, what)
        source = expression.strip()
        code = _compile(source, "eval", what)
        external = dict(external_context or {})
        if self._here(source, "eval"):
            try:
                return _storable(self._run(
                    code, {**self.functions, **external, **context, **_FAST_GUARDS}, what),
                    "%s gave a value", what)
            except _NeedsWorker:
                pass
        return _storable(self.pool().evaluate(source, context, external, what),
                         "%s gave a value", what)

    def evaluate_here(
        self, source: str, context: dict[str, Any], external: Mapping[str, Any], what: str
    ) -> Any:
        """Evaluate in this process with no size guard (the worker's side of ``evaluate``)."""
        code = _compile(source, "eval", what)
        return self._run(code, {**self.functions, **external, **context, **_GUARDS}, what)

    def execute(
        self, script: str, context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Run a script and write its top-level variables back into ``context``."""
        external = dict(external_context or {})
        self._refuse_shadowing(context, external, "script")
        _compile(script, "exec", "script")
        if self._here(script, "exec"):
            try:
                self.execute_here(script, context, external, _FAST_GUARDS)
                return True
            except _NeedsWorker:
                pass
        changed = self.pool().execute(script, context, external)
        context.clear()
        context.update(changed)
        return True

    def execute_here(
        self, script: str, context: dict[str, Any], external: Mapping[str, Any],
        guards: Mapping[str, Any] = _GUARDS,
    ) -> None:
        """Run a script in this process and write its variables back into ``context``."""
        code = _compile(script, "exec", "script")
        injected = {**self.functions, **external}
        scope = {**context, **injected, **guards}
        self._run(code, scope, "script")
        for name, value in scope.items():
            if name in injected and not name.startswith("_") and value is not injected[name]:
                raise SandboxError(f"script assigns to {name!r}, the name of a provided "
                                   "function: rename the variable")
        for name, value in scope.items():
            if name == RESERVED_KEY:
                raise SandboxError(f"script assigns to {name!r}, a name the stored workflow "
                                   "state reserves for dates and ids: rename the variable")
            if not name.startswith("_") and name not in injected:
                _storable(value, "script left %r", name)
        for name in [name for name in context if name not in scope]:
            del context[name]  # the script ran ``del name``
        for name, value in scope.items():
            if name.startswith("_") or name in injected:
                continue
            if callable(value):
                context.pop(name, None)
            else:
                context[name] = value

    def pool(self) -> Any:
        """The worker pool (started on first use); ``isolated=False`` runs here instead."""
        if not self.isolated:
            return _InProcess(self)
        with self._pool_lock:
            if self._pool is None:
                from engine.sandbox_worker import shared_pool

                self._pool = shared_pool(self.functions, self.time_limit, self.memory_limit_mb)
            return self._pool

    def close(self) -> None:
        """Let go of the worker pool; it is shared by every environment with the same
        functions and limits in this process, and stopped when the process exits."""
        with self._pool_lock:
            self._pool = None

    def _here(self, source: str, mode: str) -> bool:
        return not self.isolated or _cheap(source, mode, self._names)

    def _refuse_shadowing(
        self, context: Mapping[str, Any], external: Mapping[str, Any], what: str
    ) -> None:
        clash = sorted((set(self.functions) | set(external)) & set(context))
        if clash:
            raise SandboxError(f"{what}: task data {', '.join(clash)} shadows a provided "
                               "function: rename the field or variable")

    def _run(self, code: CodeType, scope: dict[str, Any], what: str) -> Any:
        deadline = _Deadline(self.time_limit)
        scope["_tick_"] = deadline.tick
        previous = sys.gettrace()
        sys.settrace(deadline.on_call)
        try:
            return eval(code, scope)  # restricted code in a scope of guards and allowed names
        except BaseException as exc:
            # Untrace before anything else, or our own handling could time out half-way.
            sys.settrace(previous)
            if isinstance(exc, _TimeUp):
                raise SandboxError(
                    f"{what} exceeded the time limit of {self.time_limit:g} s") from None
            if isinstance(exc, MemoryError):
                raise SandboxError(
                    f"{what} exceeded the memory limit of {self.memory_limit_mb} MB") from None
            if isinstance(exc, SandboxError) or not isinstance(exc, Exception):
                raise
            line = _diagram_line(exc.__traceback__)
            where = f" at line {line}" if line else ""
            raise SandboxError(f"{what} failed{where}: {type(exc).__name__}: {exc}") from exc
        finally:
            sys.settrace(previous)


class _InProcess:
    """The pool's interface, run in this process: for an environment with ``isolated=False``."""

    def __init__(self, env: SandboxEnvironment) -> None:
        self.env = env

    def evaluate(
        self, source: str, context: dict[str, Any], external: Mapping[str, Any], what: str
    ) -> Any:
        return self.env.evaluate_here(source, context, external, what)

    def execute(
        self, script: str, context: dict[str, Any], external: Mapping[str, Any]
    ) -> dict[str, Any]:
        changed = dict(context)
        self.env.execute_here(script, changed, external)
        return changed


def _storable(value: Any, what: str, *args: object) -> Any:
    """``value``, unless it could not be stored as case data: what a script leaves, and an
    expression's value (a thrown message's payload becomes the catching task's data). It runs
    for every gateway condition, so ``what % args`` is formatted only for the error.

    Raises:
        SandboxError: ``what % args`` (say, "script left 'x'") and the problem: nested too
            deep, too large, or holding the state's reserved key.
    """
    if isinstance(value, _SHAPED):
        problem = shape_problem(value)
        if problem is not None:
            raise SandboxError(f"{what % args} {problem}: it cannot be stored")
    return value


@lru_cache(maxsize=4096)
def _cheap(source: str, mode: str, names: frozenset[str]) -> bool:
    return is_cheap(source, mode, names)


def _diagram_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
