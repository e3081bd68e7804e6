"""Commands for editors' accounts: editors add, list, remove (who may change the archive in a shared review app)."""

from __future__ import annotations

from datetime import datetime

import click

from pipeline.cli.base import Context, cli
from pipeline.i18n import _


@cli.group("editors", invoke_without_command=True)
@click.pass_context
def editors_group(ctx: click.Context) -> None:
    """Editors' accounts for `loike serve --host …`: once any exists, editors sign in as themselves there."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(editors_list)


@editors_group.command("add")
@click.argument("name")
@click.password_option("--password", prompt="Password", help="Asked twice, hidden, when not given.")
@click.pass_obj
def editors_add(obj: Context, name: str, password: str) -> None:
    """Give editor NAME an account (the password is kept only as a salted hash)."""
    from pipeline.desk import accounts

    account = accounts.add(obj.database(), name, password)
    click.echo(
        _("{name} can now sign in to the review app when it is shared with `loike serve --host …`.").format(
            name=account.name
        )
    )


@editors_group.command("list")
@click.pass_obj
def editors_list(obj: Context) -> None:
    """List the editors' accounts."""
    from pipeline import database

    found = database.editor_accounts(obj.database())
    if not found:
        click.echo(_("No editor has an account: `loike editors add NAME` makes one."))
    for account in found:
        since = datetime.fromisoformat(account.created_at).strftime("%d/%m/%Y")
        click.echo(_("{name}  (since {date})").format(name=account.name, date=since))


@editors_group.command("remove")
@click.argument("name")
@click.pass_obj
def editors_remove(obj: Context, name: str) -> None:
    """Remove editor NAME's account: a browser signed in with it is signed out; what NAME did stays in the history."""
    from pipeline.desk import accounts

    accounts.remove(obj.database(), name)
    click.echo(_("{name}'s account is removed.").format(name=name))
