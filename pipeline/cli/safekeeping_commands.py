"""Commands that keep the archive safe: log, verify, backup, rebuild."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from pipeline import database
from pipeline.cli.base import Context, cli
from pipeline.errors import LoikeError


@cli.command("log")
@click.argument("interview")
@click.pass_obj
def log_command(obj: Context, interview: str) -> None:
    """Show what was done to INTERVIEW's recording, and the quotes deleted from it, oldest first (append-only)."""
    from datetime import datetime

    db = obj.database()
    found = database.interview(db, interview)
    if not found:
        raise click.ClickException(f"There is no interview {interview!r}: `loike status` lists the interview codes.")
    told = [(e.at, e.action, e.outcome, e.tool, e.detail) for e in database.recording_log(db, found.recording_id)]
    told += [
        (d.at, "quote", "deleted", d.editor, f"“{d.quote['text']}”") for d in database.quote_deletions(db, found.id)
    ]
    for at, action, outcome, who, detail in sorted(told, key=lambda line: line[0]):
        when = datetime.fromisoformat(at).strftime("%d/%m/%Y %H:%M")
        click.echo(f"{when}  {action:<12} {outcome:<5}  {who or ''}  {detail or ''}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def verify(obj: Context, as_json: bool) -> None:
    """Re-hash every original and normalised WAV: report changed, missing and untracked files."""
    from pipeline.safekeeping import fixity

    obj.database().close()  # the usual message when there is no archive yet
    try:
        report = fixity.verify(obj.archive)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps({**asdict(report), "ok": report.ok}, ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            click.echo(f"{finding.kind}: {finding.message}")
        click.echo(
            f"{report.originals} originals and {report.derivatives} interviews' derivatives checked: "
            + ("all well." if report.ok else f"{len(report.findings)} problem(s).")
        )
        if not report.logged:
            click.echo(
                f"This check could not be written to the recordings' log: {obj.archive.transcripts} is read-only."
            )
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("dest", type=click.Path())
@click.pass_obj
def backup(obj: Context, dest: str) -> None:
    """Copy the database safely (even while `loike run` works) into folder or file DEST."""
    from pipeline.safekeeping import fixity

    try:
        written = fixity.backup(obj.archive, Path(dest))
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {written} ({written.stat().st_size:,} bytes), integrity checked.")


@cli.command()
@click.option("--audio", "audio_only", is_flag=True, help="Only the normalised WAVs.")
@click.option("--sheets", "sheets_only", is_flag=True, help="Only the review sheets.")
@click.pass_obj
def rebuild(obj: Context, audio_only: bool, sheets_only: bool) -> None:
    """Make missing or altered normalised WAVs again from the originals, and re-render the sheets."""
    from pipeline.safekeeping import fixity

    obj.database().close()
    both = not (audio_only or sheets_only)
    try:
        report = fixity.rebuild(obj.archive, audio_files=audio_only or both, sheets=sheets_only or both)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    for line in report.skipped:
        click.echo(line, err=True)
    click.echo(f"{len(report.audio)} WAV(s) rebuilt" + (f"; sheets: {report.sheets}" if report.sheets else "."))
    sys.exit(1 if report.skipped else 0)
