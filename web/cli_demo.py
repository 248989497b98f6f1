"""``redress demo-data``: fill an empty database with a quarter of synthetic complaints.

Kept beside ``web/cli.py`` and registered there with one line.
"""

from __future__ import annotations

import os
import time

import click
from sqlalchemy import func, select

from engine import SimulatedClock
from engine.tables import process_instances
from workflows.bootstrap import build_engine, database_url
from workflows.demo import deploy_packages
from workflows.demo_data import generate

__all__ = ["demo_data"]


@click.command("demo-data")
@click.option("--count", default=150, show_default=True, help="CMS, CSA and HMRC complaints.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any case already exists.")
def demo_data(count: int, if_empty: bool) -> None:
    """Drive synthetic complaints through the real diagrams over the last 91 days."""
    if os.environ.get("REDRESS_ENV", "").strip().lower() == "production":
        raise click.ClickException("demo data is refused in production (REDRESS_ENV=production)")
    if count < 1 or count > 5000:
        raise click.ClickException("--count must be between 1 and 5000")
    engine = build_engine(database_url(), clock=SimulatedClock(), run_jobs_inline=True)
    try:
        engine.init_db()
        with engine.reads.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(process_instances))
            cases = int(existing.scalar_one())
        if if_empty and cases:
            click.echo(f"demo data: skipped, the database already holds {cases} cases")
            return
        for line in deploy_packages(engine):
            click.echo(line)
        click.echo(f"demo data: {count} synthetic complaints over the last quarter ...")
        began = time.monotonic()
        report = generate(engine, count=count, progress=click.echo)
        click.echo(
            f"demo data: {report.started} complaints "
            f"({', '.join(f'{d} {n}' for d, n in sorted(report.by_department.items()))}), "
            f"{report.steps} steps, {report.cancelled} cancelled, {report.incidents} incident, "
            f"{report.failed} stories stopped early, in {time.monotonic() - began:.0f} s")
    finally:
        engine.close()
