"""Check a package as a deployment would, without storing anything (the modeller's save check)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.definitions import _check_files, _parse
from engine.exceptions import DeploymentError
from engine.handlers import HandlerRegistry

__all__ = ["check_package"]


def check_package(files: Mapping[str, bytes], registry: HandlerRegistry | None) -> list[str]:
    """The problems a deploy of ``files`` would refuse with (empty when it would deploy)."""
    try:
        _parse(_check_files(files), registry)
    except DeploymentError as exc:
        return [str(exc)]
    return []
