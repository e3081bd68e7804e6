"""Commands that open the archive to readers: the holding archive's name, redaction, and the published site."""

from __future__ import annotations

import getpass

import click

from pipeline import database
from pipeline.cli.base import Context, cli, interview_id
from pipeline.i18n import _, ngettext
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
    if current:
        click.echo(_("Holding archive: {name}.").format(name=current))
    else:
        click.echo(_("No holding archive is set: `loike archive-name NAME`."))


def seconds(text: str) -> float:
    """ "01:02:05", "62:05" or "3725.5" → seconds; click turns the ValueError into a usage error."""
    parts = str(text).strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(text)
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


class TimeCode(click.ParamType):
    name = "HH:MM:SS"

    def convert(self, value, param, ctx):
        try:
            return seconds(value)
        except ValueError:
            self.fail(_("{value!r} is not a time: give HH:MM:SS, e.g. 00:12:30.").format(value=value), param, ctx)


@cli.command()
@click.argument("interview")
@click.option("--from", "start", type=TimeCode(), help="Where the closed passage starts (HH:MM:SS).")
@click.option("--to", "end", type=TimeCode(), help="Where it ends (HH:MM:SS).")
@click.option("--reason", help="Why it is closed (kept in the redaction log).")
@click.option("--until", help="The last day it stays closed (DD/MM/YYYY); it opens by itself after it.")
@click.option("--editor", default=lambda: getpass.getuser(), help="Who closes it [default: your user name].")
@click.option("--list", "listing", is_flag=True, help="List the interview's closed passages instead.")
@click.option("--withdraw", type=int, metavar="N", help="Open passage N again before its date (closed by mistake).")
@click.pass_obj
def redact(obj: Context, interview, start, end, reason, until, editor, listing, withdraw) -> None:
    """Close a passage of INTERVIEW to the public until a date: every public output (exports, quotes, clips, the
    published site, package --only-publishable) carries "[đoạn bị hạn chế đến DD/MM/YYYY]" instead of its words
    and silence instead of its sound; the archive keeps everything."""
    from pipeline.desk import for_readers

    db = obj.database()
    found = interview_id(db, interview)
    if withdraw is not None:
        opened = for_readers.withdraw(db, withdraw, editor)
        click.echo(
            _("Passage {number} is open again (withdrawn by {editor}); the log keeps it.").format(
                number=opened.id, editor=editor
            )
        )
    elif not listing:
        if start is None or end is None or not reason or not until:
            raise click.UsageError(_("Give --from, --to, --reason and --until (or --list)."))
        made = for_readers.close_span(db, interview, start, end, reason, until, editor)
        click.echo(_("Closed passage {number}: {passage}.").format(number=made.id, passage=describe(made)))
    for r in database.redactions(db, found):
        withdrawn = _("(withdrawn by {editor})").format(editor=r.withdrawn_by) if r.withdrawn_at else ""
        click.echo(f"{r.id}  {describe(r)}" + (f"  {withdrawn}" if withdrawn else ""))


def describe(r) -> str:
    from pipeline.publishing.transcript import clock
    from pipeline.text import date_vn

    return _("{start}–{end} until {day}, by {editor}: {reason}").format(
        start=clock(r.start), end=clock(r.end), day=date_vn(r.until), editor=r.editor, reason=r.reason
    )


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--interview", "codes", multiple=True, help="Only this interview (code or number); repeatable.")
@click.option("--audio-format", type=click.Choice(["mp3", "opus"]), default="mp3", show_default=True)
@click.pass_obj
def publish(obj: Context, dest, codes, audio_format) -> None:
    """Write the interviews cleared for publication into DEST as a site for readers (works from a USB stick or any
    web host): each with its audio, text, index and citation, closed passages replaced; search across all."""
    from pathlib import Path

    from pipeline.publishing import site

    report = site.publish(obj.database(), obj.archive, Path(dest), list(codes) or None, audio_format)
    published = ngettext(
        "Published {count} interview into {dest}", "Published {count} interviews into {dest}", len(report.published)
    ).format(count=len(report.published), dest=report.dest)
    made = ngettext(
        "{count} access copy made, the rest reused", "{count} access copies made, the rest reused", report.audio_made
    ).format(count=report.audio_made)
    click.echo(
        _("{published} ({made}); open {page}.").format(published=published, made=made, page=report.dest / "index.html")
    )
    if report.left_out:
        click.echo(_("Left out, not cleared for publication: {codes}.").format(codes=", ".join(report.left_out)))
    if report.removed:
        click.echo(
            ngettext(
                "Removed {count} file of interviews no longer published.",
                "Removed {count} files of interviews no longer published.",
                report.removed,
            ).format(count=report.removed)
        )
    for problem in report.failed:
        click.echo(_("Not published: {problem}").format(problem=problem), err=True)
    if report.failed:
        raise SystemExit(1)
