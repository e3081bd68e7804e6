"""`loike models`: the speech models this machine has, and fetching, adding, converting and measuring others."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline import settings
from pipeline.cli.base import ProgressBar, cli, clock
from pipeline.cli.transcription_flags import CACHE, click_option, transcribe_options
from pipeline.i18n import _
from pipeline.options import TranscribeOptions
from pipeline.settings import Archive


@cli.group("models", invoke_without_command=True)
@CACHE
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def models(ctx: click.Context, cache, as_json: bool) -> None:
    """The speech models on this machine (name, size, fingerprint, speed measured here, where).

    A model is fetched once where there is internet (`loike models download NAME --to DRIVE`) and added on each
    laptop from the drive (`loike models add DRIVE/NAME`); then `loike run --model NAME` uses it."""
    ctx.obj = settings.model_cache(cache)
    if ctx.invoked_subcommand:
        return
    from pipeline.speech import model_bench, model_store

    found = model_store.installed(ctx.obj)
    speeds = model_bench.measured(ctx.obj)
    if as_json:
        rows = [{**m.as_dict(), "speed": speeds.get(m.fingerprint)} for m in found]
        click.echo(json.dumps({"cache": str(ctx.obj), "models": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{_('name'):<20} {_('size'):>8}  {_('source'):<9} {_('fingerprint'):<12}  {_('speed here'):<26} " + _("where")
    )
    for model in found:
        click.echo(
            f"{model.name:<20} {megabytes(model.size):>8}  {model.source:<9} {model.fingerprint[:12]:<12}  "
            f"{model_bench.summary(speeds.get(model.fingerprint)):<26} {model.path}"
        )
    click.echo(
        _("Models are kept in {cache}; `loike models download --help` lists those to fetch.").format(cache=ctx.obj)
    )


def catalogue_help() -> str:
    from pipeline.speech.model_catalogue import CATALOGUE

    lines = []
    for entry in CATALOGUE.values():
        published = entry.accuracy
        wer = f"{published.common_voice} / {published.vivos}" if published.common_voice else "-"
        lines.append(f"  {entry.name:<17} {entry.parameters:>7}  {wer:<13} {entry.repo_id or 'embedded'}")
    return "\n".join(lines)


@models.command("download", epilog="\b\n" + catalogue_help())
@click.argument("name")
@click.option(
    "--to",
    type=click.Path(file_okay=False, path_type=Path),
    help="Put the model in DIR/NAME (a USB drive, say) to add on machines without internet, instead of the cache.",
)
@click.option("--revision", help="A hub commit (or branch) to fetch instead of the catalogue's.")
@click.pass_obj
def download(cache: Path, name: str, to: Path | None, revision: str | None) -> None:
    """Fetch NAME from the Hugging Face hub (needs internet): a catalogue name, listed below with its published WER
    % on Common Voice vi / VIVOS where known (docs/models.md), or any hub id (owner/repo)."""
    from pipeline.speech import model_download

    model = model_download.download(name, cache, to, revision, progress=progress_bar())
    click.echo(
        _("{name}: {size}, fingerprint {fingerprint}, in {path}.").format(
            name=model.name, size=megabytes(model.size), fingerprint=model.fingerprint[:12], path=model.path
        )
    )
    if to:
        click.echo(_("On a machine without internet: `loike models add {path}`.").format(path=model.path))
    else:
        click.echo(_("Use it with `loike run --model {name}`.").format(name=model.name))


@models.command("add")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", help="The name to use it by [default: the manifest's, else the folder's].")
@click.pass_obj
def add(cache: Path, folder: Path, name: str | None) -> None:
    """Check FOLDER (a CTranslate2 Whisper model, with its manifest's hashes when it has one) and copy it into the
    model cache, to use by name: `loike run --model NAME`."""
    from pipeline.speech import model_store

    model = model_store.add(folder, cache, name)
    click.echo(
        _("Added {name} ({size}, fingerprint {fingerprint}): `loike run --model {name}` uses it.").format(
            name=model.name, size=megabytes(model.size), fingerprint=model.fingerprint[:12]
        )
    )


def progress_bar() -> type:
    """A tqdm bar on stderr, drawn even when stderr is not a terminal (a log of a long download says how far)."""
    from tqdm import tqdm

    class Shown(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            super().__init__(*args, **{**kwargs, "disable": False, "file": sys.stderr, "mininterval": 1.0})

    return Shown


def megabytes(size: int) -> str:
    return _("{size:.2f} GB").format(size=size / 1e9) if size >= 1e9 else _("{size:.0f} MB").format(size=size / 1e6)


@models.command("convert")
@click.argument("source")
@click.option("--name", help="The name to use it by [default: the source's last part].")
@click.option(
    "--quantization",
    type=click.Choice(("float16", "int8", "int8_float16", "float32")),
    default="float16",
    show_default=True,
    help="How the weights are saved (float16 as the hub's copies; int8 halves the file, runs as fast on a CPU).",
)
@click.pass_obj
def convert(cache: Path, source: str, name: str | None, quantization: str) -> None:
    """Convert SOURCE, a Transformers Whisper model (a hub id such as vinai/PhoWhisper-large, or its folder), to
    CTranslate2 and add it to the cache (needs pip install .[convert]: transformers and torch)."""
    from pipeline.speech import model_convert

    model = model_convert.convert(source, cache, name, quantization, progress=progress_bar())
    click.echo(
        _(
            "Converted {source} into {name} ({size}, fingerprint {fingerprint}): `loike run --model {name}` uses it."
        ).format(source=source, name=model.name, size=megabytes(model.size), fingerprint=model.fingerprint[:12])
    )


@models.command("bench")
@click.argument("name")
@click.argument("recording", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seconds", type=click.FloatRange(5), default=60.0, show_default=True, help="How much of it to use.")
@click_option("device")
@click_option("compute_type")
@click_option("beam_size")
@click_option("workers")
@click_option("cpu_threads")
@click.pass_obj
def bench(cache: Path, name: str, recording: Path, seconds: float, **chosen) -> None:
    """Measure model NAME on this machine: real-time factor and peak memory on the first minute of RECORDING (one
    of your own), transcribed as `loike run` would; `loike models` shows it afterwards."""
    from pipeline.speech import model_bench

    options = transcribe_options({**chosen, "model": name})
    figures = model_bench.bench(recording, options, cache, seconds)
    click.echo(
        _(
            "{model} on this machine: RTF {rtf:.2f} on {seconds:.0f} s of {recording} ({workers} workers, "
            "{compute_type}, beam {beam}), peak memory {peak:,} MB, loaded in {load:.0f} s."
        ).format(
            model=figures["model"],
            rtf=figures["rtf"],
            seconds=figures["audio_seconds"],
            recording=recording.name,
            workers=figures["workers"],
            compute_type=figures["compute_type"],
            beam=figures["beam_size"],
            peak=figures["peak_mb"],
            load=figures["load_seconds"],
        )
    )
    click.echo(
        _("A two-hour interview would take about {time} here (less where it has long silences).").format(
            time=clock(model_bench.TWO_HOURS * figures["rtf"])
        )
    )


def retranscribe_every(archive: Archive, options: TranscribeOptions, cache: Path) -> None:
    """`loike retranscribe --all`: what it will cost, then each interview with a progress bar and its ETA."""
    from pipeline.run import retranscribe_all

    transcriber = retranscribe_all.load(options, cache)
    upgrade = retranscribe_all.plan(archive, transcriber, cache)
    click.echo(
        _(
            "Transcribing again with {model} ({fingerprint}): {todo} interviews, {audio} of audio; {already} it "
            "already wrote are passed over."
        ).format(
            model=upgrade.model,
            fingerprint=upgrade.fingerprint[:12],
            todo=len(upgrade.todo),
            audio=clock(upgrade.audio_seconds),
            already=upgrade.already,
        )
    )
    if upgrade.estimate is not None:
        click.echo(
            _("At the real-time factor measured here ({rtf:.2f}), that is about {time}.").format(
                rtf=upgrade.rtf, time=clock(upgrade.estimate)
            )
        )
    elif upgrade.todo:
        click.echo(
            _("Its speed here is not measured: `loike models bench {model} RECORDING` tells it in a minute.").format(
                model=options.model
            )
        )

    def told(done) -> None:
        if done.run.ok:
            click.echo(
                _("{code}: {segments} segments, {kept} an editor touched kept as they were.").format(
                    code=done.code, segments=done.segments, kept=done.kept
                )
            )

    with ProgressBar() as bar:
        retranscribe_all.run(archive, upgrade, transcriber, cache, bar.update, told)
    for failure in upgrade.failures:
        click.echo(_("Failed: {message} Its transcript is as it was.").format(message=failure.message), err=True)
    click.echo(
        _("{done} interviews transcribed again, {failed} failed; the same command goes on after a stop.").format(
            done=len(upgrade.done) - len(upgrade.failures), failed=len(upgrade.failures)
        )
    )
    sys.exit(0 if upgrade.ok else 1)


def compare_models(folder: Path, options: TranscribeOptions, names: list[str], cache: Path, as_json: bool) -> None:
    """`loike eval FOLDER --model A --model B …`: one line per model, the corpus figures side by side."""
    from pipeline.speech import model_compare

    reports = model_compare.compare(folder, options, names, cache)
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"{_('model'):<22} {'WER':>6} {'CER':>6} {'RTF':>6} {_('peak MB'):>8} {_('load s'):>7}  " + _("recordings")
        )
        for report in reports:
            corpus = report["corpus"]
            click.echo(
                f"{report['model']:<22} {corpus['wer']:>6.3f} {corpus['cer']:>6.3f} {corpus['rtf']:>6.2f} "
                f"{report['peak_mb']:>8,} {corpus['model_load_seconds']:>7.1f}  "
                + _("{scored} scored, {skipped} skipped").format(scored=corpus["files"], skipped=len(report["skipped"]))
            )
    sys.exit(1 if any(report["skipped"] for report in reports) else 0)
