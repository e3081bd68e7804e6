"""The `loike` group, the archive it works on, and what several commands print."""

from __future__ import annotations

import inspect
import logging
import re
import sqlite3
import sys

import click

from pipeline import __version__, database, i18n, settings
from pipeline.errors import InvalidEdit, LoikeError
from pipeline.i18n import _, ngettext
from pipeline.reports import RunReport


class Context:
    def __init__(self, root: str | None):
        self.archive = settings.archive(root)

    def database(self):
        if not self.archive.database.exists():
            raise click.ClickException(
                _(
                    "No archive database in {folder}: run `loike run` first (or pass --root with the archive's folder)."
                ).format(folder=self.archive.transcripts)
            )
        return database.open_database(self.archive.database)


class Group(click.Group):
    """The `loike` group: a failure no command foresaw, but that says what to do (an archive that cannot be opened,
    a database found damaged half-way through a command), becomes its one sentence instead of a traceback.

    It speaks the language chosen before anything is parsed (``--lang``, LOIKE_LANG, the locale), so that the help,
    click's own messages and every error are in it too."""

    def main(self, args=None, *more, **extra):
        arguments = list(sys.argv[1:] if args is None else args)
        i18n.use(i18n.choose(requested_language(arguments)))
        translate_help(self)
        return super().main(arguments, *more, **extra)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LoikeError as error:
            # An editor's change refused (`loike redact`) carries its Vietnamese, as the review app shows it.
            vi = error.vi if isinstance(error, InvalidEdit) and i18n.language() == "vi" else None
            raise click.ClickException(vi or str(error)) from error
        except sqlite3.DatabaseError as error:
            if not database.is_damage(error) or not isinstance(ctx.obj, Context):
                raise
            raise click.ClickException(str(database.damaged(ctx.obj.archive.database, error))) from error


@click.group(cls=Group)
@click.version_option(__version__, prog_name="loike", help="Show the version and exit.")
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    envvar=i18n.LANG_ENV,
    is_eager=True,
    help="Language of the messages: vi (Vietnamese) or en (English) [default: the system's, else vi; env LOIKE_LANG].",
)
@click.option(
    "--root",
    envvar=settings.ROOT_ENV,
    type=click.Path(file_okay=False),
    help="Archive folder holding recordings/ and transcripts/ [default: current folder; env LOIKE_ROOT].",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
@click.pass_context
def cli(ctx: click.Context, lang: str | None, root: str | None, verbose: bool) -> None:
    """Lời Kể: turn recorded interviews into reviewed, searchable Vietnamese transcripts."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    ctx.obj = Context(root)


def interview_id(db, key: str) -> int:
    found = database.interview(db, key)
    if not found:
        raise click.ClickException(
            _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=key)
        )
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
                label=_("Transcribing"),
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
        count = (
            _("{done}/{total} recordings, ").format(done=self.recordings[0], total=self.recordings[1])
            if self.recordings
            else ""
        )
        return f"{count}{clock(self.done)} / {clock(total)}"

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def print_summary(report: RunReport) -> None:
    for relpath in report.still_copying:
        click.echo(_("{file} is still being copied: it will be taken on a later run.").format(file=relpath))
    for pair in report.duplicates:
        click.echo(_("Same recording under two names, kept once: {pair}.").format(pair=pair))
    for warning in report.warnings:
        click.echo(_("Warning: {message}").format(message=warning.message))
    for failure in report.failures:
        click.echo(_("Failed: {message}").format(message=failure.message), err=True)
    if report.did_nothing:
        click.echo(
            ngettext(
                "Nothing new: {count} recording, up to date.",
                "Nothing new: {count} recordings, all up to date.",
                report.found,
            ).format(count=report.found)
        )
    else:
        click.echo(
            ngettext(
                "{found} recording: {new} new, {transcribed} transcribed ({audio} of audio), {failed} failed.",
                "{found} recordings: {new} new, {transcribed} transcribed ({audio} of audio), {failed} failed.",
                report.found,
            ).format(
                found=report.found,
                new=report.new,
                transcribed=report.transcribed,
                audio=clock(report.audio_seconds),
                failed=len(report.failures),
            )
        )
    if report.waiting_for_metadata:
        click.echo(
            ngettext(
                "{count} interview waits for metadata: `loike status` says what is missing; "
                "`loike new RECORDING` writes a template.",
                "{count} interviews wait for metadata: `loike status` says what is missing; "
                "`loike new RECORDING` writes a template.",
                report.waiting_for_metadata,
            ).format(count=report.waiting_for_metadata)
        )
    if report.proposed:
        codes = ", ".join(sorted(report.proposed))
        count = sum(report.proposed.values())
        click.echo(
            ngettext(
                "{count} speaker label sounds like someone named in other interviews ({codes}): "
                "`loike speaker INTERVIEW` shows who they may be, `loike speaker INTERVIEW LABEL --accept` names one.",
                "{count} speaker labels sound like people named in other interviews ({codes}): "
                "`loike speaker INTERVIEW` shows who they may be, `loike speaker INTERVIEW LABEL --accept` names one.",
                count,
            ).format(count=count, codes=codes)
        )
    if report.unseparated:
        click.echo(
            ngettext(
                "{count} recording transcribed without telling speakers apart: install the speaker model with "
                "pip install .[diarize] (or record in stereo, one microphone per person), then `loike retranscribe "
                "INTERVIEW` labels one (an editor's corrections are kept).",
                "{count} recordings transcribed without telling speakers apart: install the speaker model with "
                "pip install .[diarize] (or record in stereo, one microphone per person), then `loike retranscribe "
                "INTERVIEW` labels one (an editor's corrections are kept).",
                report.unseparated,
            ).format(count=report.unseparated)
        )
    if report.sheets_dir:
        click.echo(_("Review sheets: {path}").format(path=report.sheets_dir / "index.html"))


def highlighted(snippet: str) -> str:
    """Matched words (between ⟦ ⟧) in bold; click drops the styling when output is not a terminal."""
    return re.sub("⟦(.*?)⟧", lambda m: click.style(m.group(1), bold=True, fg="yellow"), snippet)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def requested_language(arguments: list[str]) -> str | None:
    """The value of ``--lang`` among the arguments, read before click parses them (the help is translated before
    it is shown). An unknown value is left for click to refuse."""
    for i, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument.startswith("--lang="):
            return argument.split("=", 1)[1]
        if argument == "--lang" and i + 1 < len(arguments):
            return arguments[i + 1]
    return None


def translate_help(command: click.Command) -> None:
    """Put the help of ``command``, its options and its sub-commands into the language being spoken. click holds
    the help given at import; the English original is kept beside it as the msgid, so this can run again."""
    command.help = translated(command, command.help)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = translated(param, param.help)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)


def translated(owner: object, text: str | None) -> str | None:
    original = vars(owner).setdefault("help_msgid", text)
    return _(inspect.cleandoc(original)) if original else original
