"""The ``loike`` command: a thin layer over the library. Only this module prints or exits."""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import asdict
from pathlib import Path

import click

from . import __version__, export, process, settings, store
from .errors import LoikeError
from .records import DEFAULT_WORKERS, ClusterOptions, RunReport, TranscribeOptions


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


DECODING_OPTIONS = (
    click.option("--model", default="base", show_default=True,
                 help="'base' (embedded), a local CTranslate2 model folder, or a hub name such as large-v3."),
    click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True),
    click.option("--compute-type", default="int8", show_default=True, help="int8, float32, float16, default …"),
    click.option("--beam-size", type=click.IntRange(1, 20), default=5, show_default=True),
    click.option("--language", default="vi", show_default=True),
    click.option("--domain-words", is_flag=True, help="Hint Whisper with the names in the metadata and "
                 "recordings/glossary.txt (off: see docs/benchmarks.md)."),
    click.option("--workers", type=click.IntRange(1), default=DEFAULT_WORKERS, show_default=True,
                 help="Recordings (or pieces of one) transcribed at once, up to 16; the cores are shared among them. "
                 "With --cluster: transcribers on the cluster [default there: as many as it has room for]."),
    click.option("--cache", envvar=settings.CACHE_ENV, type=click.Path(file_okay=False),
                 help="Where the assembled model is kept [env LOIKE_CACHE]."),
)


def decoding_options(command):
    """The options of `loike run` that say how Whisper is called (shared with `loike retranscribe`)."""
    for option in reversed(DECODING_OPTIONS):
        command = option(command)
    return command


def transcribe_options(model, device, compute_type, beam_size, language, domain_words, workers=DEFAULT_WORKERS,
                       on_cluster=False) -> TranscribeOptions:
    if workers > 16 and not on_cluster:
        raise click.BadParameter("at most 16 on one machine (more go with --cluster).", param_hint="--workers")
    return TranscribeOptions(model=model, device=device, compute_type=compute_type, beam_size=beam_size,
                             language=language, domain_words=domain_words, workers=workers)


@cli.command()
@decoding_options
@click.option("--cluster", metavar="ADDRESS", help="Transcribe on a Ray cluster: ray://HEAD:10001, or auto "
              "inside a Ray job (needs pip install .[cluster]).")
@click.option("--gpus-per-worker", type=click.FloatRange(0), help="With --cluster: GPUs per transcriber "
              "[default: 1 where the cluster has GPUs, else 0].")
@click.option("--cpus-per-worker", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              help="With --cluster: CPUs (and threads) per transcriber.")
@click.option("--shared-storage", is_flag=True, help="With --cluster: every node mounts this archive at the same "
              "path, so transcribers read the audio there instead of through Ray's object store.")
@click.pass_context
def run(ctx: click.Context, model, device, compute_type, beam_size, language, domain_words, workers, cache, cluster,
        gpus_per_worker, cpus_per_worker, shared_storage) -> None:
    """Take in new recordings, transcribe them and refresh the review sheets."""
    obj: Context = ctx.obj
    options = transcribe_options(model, device, compute_type, beam_size, language, domain_words, workers,
                                 bool(cluster))
    if cluster:
        given = ctx.get_parameter_source("workers") != click.core.ParameterSource.DEFAULT
        return run_on_cluster(obj, options, ClusterOptions(cluster, workers if given else None, gpus_per_worker,
                                                           cpus_per_worker, shared_storage), cache)
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
@decoding_options
@click.pass_obj
def retranscribe(obj: Context, interview, model, device, compute_type, beam_size, language, domain_words,
                 workers, cache) -> None:
    """Transcribe INTERVIEW (its code or number) again, e.g. with a bigger --model. Segments an editor
    touched are kept as they are, with the new machine text beside them in the review app."""
    obj.database().close()
    options = transcribe_options(model, device, compute_type, beam_size, language, domain_words, workers)
    with ProgressBar() as bar:
        try:
            done = process.retranscribe(obj.archive, interview, options, settings.model_cache(cache), bar.update)
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    for failure in done.run.failures:
        click.echo(f"Failed: {failure.message} The transcript of {done.code} is as it was.", err=True)
    if done.run.ok:
        click.echo(f"{done.code} transcribed again with model {done.model}: {done.segments} segments; "
                   f"{done.kept} an editor had touched kept as they were, {done.beside} new machine texts "
                   "set beside them.")
        click.echo(f"Review sheets: {done.run.sheets_dir / 'index.html'}")
    sys.exit(0 if done.run.ok else 1)


