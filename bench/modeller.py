"""Modeller readiness: time until the largest diagram is drawn and the properties panel usable.

Starts Redress (SQLite, demo users, the packages deployed) on a local port, signs in as the
analyst in Debian's chromium and opens the largest .bpmn of every package in the modeller. A
run is "ready" when bpmn-js has imported and drawn the diagram, linted it, and the properties
panel shows the element a click selected. Prints the median and worst of ``--runs`` cold page
loads (browser cache off) and the size of each front-end bundle (raw and gzip).

Run: ``python bench/modeller.py [--runs 5]``. Goal: ready in under 2 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

import workflows.users  # noqa: E402
from engine import SimulatedClock  # noqa: E402
from web.app import create_app  # noqa: E402
from workflows.bootstrap import build_engine  # noqa: E402
from workflows.demo import demo_password, seed_demo  # noqa: E402
from workflows.packages import PACKAGES  # noqa: E402

BUILD = ROOT / "web" / "static" / "build"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
GOAL_MS = 2000


def largest_diagram() -> tuple[str, str, int]:
    """(package, file name, bytes) of the biggest diagram of any package."""
    found = []
    for package in PACKAGES.values():
        for rel in package.files:
            if rel.endswith(".bpmn"):
                path = ROOT / "bpmn" / rel
                found.append((package.name, path.name, path.stat().st_size))
    return max(found, key=lambda f: f[2])


def bundles() -> dict[str, dict[str, int]]:
    sizes = {}
    for path in sorted(BUILD.glob("*.js")) + sorted(BUILD.glob("*.css")):
        raw = path.read_bytes()
        sizes[path.name] = {"bytes": len(raw), "gzip": len(gzip.compress(raw, 6))}
    return sizes


def measure(url: str, path: str, runs: int, phases: list[dict[str, int]]) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{url}/login")
            page.fill("#username", "analyst")
            page.fill("#password", demo_password("analyst"))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/deployments")
            page.goto(f"{url}{path}")
            page.wait_for_selector("#modeller[data-ready]", timeout=30000)
            page.wait_for_function(
                "() => document.querySelector('#modeller').dataset.lintIssues !== undefined")
            page.evaluate("""() => { const m = window.redressModeler;
                const task = m.get('elementRegistry').filter(e => e.type === 'bpmn:UserTask')[0];
                m.get('selection').select(task); }""")
            page.wait_for_selector(".bio-properties-panel-header-label")
            times.append(page.evaluate("() => performance.now()"))
            script = page.evaluate("""() => performance.getEntriesByType('resource')
                .find(e => e.name.endsWith('/modeller.js')).responseEnd""")
            phases.append({"script_loaded": round(script), "import_ms": int(
                page.locator("#modeller").get_attribute("data-ready") or 0)})
            context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run (the test suite's smoke)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--pg", help="ignored: the modeller bench runs on SQLite")
    parser.add_argument("--no-pg", action="store_true", help="ignored")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    workflows.users.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    package, filename, size = largest_diagram()
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(f"sqlite:///{tmp}/bench.db",
                              clock=SimulatedClock(datetime(2026, 3, 27, 9, tzinfo=UTC)))
        engine.init_db()
        seed_demo(engine)
        server = make_server("127.0.0.1", 0, create_app(engine, test_mode=True,
                                                        config={"SECRET_KEY": "bench"}),
                             threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            phases: list[dict[str, int]] = []
            times = measure(f"http://127.0.0.1:{server.server_port}",
                            f"/modeller/{package}/edit/{filename}", runs, phases)
        finally:
            server.shutdown()
            engine.close()
    result: dict[str, Any] = {
        "diagram": {"package": package, "file": filename, "bytes": size},
        "ready_ms": {"median": round(statistics.median(times)), "worst": round(max(times)),
                     "runs": [round(t) for t in times]},
        "phases": phases,
        "goal_ms": GOAL_MS,
        "bundles": bundles(),
    }
    print(f"largest diagram: {package}/{filename} ({size:,} bytes)")
    print(f"ready (drawn, linted, panel showing a selection) over {runs} cold loads "
          f"(new browser context each): median {result['ready_ms']['median']} ms, "
          f"worst {result['ready_ms']['worst']} ms (goal < {GOAL_MS} ms)")
    print(f"  phases per run (script loaded at, fetch+import took): "
          f"{result['phases']}")
    for name, s in result["bundles"].items():
        print(f"  {name:28} {s['bytes'] / 1024:8.0f} KiB   gzip {s['gzip'] / 1024:6.0f} KiB")
    if args.out:
        args.out.write_text(json.dumps({**result, "machine": {"cpus": 2}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
