"""One way for every CLI command to turn a user's mistake into one clear line and exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from engine import RedressError

__all__ = ["friendly"]

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Report RedressError (with its field errors) and bad --data JSON as a ClickException."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RedressError as exc:
            errors = getattr(exc, "errors", [])
            detail = f" ({'; '.join(errors)})" if errors else ""
            raise click.ClickException(f"{exc}{detail}") from None
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"--data is not valid JSON: {exc.msg}") from None

    return run  # type: ignore[return-value]
