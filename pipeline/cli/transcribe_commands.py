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
from pipeline.cli.transcription_flags import transcribe_options, transcription_options
from pipeline.errors import LoikeError
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
        raise click.UsageError("--gpus-per-worker, --cpus-per-worker and --shared-storage go with --cluster.")
    with ProgressBar() as bar:
        try:
            report = process.process_archive(obj.archive, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    print_summary(report)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("interview")
@transcription_options(*RUN_OPTIONS)
@click.pass_obj
def retranscribe(obj: Context, interview, cache, **chosen) -> None:
    """Transcribe INTERVIEW (its code or number) again, e.g. with a bigger --model. Segments an editor
    touched are kept as they are, with the new machine text beside them in the review app."""
    from pipeline.run import retranscribe as redo  # imported when there is work: PyAV and numpy come with it

    obj.database().close()
    options = transcribe_options(chosen)
    with ProgressBar() as bar:
        try:
            done = redo.retranscribe(obj.archive, interview, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    for failure in done.run.failures:
        click.echo(f"Failed: {failure.message} The transcript of {done.code} is as it was.", err=True)
    if done.run.ok:
        click.echo(
            f"{done.code} transcribed again with model {done.model}: {done.segments} segments; "
            f"{done.kept} an editor had touched kept as they were, {done.beside} new machine texts "
            "set beside them."
        )
        click.echo(f"Review sheets: {obj.archive.sheets_dir / 'index.html'}")
    sys.exit(0 if done.run.ok else 1)


@cli.command("eval")
@click.argument("audio_dir", type=click.Path(file_okay=False, path_type=Path))
@transcription_options("model", "device", "compute_type", "beam_size", "language", "workers", "cpu_threads")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, with each text.")
@click.option(
    "--flags", is_flag=True, help="Also score the confidence marks: wrong words caught, words marked, precision, AUC."
)
def eval_command(audio_dir: Path, cache, as_json, flags, **chosen) -> None:
    """Score transcription on AUDIO_DIR: each recording with a reference NAME.txt beside it (WER, CER, speed)."""
    from pipeline.speech import evaluate, mark_scores

    options = transcribe_options(chosen)
    if not as_json:
        click.echo(f"{'WER':>6} {'CER':>6} {'RTF':>6} {'words':>6} {'length':>8}  recording")
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

    stop = watch.StopFlag()
    with stop.installed():
        if not once:
            click.echo(f"Watching {obj.archive.recordings} every {interval:g} s: Ctrl-C stops.")
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
                {"archive": str(obj.archive.root), "interviews": [asdict(row) for row in rows]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        click.echo(f"No interviews yet in {obj.archive.root}: put recordings in recordings/ and run `loike run`.")
        return
    click.echo(f"{'code':<13} {'status':<12} {'length':>8} {'segments':>8} {'flagged':>7}  {'consent':<11} recording")
    for row in rows:
        click.echo(
            f"{row.code:<13} {row.status:<12} {clock(row.length):>8} "
            f"{row.segment_count:>8} {row.flagged_count:>7}  {row.consent_status:<11} {row.source_path}"
        )
        if row.problem:
            click.echo(f"{'':<13} ! {row.problem}")
        if row.status == "transcribed" and row.segment_count and not row.labelled_count:
            click.echo(
                f"{'':<13} · no speaker labels (chưa tách người nói): once the speaker model is installed "
                f"(pip install .[diarize]), `loike retranscribe {row.code}` adds them"
            )
        for line in (row.metadata_problems or "").splitlines():
            click.echo(f"{'':<13} ? {line}")


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
        click.echo("Stopped: the recordings not transcribed yet wait for the next `loike run`.")
    sys.exit(0 if report.ok and not stop() else 1)


def print_score(score) -> None:
    click.echo(
        f"{score.wer:>6.3f} {score.cer:>6.3f} {score.rtf:>6.2f} {score.words:>6} {clock(score.seconds):>8}  "
        f"{score.path.name}"
    )


def print_eval_summary(report) -> None:
    for problem in report.skipped:
        click.echo(f"Skipped: {problem.message}", err=True)
    click.echo(
        f"Corpus: WER {report.wer:.3f} ({int(report.total('word_edits'))}/{int(report.total('words'))} words), "
        f"CER {report.cer:.3f}, RTF {report.rtf:.3f} ({report.wall_seconds:.1f} s for "
        f"{clock(report.total('seconds'))} of audio; model loaded in {report.load_seconds:.1f} s), "
        f"{len(report.files)} recordings scored, {len(report.skipped)} skipped."
    )


def print_marks(marks: dict) -> None:
    click.echo(f"\nConfidence marks ({marks['rule']}):")
    click.echo(f"{'caught':>8} {'marked':>8} {'prec.':>6} {'AUC':>6} {'wrong':>6} {'words':>6}  recording")
    for row in [*marks["files"], {**marks["corpus"], "file": "corpus"}]:
        figures = [row[k] for k in ("wrong_caught", "words_marked", "precision", "auc")]
        caught, marked, precision, auc = [f"{v:.3f}" if v is not None else "—" for v in figures]
        counts = f"{row['wrong']:>6} {row['words']:>6}"
        click.echo(f"{caught:>8} {marked:>8} {precision:>6} {auc:>6} {counts}  {row['file']}")
