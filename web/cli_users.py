"""``redress users``: accounts from the command line, the first administrator included.

Production has no demo accounts, so the first administrator is made here. Passwords are never
taken from the command line (it lands in shell history and ``ps``): they are asked for at a
hidden prompt, or read from the first line of stdin with ``--password-stdin`` for scripts.
"""

from __future__ import annotations

import sys

import click

from engine import Engine
from web.cli_errors import friendly
from workflows import migrations
from workflows.roles import ROLE_IDS, is_system_role
from workflows.users import User, Users

__all__ = ["users_group"]

_ROLE = click.Choice(ROLE_IDS)



def _users(ctx: click.Context) -> Users:
    engine: Engine = ctx.obj["engine_factory"]()
    ctx.call_on_close(engine.close)
    migrations.include(engine)
    engine.init_db()  # the first admin is often the first command run on a new database
    return Users(engine)


def _account(users: Users, username: str) -> User:
    found = users.by_username(username)
    if found is None:
        raise click.ClickException(f"no account is named {username!r} (see `redress users list`)")
    return found


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.ClickException("--password-stdin: stdin gave no password")
        return line
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


_STDIN = click.option("--password-stdin", "from_stdin", is_flag=True,
                      help="Read the password from the first line of stdin (no prompt).")


@click.group("users")
def users_group() -> None:
    """People and system accounts: add, set a password or roles, mint a system token."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=_ROLE,
              help="A role to hold (repeat for several).")
@click.option("--name", "display_name", default="", help="Display name (default: username).")
@click.option("--system", is_flag=True,
              help="A system account (another service): no password, signs in by token only.")
@_STDIN
@click.pass_context
@friendly
def add(ctx: click.Context, username: str, roles: tuple[str, ...], display_name: str,
        system: bool, from_stdin: bool) -> None:
    """Add an account; a person's password is asked for (or read from stdin)."""
    if system and not all(is_system_role(r) for r in roles):
        raise click.ClickException("--system: a system account holds only system roles "
                                   "(integration)")
    users = _users(ctx)
    password = None if system else _password(from_stdin)
    made = users.create(username, display_name=display_name, roles=roles, password=password)
    kind = "system account" if system else "account"
    click.echo(f"added {kind} {made.username} ({', '.join(made.roles)})")


@users_group.command("passwd")
@click.argument("username")
@_STDIN
@click.pass_context
@friendly
def passwd(ctx: click.Context, username: str, from_stdin: bool) -> None:
    """Set a person's password; every session they had is signed out."""
    users = _users(ctx)
    found = _account(users, username)
    users.set_password(found.id, _password(from_stdin))
    click.echo(f"password of {username} changed")


@users_group.command("roles")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True, type=_ROLE)
@click.pass_context
@friendly
def roles(ctx: click.Context, username: str, roles: tuple[str, ...]) -> None:
    """Replace an account's roles with ROLES."""
    users = _users(ctx)
    changed = users.set_roles(_account(users, username).id, roles)
    click.echo(f"{username} now holds {', '.join(changed.roles)}")


@users_group.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.pass_context
@friendly
def token(ctx: click.Context, username: str, name: str) -> None:
    """Mint an API token for a system account and print it once."""
    users = _users(ctx)
    issued = users.issue_token(_account(users, username).id, name, system_only=True)
    click.echo(f"token {issued.token.prefix}… for {username} (shown once; store it now):",
               err=True)
    click.echo(issued.secret)


@users_group.command("list")
@click.pass_context
@friendly
def list_(ctx: click.Context) -> None:
    """Every account with its roles."""
    for found in _users(ctx).all():
        state = "" if found.active else "  (disabled)"
        kind = "system" if found.is_system else "person"
        click.echo(f"{found.username:<24} {kind:<7} {', '.join(found.roles)}{state}")


@users_group.command("disable-demo")
@click.pass_context
@friendly
def disable_demo(ctx: click.Context) -> None:
    """Disable every demo account (published passwords) and revoke its tokens."""
    names = _users(ctx).disable_demo_accounts()
    click.echo(f"disabled {len(names)} demo account(s){': ' if names else ''}{', '.join(names)}")
