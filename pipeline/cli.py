"""The ``loike`` command: a thin layer over the library. Only this module prints or exits."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from . import __version__, export, process, settings, store
from .errors import LoikeError
from .records import RunReport, TranscribeOptions


class Context:
    def __init__(self, root: str | None):
        self.archive = settings.archive(root)

    def database(self):
        if not self.archive.database.exists():
            raise click.ClickException(
                f"No archive database in {self.archive.transcripts}: run `loike run` first "
                "(or pass --root with the archive's folder)."
            )
        return store.open_database(self.archive.database)


@click.group()
@click.version_option(__version__, prog_name="loike")
@click.option("--root", envvar=settings.ROOT_ENV, type=click.Path(file_okay=False),
              help="Archive folder holding recordings/ and transcripts/ [default: current folder; env LOIKE_ROOT].")
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
@click.pass_context
def cli(ctx: click.Context, root: str | None, verbose: bool) -> None:
    """Lời Kể: turn recorded interviews into reviewed, searchable Vietnamese transcripts."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    ctx.obj = Context(root)


@cli.command()
@click.option("--model", default="base", show_default=True,
              help="'base' (embedded), a local CTranslate2 model folder, or a hub name such as large-v3.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--compute-type", default="int8", show_default=True, help="int8, float32, float16, default …")
@click.option("--beam-size", type=click.IntRange(1, 20), default=5, show_default=True)
@click.option("--language", default="vi", show_default=True)
@click.option("--cache", envvar=settings.CACHE_ENV, type=click.Path(file_okay=False),
              help="Where the assembled model is kept [env LOIKE_CACHE].")
@click.pass_obj
def run(obj: Context, model, device, compute_type, beam_size, language, cache) -> None:
    """Take in new recordings, transcribe them and refresh the review sheets."""
    options = TranscribeOptions(model=model, device=device, compute_type=compute_type,
                                beam_size=beam_size, language=language)
    with ProgressBar() as bar:
        try:
            report = process.process_archive(obj.archive, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    print_summary(report)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """List every interview with its state."""
    db = obj.database()
    rows = store.interviews(db)
    if as_json:
        click.echo(json.dumps({"archive": str(obj.archive.root), "interviews": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No interviews yet in {obj.archive.root}: put recordings in recordings/ and run `loike run`.")
        return
    click.echo(f"{'code':<13} {'status':<12} {'length':>8} {'segments':>8}  recording")
    for row in rows:
        click.echo(f"{row['code']:<13} {row['status']:<12} {clock(row['duration'] or row['declared_duration']):>8} "
                   f"{row['segment_count']:>8}  {row['source_path']}")
        if row["problem"]:
            click.echo(f"{'':<13} ! {row['problem']}")


@cli.command("export")
@click.argument("interview")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write [default: stdout].")
@click.pass_obj
def export_command(obj: Context, interview: str, fmt: str, output: str | None) -> None:
    """Export one INTERVIEW (its code, e.g. LK-2026-001, or its number)."""
    try:
        text = export.interview_json(obj.database(), interview)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


class ProgressBar:
    """Audio time done / total, with an ETA, drawn only while there is work."""

    def __init__(self):
        self.bar = None
        self.done = 0

    def __enter__(self):
        return self

    def update(self, done: float, total: float) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(1, int(total)), label="Transcribing", show_eta=True,
                                         item_show_func=lambda _: f"{clock(self.done)} / {clock(total)}",
                                         file=sys.stderr)
            self.bar.__enter__()
        step = int(done) - self.done
        if step > 0:
            self.done = int(done)
            self.bar.update(step, self.done)

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
        click.echo(f"{report.found} recordings: {report.new} new, {report.transcribed} transcribed "
                   f"({clock(report.audio_seconds)} of audio), {len(report.failures)} failed.")
    if report.sheets_dir:
        click.echo(f"Review sheets: {report.sheets_dir / 'index.html'}")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def main() -> None:
    cli()
