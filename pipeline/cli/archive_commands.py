"""Commands that open the archive to readers: the holding archive's name, redaction, and the published site."""

from __future__ import annotations

import click

from pipeline import database
from pipeline.cli.base import Context, cli
from pipeline.text import nfc


@cli.command("archive-name")
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Forget the name.")
@click.pass_obj
def archive_name(obj: Context, name: str | None, clear: bool) -> None:
    """Set (or show) the name of the archive that holds the interviews, which every citation names."""
    db = obj.database()
    if name or clear:
        with database.writing(db):
            database.set_archive_setting(db, database.HOLDING_ARCHIVE, None if clear else nfc(name or "") or None)
    current = database.holding_archive(db)
    click.echo(f"Holding archive: {current}." if current else "No holding archive is set: `loike archive-name NAME`.")
