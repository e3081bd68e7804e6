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
from pipeline.i18n import N_, _, ngettext


@cli.command("log")
@click.argument("interview")
@click.pass_obj
def log_command(obj: Context, interview: str) -> None:
    """Show what was done to INTERVIEW's recording, oldest first (the log is append-only)."""
    from datetime import datetime

    db = obj.database()
    found = database.interview(db, interview)
    if not found:
        raise click.ClickException(
            _("There is no interview {interview!r}: `loike status` lists the interview codes.").format(
                interview=interview
            )
        )
    for event in database.recording_log(db, found.recording_id):
        when = datetime.fromisoformat(event.at).strftime("%d/%m/%Y %H:%M")
        click.echo(f"{when}  {event.action:<12} {event.outcome:<5}  {event.tool or ''}  {event.detail or ''}")


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
            click.echo(f"{_(FINDINGS.get(finding.kind, finding.kind))}: {finding.message}")
        checked = _("{originals} originals and {derivatives} interviews' derivatives checked: ").format(
            originals=report.originals, derivatives=report.derivatives
        )
        problems = len(report.findings)
        click.echo(
            checked
            + (
                _("all well.")
                if report.ok
                else ngettext("{count} problem.", "{count} problems.", problems).format(count=problems)
            )
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
    click.echo(
        _("Backed up to {written} ({st_size:,} bytes), integrity checked.").format(
            written=written, st_size=written.stat().st_size
        )
    )


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
    rebuilt = ngettext("{count} WAV rebuilt", "{count} WAVs rebuilt", len(report.audio)).format(count=len(report.audio))
    click.echo(rebuilt + ("; " + _("sheets: {path}").format(path=report.sheets) if report.sheets else "."))
    sys.exit(1 if report.skipped else 0)


FINDINGS = {"changed": N_("changed"), "missing": N_("missing"), "untracked": N_("untracked"), "damaged": N_("damaged")}
"""What `loike verify` calls each kind of finding (--json gives the English word)."""
