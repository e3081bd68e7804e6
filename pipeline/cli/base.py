"""The `loike` group, the archive it works on, and what several commands print."""

from __future__ import annotations

import logging
import re
import sqlite3
import sys

import click

from pipeline import __version__, database, settings
from pipeline.errors import LoikeError
from pipeline.reports import RunReport


class Context:
    def __init__(self, root: str | None):
        self.archive = settings.archive(root)

    def database(self):
        if not self.archive.database.exists():
            raise click.ClickException(
                f"No archive database in {self.archive.transcripts}: run `loike run` first "
                "(or pass --root with the archive's folder)."
            )
        return database.open_database(self.archive.database)


class Group(click.Group):
    """The `loike` group: a failure no command foresaw, but that says what to do (an archive that cannot be opened,
    a database found damaged half-way through a command), becomes its one sentence instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
        except sqlite3.DatabaseError as error:
            if not database.is_damage(error) or not isinstance(ctx.obj, Context):
                raise
            raise click.ClickException(str(database.damaged(ctx.obj.archive.database, error))) from error


@click.group(cls=Group)
@click.version_option(__version__, prog_name="loike")
@click.option(
    "--root",
    envvar=settings.ROOT_ENV,
    type=click.Path(file_okay=False),
    help="Archive folder holding recordings/ and transcripts/ [default: current folder; env LOIKE_ROOT].",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
@click.pass_context
def cli(ctx: click.Context, root: str | None, verbose: bool) -> None:
    """Lời Kể: turn recorded interviews into reviewed, searchable Vietnamese transcripts."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    ctx.obj = Context(root)


def interview_id(db, key: str) -> int:
    found = database.interview(db, key)
    if not found:
        raise click.ClickException(f"There is no interview {key!r}: `loike status` lists the interview codes.")
    return found.id


class ProgressBar:
    """Audio time done / total (and, on a cluster, recordings), with an ETA, drawn only while there is work."""

    def __init__(self):
        self.bar = None
        self.done = 0
        self.recordings: tuple[int, int] | None = None

    def __enter__(self):
        return self

    def update(self, done: float, total: float, recordings: tuple[int, int] | None = None) -> None:
        self.recordings = recordings
        if self.bar is None:
            self.bar = click.progressbar(
                length=max(1, int(total)),
                label="Transcribing",
                show_eta=True,
                item_show_func=lambda _: self.shown(total),
                file=sys.stderr,
            )
            self.bar.__enter__()
        step = int(done) - self.done
        if step > 0 or recordings:  # on a cluster a recording done is news even when it added no second
            self.done = max(self.done, int(done))
            self.bar.update(max(step, 0), self.done)

    def shown(self, total: float) -> str:
        count = f"{self.recordings[0]}/{self.recordings[1]} recordings, " if self.recordings else ""
        return f"{count}{clock(self.done)} / {clock(total)}"

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def print_summary(report: RunReport) -> None:
    for relpath in report.still_copying:
        click.echo(f"{relpath} is still being copied: it will be taken on a later run.")
    for pair in report.duplicates:
        click.echo(f"Same recording under two names, kept once: {pair}.")
    for warning in report.warnings:
        click.echo(f"Warning: {warning.message}")
    for failure in report.failures:
        click.echo(f"Failed: {failure.message}", err=True)
    if report.did_nothing:
        click.echo(f"Nothing new: {report.found} recordings, all up to date.")
    else:
        click.echo(
            f"{report.found} recordings: {report.new} new, {report.transcribed} transcribed "
            f"({clock(report.audio_seconds)} of audio), {len(report.failures)} failed."
        )
    if report.waiting_for_metadata:
        click.echo(
            f"{report.waiting_for_metadata} interview(s) wait for metadata (chờ bổ sung thông tin): "
            "`loike status` says what is missing; `loike new RECORDING` writes a template."
        )
    if report.proposed:
        codes = ", ".join(sorted(report.proposed))
        click.echo(
            f"{sum(report.proposed.values())} speaker label(s) sound like people named in other interviews ({codes}): "
            "`loike speaker INTERVIEW` shows who they may be, `loike speaker INTERVIEW LABEL --accept` names one."
        )
    if report.unseparated:
        click.echo(
            f"{report.unseparated} recording(s) transcribed without telling speakers apart (chưa tách người "
            "nói): install the speaker model with pip install .[diarize], then `loike retranscribe INTERVIEW` labels "
            "one (an editor's corrections are kept)."
        )
    if report.sheets_dir:
        click.echo(f"Review sheets: {report.sheets_dir / 'index.html'}")


def highlighted(snippet: str) -> str:
    """Matched words (between ⟦ ⟧) in bold; click drops the styling when output is not a terminal."""
    return re.sub("⟦(.*?)⟧", lambda m: click.style(m.group(1), bold=True, fg="yellow"), snippet)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
