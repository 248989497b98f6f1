"""What a package asks of a new case before it starts (issue 10, finding 8).

The engine starts any process with any business key and data; a complaint journey is stricter:

* one open case per complaint reference and package: a second start while the first is still
  active or suspended is refused (409) and names the open case, so a double intake is seen
  instead of two teams working the same complaint;
* a package that declares a division field needs a UK division the working-day calendar
  knows (422 listing them): an unknown one would only fail weeks later, at the first timer.

A race of two starts at the same moment can still make two cases (the check is a read); the
idempotency key covers the usual cause, a repeated request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import ConflictError, Engine, ValidationError
from engine.calendar import DIVISIONS, parse_division
from workflows.packages import PACKAGES, Package

__all__ = ["OpenCaseExists", "check_start", "package_of"]

_OPEN = ("active", "suspended")


class OpenCaseExists(ConflictError):
    """Another case with this business key is open in the same package."""

    def __init__(self, message: str, instance_id: int) -> None:
        super().__init__(message)
        self.instance_id = instance_id


def package_of(process_id: str) -> Package | None:
    return next((p for p in PACKAGES.values() if p.entry_process == process_id), None)


def check_start(
    engine: Engine, process_id: str, business_key: str, data: Mapping[str, Any]
) -> None:
    """Refuse a start the package does not allow.

    Raises:
        OpenCaseExists: a case with ``business_key`` is open in the package (409).
        ValidationError: the division is not a known UK division (422).
    """
    package = package_of(process_id)
    if package is None:
        return
    if package.division_field and package.division_field in data:
        value = data[package.division_field]
        try:
            parse_division(str(value))
        except ValueError:
            known = ", ".join(DIVISIONS)
            raise ValidationError(
                f"{package.division_field} {value!r} is not a UK division: use one of {known}",
                [f"{package.division_field}: {value!r} is not one of {known}"],
            ) from None
    for status in _OPEN:
        for found in engine.instances(
            business_key=business_key, status=status, process_id=process_id, limit=1
        ):
            raise OpenCaseExists(
                f"case {business_key} is already open as instance {found.id} ({status}); "
                "continue that case or close it first",
                found.id,
            )
