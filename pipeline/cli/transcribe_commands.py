"""Commands that transcribe: run, retranscribe, eval, watch, and status."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

import click

from pipeline import database, settings
from pipeline.cli.base import Context, ProgressBar, cli, clock, print_summary
from pipeline.cli.correction_commands import hear_names
from pipeline.cli.model_commands import compare_models, retranscribe_every
from pipeline.cli.transcription_flags import transcribe_options, transcription_options
from pipeline.errors import LoikeError
from pipeline.i18n import N_, _, ngettext
from pipeline.options import ClusterOptions, TranscribeOptions
from pipeline.reports import RunReport

RUN_OPTIONS = ("model", "device", "compute_type", "beam_size", "language", "domain_words", "workers")
"""How `loike run` and `loike retranscribe` call Whisper."""


@cli.command()
@transcription_options(*RUN_OPTIONS, cluster=True)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Transcribe on a Ray cluster: ray://HEAD:10001, or auto inside a Ray job (needs pip install .[cluster]).",
)
@click.option(
    "--gpus-per-worker",
    type=click.FloatRange(0),
    help="With --cluster: GPUs per transcriber [default: 1 where the cluster has GPUs, else 0].",
)
@click.option(
    "--cpus-per-worker",
    type=click.FloatRange(0, min_open=True),
    default=1.0,
    show_default=True,
    help="With --cluster: CPUs (and threads) per transcriber.",
)
@click.option(
    "--shared-storage",
    is_flag=True,
    help="With --cluster: every node mounts this archive at the same "
    "path, so transcribers read the audio there instead of through Ray's object store.",
)
@click.pass_context
def run(ctx: click.Context, cache, cluster, gpus_per_worker, cpus_per_worker, shared_storage, **chosen) -> None:
    """Take in new recordings, transcribe them and refresh the review sheets."""
    from pipeline.run import process  # imported when there is work: PyAV and numpy come with it

    obj: Context = ctx.obj
    options = transcribe_options(chosen, on_cluster=bool(cluster))
    if cluster:
        given = ctx.get_parameter_source("workers") != click.core.ParameterSource.DEFAULT
        where = ClusterOptions(
            cluster, options.workers if given else None, gpus_per_worker, cpus_per_worker, shared_storage
        )
        return run_on_cluster(obj, options, where, cache)
    if gpus_per_worker is not None or shared_storage or cpus_per_worker != 1.0:
        raise click.UsageError(_("--gpus-per-worker, --cpus-per-worker and --shared-storage go with --cluster."))
    with ProgressBar() as bar:
        try:
            report = process.process_archive(obj.archive, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    print_summary(report)
    hear_names(obj, report.interviews, options, cache)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("interview", required=False)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every transcribed interview whose transcript --model did not write last (stopped, it goes on where it "
    "stopped).",
)
@transcription_options(*RUN_OPTIONS)
@click.pass_obj
def retranscribe(obj: Context, interview, every, cache, **chosen) -> None:
    """Transcribe INTERVIEW (its code or number), or --all, again, e.g. with a bigger --model. Segments an editor
    touched are kept as they are, with the new machine text beside them in the review app."""
    from pipeline.run import retranscribe as redo  # imported when there is work: PyAV and numpy come with it

    obj.database().close()
    options = transcribe_options(chosen)
    if every == bool(interview):
        raise click.UsageError(_("Name one INTERVIEW to transcribe again, or give --all."))
    if every:
        return retranscribe_every(obj.archive, options, settings.model_cache(cache))
    with ProgressBar() as bar:
        try:
            done = redo.retranscribe(obj.archive, interview, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    for failure in done.run.failures:
        click.echo(
            _("Failed: {message} The transcript of {code} is as it was.").format(
                message=failure.message, code=done.code
            ),
            err=True,
        )
    if done.run.ok:
        click.echo(
            _(
                "{code} transcribed again with model {model}: {segments} segments; {kept} an editor had touched "
                "kept as they were, {beside} new machine texts set beside them."
            ).format(code=done.code, model=done.model, segments=done.segments, kept=done.kept, beside=done.beside)
        )
        click.echo(_("Review sheets: {path}").format(path=obj.archive.sheets_dir / "index.html"))
        hear_names(obj, [done.code], options, cache)
    sys.exit(0 if done.run.ok else 1)


@cli.command("eval")
@click.argument("audio_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--model",
    "models",
    multiple=True,
    default=[TranscribeOptions().model],
    show_default=True,
    help="A model name, folder or hub name; give it again to compare models side by side (each in its own process).",
)
@transcription_options("device", "compute_type", "beam_size", "language", "workers", "cpu_threads")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, with each text.")
@click.option(
    "--flags", is_flag=True, help="Also score the confidence marks: wrong words caught, words marked, precision, AUC."
)
def eval_command(audio_dir: Path, models, cache, as_json, flags, **chosen) -> None:
    """Score transcription on AUDIO_DIR: each recording with a reference NAME.txt beside it (WER, CER, speed)."""
    from pipeline.speech import evaluate, mark_scores

    options = transcribe_options({**chosen, "model": models[0]})
    if len(models) > 1:
        if flags:
            raise click.UsageError(_("--flags scores one model at a time: give one --model."))
        return compare_models(audio_dir, options, list(models), settings.model_cache(cache), as_json)
    if not as_json:
        click.echo(f"{'WER':>6} {'CER':>6} {'RTF':>6} {_('words'):>6} {_('length'):>8}  {_('recording')}")
    try:
        report = evaluate.evaluate(
            audio_dir, options, settings.model_cache(cache), on_file=None if as_json else print_score
        )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    marks = mark_scores.report_marks(report) if flags else None
    if as_json:
        click.echo(
            json.dumps({**report.as_dict(), **({"marks": marks} if marks else {})}, ensure_ascii=False, indent=2)
        )
    else:
        print_eval_summary(report)
        if marks:
            print_marks(marks)
    sys.exit(1 if report.skipped else 0)


@cli.command("watch")
@click.option(
    "--interval",
    type=click.FloatRange(0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds between two looks at recordings/.",
)
@click.option(
    "--stable-checks",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Looks over which a new file must keep its size and time before it is taken.",
)
@click.option("--once", is_flag=True, help="One pass, like `loike run`, then exit (for cron).")
@transcription_options("model")
@click.pass_obj
def watch_command(obj: Context, interval, stable_checks, once, cache, **chosen) -> None:
    """Take in recordings as they arrive in recordings/ (Ctrl-C stops after the current recording)."""
    from pipeline.run import watch

    verbose = logging.getLogger().isEnabledFor(logging.INFO)

    def summary(report: RunReport) -> None:  # quiet passes say nothing unless -v
        if once or verbose or not report.did_nothing:
            print_summary(report)
        hear_names(obj, report.interviews, transcribe_options(chosen), cache)

    stop = watch.StopFlag()
    with stop.installed():
        if not once:
            click.echo(
                _("Watching {recordings} every {interval:g} s: Ctrl-C stops.").format(
                    recordings=obj.archive.recordings, interval=interval
                )
            )
        try:
            last = watch.watch(
                obj.archive,
                watch.WatchOptions(interval, stable_checks, once),
                transcribe_options(chosen),
                settings.model_cache(cache),
                stop,
                summary,
                click.echo,
            )
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    if stop():
        click.echo("Stopped.")
    sys.exit(1 if once and last and not last.ok and not stop() else 0)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """List every interview with its state."""
    db = obj.database()
    rows = database.interviews(db)
    if as_json:
        click.echo(
            json.dumps(
                {"archive": str(obj.archive.root), "interviews": [asdict(row) | {"state": row.state} for row in rows]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        click.echo(
            _("No interviews yet in {root}: put recordings in recordings/ and run `loike run`.").format(
                root=obj.archive.root
            )
        )
        return
    headers = [_("code"), _("state"), _("length"), _("verified"), _("flagged"), _("consent"), _("recording")]
    cells = [
        [
            row.code,
            _(STATES.get(row.state, row.state)),
            clock(row.length),
            f"{row.verified_count}/{row.segment_count}",
            str(row.flagged_count),
            _(CONSENTS.get(row.consent_status, row.consent_status)),
            row.source_path,
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *cells]) for i in range(len(headers) - 1)]
    for row, line in zip([None, *rows], [headers, *cells]):
        click.echo(table_line(line, widths, right=(2, 3, 4)))
        if row is not None:
            for note in status_notes(row):
                click.echo(f"{'':<{widths[0]}} {note}")


STATES = {
    "pending": N_("to transcribe"),
    "failed": N_("failed"),
    "waiting_for_metadata": N_("waiting for metadata"),
    "transcribed": N_("transcribed"),
}
"""What `loike status` calls each state of an interview (``Interview.state``); --json gives the English word."""
CONSENTS = {
    "allowed": N_("may be published"),
    "restricted": N_("restricted"),
    "embargoed": N_("embargoed"),
    "unknown": N_("consent unknown"),
}


def table_line(cells: list[str], widths: list[int], right: tuple[int, ...]) -> str:
    """One line of a table whose last column is left as long as it is."""
    padded = [
        cell.rjust(width) if i in right else cell.ljust(width) for i, (cell, width) in enumerate(zip(cells, widths))
    ]
    return "  ".join([*padded, cells[-1]])


def status_notes(row) -> list[str]:
    """What `loike status` says under an interview: its problem, what its metadata lacks, the speech nobody wrote
    yet, its missing speakers."""
    notes = [f"! {row.problem}"] if row.problem else []
    notes += [f"? {line}" for line in (row.metadata_problems or "").splitlines()]
    if row.state == "waiting_for_metadata" and not row.metadata_problems:
        notes.append(
            _("? no metadata yet: `loike new {file}` writes a template beside it").format(file=row.source_path)
        )
    if row.unwritten_count:
        notes.append(
            ngettext(
                "⚑ {count} place where speech was heard and not written: listen and type what was said in the review "
                "app (`loike serve`)",
                "⚑ {count} places where speech was heard and not written: listen and type what was said in the review "
                "app (`loike serve`)",
                row.unwritten_count,
            ).format(count=row.unwritten_count)
        )
    if row.status == "transcribed" and row.segment_count and not row.labelled_count:
        notes.append(
            _(
                "· no speaker labels: once the speaker model is installed (pip install .[diarize]), "
                "`loike retranscribe {code}` adds them"
            ).format(code=row.code)
        )
    return notes


def run_on_cluster(obj: Context, options: TranscribeOptions, where: ClusterOptions, cache) -> None:
    """`loike run --cluster`: the first Ctrl-C stops handing out work (what is stored stays), a second aborts."""
    from pipeline.run import (
        cluster,
        process,  # imported when there is work: PyAV and numpy come with it
        watch,
    )

    stop = watch.StopFlag()
    try:
        with cluster.connect(where) as on, stop.installed(), ProgressBar() as bar:
            report = process.process_archive(
                obj.archive, options, settings.model_cache(cache), bar.update, should_stop=stop, cluster=on
            )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    print_summary(report)
    if stop():
        click.echo(_("Stopped: the recordings not transcribed yet wait for the next `loike run`."))
    sys.exit(0 if report.ok and not stop() else 1)


def print_score(score) -> None:
    click.echo(
        f"{score.wer:>6.3f} {score.cer:>6.3f} {score.rtf:>6.2f} {score.words:>6} {clock(score.seconds):>8}  "
        f"{score.path.name}"
        + (
            "  " + _("⚑ {count} not written ({seconds:.1f} s)").format(count=score.gaps, seconds=score.gap_seconds)
            if score.gaps
            else ""
        )
    )


def print_eval_summary(report) -> None:
    for problem in report.skipped:
        click.echo(_("Skipped: {message}").format(message=problem.message), err=True)
    click.echo(
        _(
            "Corpus: WER {wer:.3f} ({edits}/{words} words), CER {cer:.3f}, RTF {rtf:.3f} ({wall_seconds:.1f} s for "
            "{audio} of audio; model loaded in {load_seconds:.1f} s), {scored} recordings scored, {skipped} skipped."
        ).format(
            wer=report.wer,
            edits=int(report.total("word_edits")),
            words=int(report.total("words")),
            cer=report.cer,
            rtf=report.rtf,
            wall_seconds=report.wall_seconds,
            audio=clock(report.total("seconds")),
            load_seconds=report.load_seconds,
            scored=len(report.files),
            skipped=len(report.skipped),
        )
    )
    gaps = int(report.total("gaps"))
    if gaps:
        click.echo(
            ngettext(
                "Speech heard and not written: {count} place, {seconds:.1f} s; its words count as deleted.",
                "Speech heard and not written: {count} places, {seconds:.1f} s; their words count as deleted.",
                gaps,
            ).format(count=gaps, seconds=report.total("gap_seconds"))
        )


def print_marks(marks: dict) -> None:
    from pipeline.speech import confidence

    click.echo(
        "\n"
        + _(
            "Confidence marks (score under {threshold}: {own} of a word's lowest token probability, the rest its less "
            "sure neighbour's; transcripts stored before: mean probability under {mean}):"
        ).format(threshold=confidence.THRESHOLD, own=confidence.OWN_WEIGHT, mean=confidence.MEAN_THRESHOLD)
    )
    caught, marked, precision, wrong = _("caught"), _("marked"), _("prec."), _("wrong")
    click.echo(f"{caught:>8} {marked:>8} {precision:>6} {'AUC':>6} {wrong:>6} {_('words'):>6}  {_('recording')}")
    for row in [*marks["files"], {**marks["corpus"], "file": "corpus"}]:
        figures = [row[k] for k in ("wrong_caught", "words_marked", "precision", "auc")]
        caught, marked, precision, auc = [f"{v:.3f}" if v is not None else "—" for v in figures]
        counts = f"{row['wrong']:>6} {row['words']:>6}"
        click.echo(f"{caught:>8} {marked:>8} {precision:>6} {auc:>6} {counts}  {row['file']}")
