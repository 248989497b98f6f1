"""What the modeller's pages and endpoints share: the workspace and the rule coverage."""

from __future__ import annotations

from typing import Any

from engine import NotFoundError
from web.context import engine
from workflows.modeller import Workspace
from workflows.policy import citations, load_rules

__all__ = ["coverage", "package_or_404", "workspace"]


def workspace() -> Workspace:
    return Workspace(engine())


def package_or_404(package: str) -> Workspace:
    ws = workspace()
    if package not in ws.catalogue.package_names():
        raise NotFoundError(f"no package {package!r} is deployed: deploy it once first")
    return ws


def coverage(ws: Workspace) -> dict[str, Any]:
    """Which rules the deployed diagrams implement, which none does, which cited ids are unknown."""
    rules = load_rules()
    cited: dict[str, list[Any]] = {}
    for package in ws.catalogue.package_names():
        for c in citations(ws.deployed_files(package)):
            cited.setdefault(c.rule_id, []).append((package, c))
    return {
        "rules": rules,
        "cited": dict(sorted(cited.items())),
        "uncovered": [r for rid, r in rules.items() if rid not in cited],
        "unknown": {rid: cs for rid, cs in cited.items() if rules and rid not in rules},
        "have_rules": bool(rules),
    }