@cli.command("eval")
@click.argument("audio_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--model", default="base", show_default=True, help="As for `loike run`.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--compute-type", default="int8", show_default=True, help="int8, float32, float16, default …")
@click.option("--beam-size", type=click.IntRange(1, 20), default=5, show_default=True)
@click.option("--language", default="vi", show_default=True)
@click.option("--workers", type=click.IntRange(1, 16), default=DEFAULT_WORKERS, show_default=True,
              help="Recordings (or pieces of one) transcribed at once, as for `loike run`.")
@click.option("--cpu-threads", type=click.IntRange(0), default=0, show_default=True,
              help="Threads per worker; 0 shares the cores among the workers.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, with each text.")
@click.option("--cache", envvar=settings.CACHE_ENV, type=click.Path(file_okay=False),
              help="Where the assembled model is kept [env LOIKE_CACHE].")
def eval_command(audio_dir: Path, model, device, compute_type, beam_size, language, workers, cpu_threads, as_json,
                 cache) -> None:
    """Score transcription on AUDIO_DIR: each recording with a reference NAME.txt beside it (WER, CER, speed)."""
    from . import evaluate

    options = TranscribeOptions(model=model, device=device, compute_type=compute_type, beam_size=beam_size,
                                language=language, workers=workers, cpu_threads=cpu_threads)
    if not as_json:
        click.echo(f"{'WER':>6} {'CER':>6} {'RTF':>6} {'words':>6} {'length':>8}  recording")
    try:
        report = evaluate.evaluate(audio_dir, options, settings.model_cache(cache),
                                   on_file=None if as_json else print_score)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_eval_summary(report)
    sys.exit(1 if report.skipped else 0)


@cli.command("watch")
@click.option("--interval", type=click.FloatRange(0, min_open=True), default=30.0, show_default=True,
              help="Seconds between two looks at recordings/.")
@click.option("--stable-checks", type=click.IntRange(1), default=3, show_default=True,
              help="Looks over which a new file must keep its size and time before it is taken.")
@click.option("--once", is_flag=True, help="One pass, like `loike run`, then exit (for cron).")
@click.option("--model", default="base", show_default=True, help="As for `loike run`.")
@click.option("--cache", envvar=settings.CACHE_ENV, type=click.Path(file_okay=False),
              help="Where the assembled model is kept [env LOIKE_CACHE].")
