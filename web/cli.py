"""``redress`` command line: set up the database, deploy, work tasks, run the scheduler or server.

Every user mistake prints one line on stderr and exits 1; no traceback.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from engine import Engine
from engine.scheduler import EngineScheduler
from web.cli_demo import demo_data
from web.cli_errors import friendly
from web.cli_users import users_group
from workflows.bootstrap import build_engine
from workflows.environment import is_production


def _test_mode() -> bool:
    return os.environ.get("REDRESS_TEST_MODE", "").strip().lower() in {"1", "true", "yes"}


def _engine(ctx: click.Context) -> Engine:
    engine: Engine = ctx.obj["engine_factory"]()
    ctx.call_on_close(engine.close)  # release pooled connections when the command ends
    return engine


@click.group()
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL; default: SQLite in instance/.",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """Redress: complaint journeys as BPMN, executed durably."""
    ctx.ensure_object(dict)
    if database_url:
        os.environ["DATABASE_URL"] = database_url  # the web app builds its engine from it
    ctx.obj["engine_factory"] = lambda: build_engine(database_url)


@main.command("init-db")
@click.pass_context
@friendly
def init_db(ctx: click.Context) -> None:
    """Create or upgrade the database schema."""
    _engine(ctx).init_db()
    click.echo("database is up to date")


def _collect(paths: Iterable[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise click.ClickException(f"{raw}: no such file or folder")
        found = (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*") if p.suffix in {".bpmn", ".dmn", ".json"})
        )
        for item in found:
            files[item.name] = item.read_bytes()
    return files


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--name", default=None, help="Deployment name (default: first path's name).")
@click.option("--user", default="analyst", show_default=True)
@click.pass_context
@friendly
def deploy(ctx: click.Context, paths: tuple[str, ...], name: str | None, user: str) -> None:
    """Deploy BPMN, DMN and form files (or folders of them) as a new version."""
    record = _engine(ctx).deploy(_collect(paths), name=name or Path(paths[0]).stem, user=user)
    state = "deployed" if record.created else "already deployed"
    versions = ", ".join(f"{p} v{v}" for p, v in sorted(record.processes.items()))
    click.echo(f"{state}: deployment {record.id} ({versions})")


@main.command()
@click.argument("process_id")
@click.option("--key", "business_key", required=True, help="Business key (complaint reference).")
@click.option("--data", default="{}", help="Start data as a JSON object.")
@click.option("--user", default="cli", show_default=True)
@click.pass_context
@friendly
def start(ctx: click.Context, process_id: str, business_key: str, data: str, user: str) -> None:
    """Start a process instance."""
    record = _engine(ctx).start(
        process_id, business_key=business_key, data=json.loads(data), user=user
    )
    click.echo(f"instance {record.id} {record.status} ({record.process_id} v{record.version})")


@main.command()
@click.option("--role", "roles", multiple=True, help="Only tasks in these lanes.")
@click.option("--assignee", default=None)
@click.option("--instance", "instance_id", type=int, default=None)
@click.pass_context
@friendly
def tasks(
    ctx: click.Context, roles: tuple[str, ...], assignee: str | None, instance_id: int | None
) -> None:
    """List open user tasks."""
    for t in _engine(ctx).tasks(roles=roles or None, assignee=assignee, instance_id=instance_id):
        due = t.due_at.date().isoformat() if t.due_at else "-"
        click.echo(f"{t.id}  {t.business_key:<14} {t.lane or '-':<24} {t.name}  due {due}")


@main.command()
@click.argument("task_id")
@click.option("--data", default="{}", help="Form data as a JSON object.")
@click.option("--user", required=True)
@click.option("--role", "roles", multiple=True, help="The user's roles (checked against the lane).")
@click.pass_context
@friendly
def complete(
    ctx: click.Context, task_id: str, data: str, user: str, roles: tuple[str, ...]
) -> None:
    """Complete a user task with form data."""
    record = _engine(ctx).complete(task_id, json.loads(data), user=user, roles=roles or None)
    click.echo(f"instance {record.id} is {record.status} (revision {record.revision})")


@main.command()
@click.option("--status", default=None)
@click.option("--key", "business_key", default=None)
@click.pass_context
@friendly
def instances(ctx: click.Context, status: str | None, business_key: str | None) -> None:
    """List process instances."""
    for i in _engine(ctx).instances(status=status, business_key=business_key, limit=1000):
        stage = i.summary.get("stage", "")
        click.echo(
            f"{i.id:>6}  {i.business_key:<14} {i.process_id} v{i.version}  {i.status}  {stage}"
        )


@main.command()
@click.option("--interval", default=1.0, show_default=True, help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="Run one round and exit.")
@click.pass_context
@friendly
def scheduler(ctx: click.Context, interval: float, once: bool) -> None:
    """Fire timers, run service-task jobs and deliver the outbox (its own process)."""
    loop = EngineScheduler(_engine(ctx), interval=interval)
    if once:
        click.echo(json.dumps(loop.tick()))
        return
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    click.echo(f"scheduler running every {interval}s; Ctrl-C to stop")
    try:
        while not stop["now"]:
            loop.tick()
            time.sleep(interval)
    except KeyboardInterrupt:
        pass


def make_wsgi_server(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server: a production WSGI server (Werkzeug's own is for development).

    ``ident`` replaces waitress's default ``Server: waitress`` so no product is named.
    """
    from waitress.server import create_server

    return create_server(app, host=host, port=port, threads=threads, ident="Redress")


def _run_server(app: Any, host: str, port: int, threads: int) -> None:
    make_wsgi_server(app, host, port, threads).run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int,
              help="Request threads of the WSGI server.")
@click.option(
    "--demo/--no-demo",
    default=False,
    show_default=True,
    help="Deploy the packages and create demo users for every role (refused in production).",
)
@click.pass_context
@friendly
def serve(ctx: click.Context, host: str, port: int, threads: int, demo: bool) -> None:
    """Run the web app with the scheduler inside (the embedded single-process mode)."""
    from web.app import create_app
    from workflows.demo import seed_demo

    if demo and is_production():
        raise click.ClickException(
            "--demo is refused in production (REDRESS_ENV=production): demo accounts have "
            "published passwords; make the first administrator with "
            "`redress users add NAME --role admin`")
    built = None if _test_mode() else _engine(ctx)
    if built is not None:
        built.init_db()  # before the app's production checks read the accounts
    app = create_app(engine=built)
    engine: Engine = app.extensions["redress"].engine
    engine.init_db()
    logins = seed_demo(engine) if demo else []
    loop = EngineScheduler(engine)
    loop.start()
    click.echo(f"Redress is running at http://{host}:{port}/")
    for login in logins:
        click.echo(f"  {login}")
    if not app.extensions["redress"].users.all():
        click.echo("  No accounts yet: make the first administrator with "
                   "`redress users add NAME --role admin`")
    try:
        _run_server(app, host, port, threads)
    finally:
        loop.shutdown()


main.add_command(users_group)
main.add_command(demo_data)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
