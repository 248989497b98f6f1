"""Write docs/rules.md from the diagrams of every package (and ../shared/DOMAIN.md).

Run: ``python scripts/rules_doc.py`` (``--check`` exits 1 when docs/rules.md is out of date).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflows.packages import PACKAGES, package_files  # noqa: E402
from workflows.policy import load_rules, rules_markdown  # noqa: E402

TARGET = ROOT / "docs" / "rules.md"


def render() -> str:
    return rules_markdown({p.name: package_files(p) for p in PACKAGES.values()}, load_rules())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/rules.md is out of date: run python scripts/rules_doc.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
