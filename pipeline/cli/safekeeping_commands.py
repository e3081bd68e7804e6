"""Commands that keep the archive safe: log, verify, backup, rebuild."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
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
    """Show what was done to INTERVIEW, oldest first: its recording taken in, transcribed, checked (the log is
    append-only), and what editors did (saved, verified, split, merged, quotes made), who and when."""
    db = obj.database()
    found = database.interview(db, interview)
    if not found:
        raise click.ClickException(
            _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=interview)
        )
    lines = [
        (
            event.at,
            _(LOG_ACTIONS.get(event.action, event.action)),
            f"{_(OUTCOMES.get(event.outcome, event.outcome))}  {event.tool or ''}  {event.detail or ''}",
        )
        for event in database.recording_log(db, found.recording_id)
    ]
    lines += [
        (action.at, _(LOG_ACTIONS.get(action.action, action.action)), editor_detail(action))
        for action in database.editor_actions(db, found.id)
    ]
    width = max((len(action) for _at, action, _detail in lines), default=0)
    for at, action, detail in sorted(lines, key=lambda line: line[0]):
        click.echo(f"{datetime_vn(at)}  {action:<{width}}  {detail}".rstrip())


LOG_ACTIONS = {
    "ingested": N_("taken in"),
    "probed": N_("examined"),
    "normalised": N_("normalised"),
    "transcribed": N_("transcribed"),
    "retranscribe": N_("transcribed again"),
    "metadata": N_("metadata"),
    "consent": N_("consent"),
    "verified": N_("verified"),
    "failed": N_("failed"),
    "problem": N_("problem"),
    "saved": N_("saved"),
    "unverified": N_("unverified"),
    "split": N_("split"),
    "merged": N_("merged"),
    "tagged": N_("tagged"),
    "untagged": N_("untagged"),
    "restored": N_("restored"),
    "quote_made": N_("quote made"),
}
"""What `loike log` calls each thing done (the database keeps the English word)."""
OUTCOMES = {"ok": N_("ok"), "error": N_("error"), "narrowed": N_("narrowed")}


def editor_detail(action) -> str:
    where = _("line {line}").format(line=action.line) if action.line else ""
    return "  ".join(part for part in (action.editor or _("someone"), where, action.detail or "") if part)


def datetime_vn(at: str) -> str:
    """A stored time (ISO, UTC or local) as people read it: dd/mm/yyyy hh:mm."""
    return datetime.fromisoformat(at).strftime("%d/%m/%Y %H:%M")


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
        _("Backed up to {path} ({size:,} bytes), integrity checked.").format(path=written, size=written.stat().st_size)
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
