"""Demo data for ``redress serve --demo``: every package deployed, one user per role.

Idempotent: run it at every start. Deploying identical files changes nothing and users are set
back to their demo roles and passwords. The accounts are marked ``demo``: their passwords are
published, so production (``REDRESS_ENV=production``) refuses to seed them and refuses to start
while any is active. No token is made or printed here: a secret printed at every start ends up
in logs; ``redress users token postroom`` mints one on request, shown once.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

from engine import Engine
from workflows import migrations
from workflows.environment import is_production
from workflows.roles import ROLES, start_page
from workflows.users import Users

__all__ = ["DEMO_INTEGRATION_USER", "DemoRefused", "demo_password", "deploy_packages",
           "seed_demo"]

DEMO_INTEGRATION_USER = "postroom"


class DemoRefused(RuntimeError):
    """Demo accounts were asked for in production."""
_PACKAGE_NAMES = ("COMPLAINTS_PACKAGE", "CSA_PACKAGE", "HMRC_PACKAGE")


def demo_password(role_id: str) -> str:
    return f"{role_id}-demo"


def _packages_module() -> ModuleType | None:
    try:
        return import_module("workflows.packages")
    except ModuleNotFoundError as exc:
        if exc.name != "workflows.packages":
            raise
        return None


def _package_name(package: Any) -> str:
    return str(getattr(package, "name", None) or package)


def deploy_packages(engine: Engine) -> list[str]:
    """Deploy every package in ``workflows.packages``; one printable line per package."""
    module = _packages_module()
    if module is None:
        return ["! no packages deployed: workflows/packages.py is missing"]
    lines = []
    for attribute in _PACKAGE_NAMES:
        package = getattr(module, attribute, None)
        if package is None:
            lines.append(f"! {attribute} is not defined in workflows/packages.py")
            continue
        record = engine.deploy(module.package_files(package), name=_package_name(package),
                               user="demo")
        versions = ", ".join(f"{p} v{v}" for p, v in sorted(record.processes.items()))
        state = "deployed" if record.created else "already deployed"
        lines.append(f"{state}: {_package_name(package)} ({versions})")
    return lines


def seed_demo(engine: Engine) -> list[str]:
    """Deploy the packages and create the demo users; return lines to print at start-up.

    Raises:
        DemoRefused: ``REDRESS_ENV=production``.
    """
    if is_production():
        raise DemoRefused("demo accounts are refused in production (REDRESS_ENV=production): "
                          "make the first administrator with `redress users add NAME --role admin`")
    if migrations.include(engine):
        engine.init_db()
    lines = deploy_packages(engine)
    users = Users(engine)
    width = max(len(r.name) for r in ROLES)
    for role in ROLES:
        if role.kind == "system":
            continue
        users.ensure(role.id, display_name=f"Demo {role.name.lower()}", roles=[role.id],
                     password=demo_password(role.id), demo=True)
        lines.append(f"{role.name:<{width}}  {role.id} / {demo_password(role.id)}"
                     f"  → starts at {start_page([role.id])}")
    users.ensure(DEMO_INTEGRATION_USER, display_name="Post room (demo system account)",
                 roles=["integration"], demo=True)
    lines.append(f"{'Integration (system account)':<{width}}  {DEMO_INTEGRATION_USER}: "
                 f"mint a token with `redress users token {DEMO_INTEGRATION_USER} --name demo`"
                 "  → /api/docs")
    return lines
