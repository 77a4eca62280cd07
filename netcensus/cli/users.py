"""`netcensus users`: accounts of the web UI and the REST API, and their API tokens."""

from __future__ import annotations

import getpass
import sys

import click

from netcensus.cli.common import console, emit, json_option, with_store
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Role
from netcensus.inventory.queries.users import list_tokens, list_users
from netcensus.web import accounts

ROLES = click.Choice([r.value for r in Role])


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group()
def users() -> None:
    """Accounts of the web UI and the REST API, each limited to a division subtree."""


@users.command("add")
@click.argument("username", metavar="NAME")
@click.option("--role", type=ROLES, required=True, help="admin, planner, security or viewer.")
@click.option("--scope", "scope_code", metavar="CODE",
              help="Division code the user is limited to (default: all).")  # fmt: skip
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--generate-password", is_flag=True,
              help="Make a random password and print it once.")  # fmt: skip
@with_store
def add(
    username: str,
    role: str,
    scope_code: str | None,
    password_stdin: bool,
    generate_password: bool,
    store: Store,
) -> None:
    """Add user NAME with role R, limited to the subtree of --scope CODE."""
    if password_stdin and generate_password:
        raise UserError("choose one of --password-stdin and --generate-password")
    if generate_password:
        password = accounts.generate_password()
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    with store.transaction() as session:
        accounts.create_user(
            session, username, role=role, scope_code=scope_code, password=password,
            actor=_cli_actor(),
        )  # fmt: skip
    where = f"division {scope_code} and below" if scope_code else "the whole country"
    console.print(f"added {role} {username!r}, limited to {where}")
    if generate_password:
        click.echo(f"password (shown once): {password}")


@users.command("list")
@json_option
@with_store
def list_command(as_json: bool, store: Store) -> None:
    """Every account with its role, scope and last login."""
    with store.session() as session:
        rows = [
            {
                "name": u.username,
                "role": u.role,
                "scope": u.scope_code or "(all)",
                "active": u.active,
                "last_login": u.last_login_at,
            }
            for u in list_users(session, per_page=None).items
        ]
    emit(rows, ["name", "role", "scope", "active", "last_login"], as_json=as_json)


@users.command("disable")
@click.argument("username", metavar="NAME")
@with_store
def disable(username: str, store: Store) -> None:
    """Stop NAME from logging in or using API tokens (history stays)."""
    with store.transaction() as session:
        accounts.disable_user(session, username, actor=_cli_actor())
    console.print(f"disabled {username!r}")


@users.command("token")
@click.argument("username", metavar="NAME")
@click.option("--name", "token_name", default="api", show_default=True, help="What it is for.")
@click.option("--days", type=int, default=90, show_default=True, help="Days until it expires.")
@with_store
def token(username: str, token_name: str, days: int, store: Store) -> None:
    """Issue an API token for NAME; the token is printed once and stored only as a hash."""
    with store.transaction() as session:
        issued, secret = accounts.issue_token(
            session,
            accounts.user_named(session, username),
            name=token_name,
            days=days,
            actor=_cli_actor(),
        )
        expires = issued.expires_at
    console.print(f"token for {username!r} expires {expires:%Y-%m-%d %H:%M} UTC")
    click.echo(secret)


@users.command("tokens")
@json_option
@with_store
def tokens(as_json: bool, store: Store) -> None:
    """Every API token (never the secret): owner, expiry, revocation, last use."""
    with store.session() as session:
        rows = [
            {
                "id": t.id,
                "user": t.username,
                "name": t.name,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
                "last_used_at": t.last_used_at,
            }
            for t in list_tokens(session, per_page=None).items
        ]
    emit(rows, ["id", "user", "name", "expires_at", "revoked_at", "last_used_at"], as_json=as_json)


@users.command("revoke-token")
@click.argument("token_id", type=int, metavar="ID")
@with_store
def revoke_token(token_id: int, store: Store) -> None:
    """Revoke API token ID at once."""
    with store.transaction() as session:
        accounts.revoke_token(session, token_id, actor=_cli_actor())
    console.print(f"revoked token {token_id}")