@click.pass_obj
def watch_command(obj: Context, interval, stable_checks, once, model, cache) -> None:
    """Take in recordings as they arrive in recordings/ (Ctrl-C stops after the current recording)."""
    from . import watch

    verbose = logging.getLogger().isEnabledFor(logging.INFO)

    def summary(report: RunReport) -> None:  # quiet passes say nothing unless -v
        if once or verbose or not report.did_nothing:
            print_summary(report)

    stop = watch.StopFlag()
    with stop.installed():
        if not once:
            click.echo(f"Watching {obj.archive.recordings} every {interval:g} s: Ctrl-C stops.")
        try:
            last = watch.watch(obj.archive, watch.WatchOptions(interval, stable_checks, once),
                               TranscribeOptions(model=model), settings.model_cache(cache), stop,
                               summary, click.echo)
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
    rows = store.interviews(db)
    if as_json:
        click.echo(json.dumps({"archive": str(obj.archive.root), "interviews": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No interviews yet in {obj.archive.root}: put recordings in recordings/ and run `loike run`.")
        return
    click.echo(f"{'code':<13} {'status':<12} {'length':>8} {'segments':>8} {'flagged':>7}  {'consent':<11} recording")
    for row in rows:
        click.echo(f"{row['code']:<13} {row['status']:<12} {clock(row['duration'] or row['declared_duration']):>8} "
                   f"{row['segment_count']:>8} {row['flagged_count']:>7}  {row['consent_status']:<11} {row['source_path']}")
        if row["problem"]:
            click.echo(f"{'':<13} ! {row['problem']}")
        if row["status"] == "transcribed" and row["segment_count"] and not row["labelled_count"]:
            click.echo(f"{'':<13} · no speaker labels (chưa tách người nói): once the speaker model is installed "
                       f"(pip install .[diarize]), `loike retranscribe {row['code']}` adds them")
        for line in (row["metadata_problems"] or "").splitlines():
            click.echo(f"{'':<13} ? {line}")


@cli.command("export")
@click.argument("interview", required=False)
@click.option("--all", "everything", is_flag=True, help="Every transcribed interview, one file each (see --output-dir).")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write [default: stdout].")
@click.option("--output-dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for --all.")
@click.option("--no-timecodes", is_flag=True, help="TXT: no [hh:mm:ss] before each line.")
@click.option("--no-speakers", is_flag=True, help="TXT, SRT, DOCX: no speaker names.")
@click.option("--no-marks", is_flag=True, help="TXT, SRT: no [máy]/[sửa]/[duyệt] after each line.")
@click.option("--include-restricted", is_flag=True, help="--all: also interviews that may not be published.")
@click.pass_obj
def export_command(obj: Context, interview, everything, fmt, output, output_dir, no_timecodes, no_speakers,
                   no_marks, include_restricted) -> None:
    """Export one INTERVIEW (its code, e.g. LK-2026-001, or its number), or --all, as txt, srt, vtt, json, docx,
    ohms (OHMS XML) or tei (TEI P5)."""
    if bool(interview) == everything:
        raise click.UsageError("Give one INTERVIEW code, or --all.")
    options = export.ExportOptions(timecodes=not no_timecodes, speakers=not no_speakers, marks=not no_marks)
    try:
        if everything:
            report = export.export_all(obj.database(), fmt, Path(output_dir), options, include_restricted)
        else:
            result = export.export_one(obj.database(), interview, fmt, options, Path(output) if output else None)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if everything:
        click.echo(f"{len(report.written)} interview(s) exported as {fmt} into {Path(output_dir).resolve()}.")
        if report.withheld:
            click.echo(f"Left out, not cleared for publication: {', '.join(report.withheld)} "
                       "(--include-restricted takes them in, marked).")
    elif output:
        click.echo(f"Wrote {result}.", err=True)
    else:
        click.echo(result.decode("utf-8"), nl=False)


@cli.group("quotes")
def quotes_group() -> None:
    """Quotes chosen in the review sheets, for the manuscript."""


@quotes_group.command("export")
@click.option("--event", help="Only quotes about this event (name or number).")
@click.option("--person", help="Only quotes by or about this person (name or number).")
@click.option("--place", help="Only quotes tagged with this place, or from interviews held there.")
@click.option("--commune", help="Only quotes from interviews held in this commune.")
@click.option("--interview", help="Only quotes from this interview (code or number).")
@click.option("--verified-only", is_flag=True, help="Only quotes whose every passage an editor verified.")
@click.option("--include-restricted", is_flag=True, help="Also interviews not cleared for publication (marked).")
@click.option("--format", "fmt", type=click.Choice(["docx", "md", "csv", "json"]), default="docx", show_default=True)
@click.option("--group-by", type=click.Choice(["event", "witness"]), default="event", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write [default: stdout; docx needs it].")
@click.option("--clips", "clips_dir", type=click.Path(file_okay=False), help="Also cut an audio clip per quote here.")
@click.option("--clip-format", type=click.Choice(["wav", "mp3", "ogg"]), default="wav", show_default=True)
@click.pass_obj
def quotes_export(obj: Context, event, person, place, commune, interview, verified_only, include_restricted, fmt,
                  group_by, output, clips_dir, clip_format) -> None:
    """Write the chosen quotes with their citations as DOCX, Markdown, CSV or JSON."""
    from . import quotes

    chosen = quotes.QuoteFilters(event, person, place, commune, interview, verified_only, include_restricted)
    try:
        report = quotes.export_quotes(obj.database(), obj.archive, chosen, fmt, Path(output) if output else None,
                                      group_by, Path(clips_dir) if clips_dir else None, clip_format)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if not output:
        click.echo(report.data.decode("utf-8"), nl=False)
    said = f"{report.count} quote(s) in {report.groups} group(s)" + (f" written to {output}" if output else "")
    click.echo(said + (f"; {len(report.clips)} clip(s) in {clips_dir}" if clips_dir else "") + ".", err=not output)
    if report.withheld:
        click.echo(f"Left out, not cleared for publication: {', '.join(report.withheld)} "
                   "(--include-restricted takes them in, marked).", err=not output)


@cli.command("package")
@click.argument("path", type=click.Path())
@click.option("--verify", is_flag=True, help="Validate the BagIt package at PATH instead of writing one.")
@click.option("--organization", default="Lời Kể", show_default=True, help="Source-Organization in bag-info.txt.")
@click.option("--identifier", help="External-Identifier in bag-info.txt [default: loike-<date>].")
@click.option("--contact", help="Contact-Name in bag-info.txt.")
@click.option("--only-publishable", is_flag=True, help="Leave out interviews not cleared for publication.")
@click.pass_obj
def package_command(obj: Context, path, verify, organization, identifier, contact, only_publishable) -> None:
    """Write a BagIt package (RFC 8493) of the archive at PATH for deposit, or --verify one."""
    from . import package
    from .errors import PackageInvalid

    try:
        if verify:
            package.verify(Path(path))
        else:
            options = package.PackageOptions(organization, identifier, contact, only_publishable=only_publishable)
            report = package.build(obj.database(), obj.archive, Path(path), options)
    except PackageInvalid as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(str(error), err=True)
        sys.exit(1)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if verify:
        click.echo(f"{path} is a valid BagIt package: every file is present and matches its SHA-256.")
    else:
        click.echo(f"Packaged {len(report.interviews)} interview(s), {report.files} files ({report.bytes:,} bytes) "
                   f"into {report.path}; check it with `loike package --verify {report.path}`.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 shares the app on the office network (needs a password).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@click.option("--password", envvar="LOIKE_PASSWORD",
              help="Password for other machines (with --host); one is made up and printed when not given.")
@click.option("--allow-host", "allowed_hosts", multiple=True,
              help="Another name this machine is reached by on the network (repeatable).")
@click.pass_obj
def serve(obj: Context, host: str, port: int, password: str | None, allowed_hosts: tuple[str, ...]) -> None:
    """Open the editors' review app in the browser (Ctrl-C stops it)."""
    from . import serve as review_app  # Starlette and uvicorn load only for this command

    obj.database().close()
    options = review_app.ServeOptions(host=host, port=port, password=password, allowed_hosts=allowed_hosts)
    try:
        review_app.serve(obj.archive, options, lambda address: click.echo(f"Review app: {address}  (Ctrl-C to stop)"))
    except LoikeError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@click.argument("recording", type=click.Path(exists=True, dir_okay=False))
def new(recording: str) -> None:
    """Write a metadata template (NAME.yaml) beside RECORDING, to fill in."""
    from . import metadata

    try:
        written = metadata.write_sidecar(Path(recording))
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {written}: fill it in, then run `loike run`.")


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--person", help="Only passages by or tagged with this person (name or number).")
@click.option("--event", help="Only passages about this event.")
@click.option("--place", help="Only passages tagged with this place, or from interviews held there.")
@click.option("--commune", help="Only interviews from this commune or ward.")
@click.option("--from", "date_from", help="Interviews on or after this date (dd/mm/yyyy).")
@click.option("--to", "date_to", help="Interviews on or before this date (dd/mm/yyyy).")
@click.option("--reviewed", is_flag=True, help="Only passages an editor has verified.")
@click.option("--exact", is_flag=True, help="Match tones and marks exactly (or put words in double quotes).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def search(obj: Context, query, person, event, place, commune, date_from, date_to, reviewed, exact, limit,
           as_json) -> None:
    """Find passages: 'dang bo bac cuong' finds "Đảng bộ Bắc Cường"."""
    from . import search as searching

    filters = searching.SearchFilters(person=person, event=event, place=place, commune=commune,
                                      date_from=date_from, date_to=date_to, reviewed_only=reviewed, limit=limit)
    try:
        hits = searching.search(obj.database(), " ".join(query), filters, exact=exact)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No passage matches.")
    for hit in hits:
        where = f"{hit.interview_code} {clock(hit.start)}" if hit.start is not None else hit.interview_code
        who = f" {hit.speaker}:" if hit.speaker else ""
        mark = " [hạn chế]" if hit.consent_status in ("restricted", "embargoed") else ""
        click.echo(f"{where}{mark}{who} {highlighted(hit.snippet)}")


@cli.command()
@click.pass_obj
def reindex(obj: Context) -> None:
    """Rebuild the search index from the stored text."""
    from . import search as searching

    count = searching.reindex(obj.database())
    click.echo(f"Search index rebuilt: {count} passages.")


@cli.group(invoke_without_command=True)
@click.pass_context
def people(ctx: click.Context) -> None:
    """List the people named in the metadata (merge duplicates with `loike people merge`)."""
    if ctx.invoked_subcommand:
        return
    from . import catalogue

    for person in catalogue.people(ctx.obj.database()):
        born = f" ({person['birth_year']})" if person["birth_year"] else ""
        maybe = f"  maybe the same as {', '.join(map(str, person['maybe_same_as']))}" if person["maybe_same_as"] else ""
        click.echo(f"{person['id']:>5}  {person['full_name']}{born}  {person['interviews']} interview(s){maybe}")


@people.command("merge")
@click.argument("keep", type=int)
@click.argument("other", type=int)
@click.pass_obj
def people_merge(obj: Context, keep: int, other: int) -> None:
    """Merge person OTHER into person KEEP (numbers from `loike people`)."""
    from . import catalogue

    try:
        catalogue.merge_people(obj.database(), keep, other)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Merged person {other} into {keep}.")


@cli.command("places")
@click.option("--former-name", nargs=2, metavar="PLACE NAME", help="Record an old name of place PLACE.")
@click.pass_obj
def places_command(obj: Context, former_name) -> None:
    """List the places named in the metadata; --former-name adds an old name (communes were merged)."""
    from . import catalogue

    db = obj.database()
    if former_name:
        try:
            catalogue.add_former_name(db, int(former_name[0]), former_name[1])
        except (LoikeError, ValueError) as error:
            raise click.ClickException(str(error)) from error
    for place in catalogue.places(db):
        former = json.loads(place["former_names"] or "[]")
        where = f", {place['parent']}" if place["parent"] else ""
        old = f"  (trước đây: {'; '.join(former)})" if former else ""
        click.echo(f"{place['id']:>5}  {place['name']}{where}  [{place['kind']}]{old}")


@cli.command("events")
@click.option("--describe", "event", type=int, help="The event to describe (its number).")
@click.option("--date", "start", help="Its date, or the start of its period (dd/mm/yyyy or yyyy).")
@click.option("--until", "end", help="The end of its period (dd/mm/yyyy or yyyy).")
@click.option("--place", type=int, help="Where it happened (a number from `loike places`).")
@click.option("--alias", help="Another name people use for it.")
@click.pass_obj
def events_command(obj: Context, event, start, end, place, alias) -> None:
    """List the events named in the metadata; --describe N adds a date, period, place or other name."""
    from . import catalogue, metadata

    db = obj.database()
    if event is not None:
        try:
            dates = [metadata.parse_date(d, year_ok=True) if d else None for d in (start, end)]
            catalogue.describe_event(db, event, *dates, place=place, alias=alias)
        except ValueError as error:
            raise click.ClickException(f"{error}: write dates as dd/mm/yyyy or as a year.") from error
        except LoikeError as error:
            raise click.ClickException(str(error)) from error
    for row in catalogue.events(db):
        period = " – ".join(d for d in (row["date_start"], row["date_end"]) if d)
        aliases = json.loads(row["aliases"] or "[]")
        extra = "".join(f"  {x}" for x in (period, row["place"] or "", "; ".join(aliases)) if x)
        click.echo(f"{row['id']:>5}  {row['name']}{extra}")

@cli.command()
@click.argument("interview")
@click.argument("label")
@click.argument("person", type=int)
@click.pass_obj
def speaker(obj: Context, interview: str, label: str, person: int) -> None:
    """Say that speaker LABEL in INTERVIEW is PERSON (a number from `loike people`)."""
    from . import catalogue

    db = obj.database()
    try:
        catalogue.map_speaker(db, interview_id(db, interview), label, person)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{label} in {interview} is now person {person}.")


@cli.command()
@click.argument("interview")
@click.argument("line", type=click.IntRange(1))
@click.option("--person", type=int, help="Number of the person (from `loike people`).")
@click.option("--place", type=int, help="Number of the place (from its page).")
@click.option("--event", type=int, help="Number of the event (from its page).")
@click.pass_obj
def tag(obj: Context, interview: str, line: int, person, place, event) -> None:
    """Tag passage LINE of INTERVIEW (the number in the sheet's margin) with a person, place or event."""
    from . import catalogue

    chosen = {k: v for k, v in (("person", person), ("place", place), ("event", event)) if v is not None}
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --person, --place or --event.")
    db = obj.database()
    found = db.execute("SELECT id FROM segments WHERE interview_id = ? AND idx = ?",
                       [interview_id(db, interview), line - 1]).fetchone()
    if not found:
        raise click.ClickException(f"{interview} has no line {line}: the review sheet numbers its lines.")
    [(kind, target)] = chosen.items()
    try:
        catalogue.tag_segment(db, found[0], kind, target)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Line {line} of {interview} tagged with {kind} {target}.")


@cli.command("log")
@click.argument("interview")
@click.pass_obj
def log_command(obj: Context, interview: str) -> None:
    """Show what was done to INTERVIEW's recording, oldest first (the log is append-only)."""
    from datetime import datetime

    db = obj.database()
    found = store.interview(db, interview)
    if not found:
        raise click.ClickException(f"There is no interview {interview!r}: `loike status` lists the interview codes.")
    for event in store.events(db, found["recording_id"]):
        when = datetime.fromisoformat(event["at"]).strftime("%d/%m/%Y %H:%M")
        click.echo(f"{when}  {event['action']:<12} {event['outcome']:<5}  {event['tool'] or ''}  {event['detail'] or ''}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def verify(obj: Context, as_json: bool) -> None:
    """Re-hash every original and normalised WAV: report changed, missing and untracked files."""
    from . import fixity

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
        click.echo(f"{report.originals} originals and {report.derivatives} interviews' derivatives checked: "
                   + ("all well." if report.ok else f"{len(report.findings)} problem(s)."))
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("dest", type=click.Path())
@click.pass_obj
def backup(obj: Context, dest: str) -> None:
    """Copy the database safely (even while `loike run` works) into folder or file DEST."""
    from . import fixity

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
    from . import fixity

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


def interview_id(db, key: str) -> int:
    found = store.interview(db, key)
    if not found:
        raise click.ClickException(f"There is no interview {key!r}: `loike status` lists the interview codes.")
    return found["id"]


def run_on_cluster(obj: Context, options: TranscribeOptions, where: ClusterOptions, cache) -> None:
    """`loike run --cluster`: the first Ctrl-C stops handing out work (what is stored stays), a second aborts."""
    from . import cluster, watch

    stop = watch.StopFlag()
    try:
        with cluster.connect(where) as on, stop.installed(), ProgressBar() as bar:
            report = process.process_archive(obj.archive, options, settings.model_cache(cache), bar.update,
                                             should_stop=stop, cluster=on)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    print_summary(report)
    if stop():
        click.echo("Stopped: the recordings not transcribed yet wait for the next `loike run`.")
    sys.exit(0 if report.ok and not stop() else 1)


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
            self.bar = click.progressbar(length=max(1, int(total)), label="Transcribing", show_eta=True,
                                         item_show_func=lambda _: self.shown(total), file=sys.stderr)
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
        click.echo(f"{report.found} recordings: {report.new} new, {report.transcribed} transcribed "
                   f"({clock(report.audio_seconds)} of audio), {len(report.failures)} failed.")
    if report.waiting_for_metadata:
        click.echo(f"{report.waiting_for_metadata} interview(s) wait for metadata (chờ bổ sung thông tin): "
                   "`loike status` says what is missing; `loike new RECORDING` writes a template.")
    if report.unseparated:
        click.echo(f"{report.unseparated} recording(s) transcribed without telling speakers apart (chưa tách người "
                   "nói): install the speaker model with pip install .[diarize], then `loike retranscribe INTERVIEW` labels "
                   "one (an editor's corrections are kept).")
    if report.sheets_dir:
        click.echo(f"Review sheets: {report.sheets_dir / 'index.html'}")


def print_score(score) -> None:
    click.echo(f"{score.wer:>6.3f} {score.cer:>6.3f} {score.rtf:>6.2f} {score.words:>6} {clock(score.seconds):>8}  "
               f"{score.path.name}")


def print_eval_summary(report) -> None:
    for problem in report.skipped:
        click.echo(f"Skipped: {problem.message}", err=True)
    click.echo(f"Corpus: WER {report.wer:.3f} ({int(report.total('word_edits'))}/{int(report.total('words'))} words), "
               f"CER {report.cer:.3f}, RTF {report.rtf:.3f} ({report.wall_seconds:.1f} s for "
               f"{clock(report.total('seconds'))} of audio; model loaded in {report.load_seconds:.1f} s), "
               f"{len(report.files)} recordings scored, {len(report.skipped)} skipped.")


def highlighted(snippet: str) -> str:
    """Matched words (between ⟦ ⟧) in bold; click drops the styling when output is not a terminal."""
    return re.sub("⟦(.*?)⟧", lambda m: click.style(m.group(1), bold=True, fg="yellow"), snippet)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
