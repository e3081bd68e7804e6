"""Commands that hand the work out: export, quotes export, package, serve (the review app)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.base import Context, cli
from pipeline.errors import LoikeError
from pipeline.i18n import _, ngettext
from pipeline.publishing import exports


@cli.command("export")
@click.argument("interview", required=False)
@click.option(
    "--all", "everything", is_flag=True, help="Every transcribed interview, one file each (see --output-dir)."
)
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write [default: stdout].")
@click.option(
    "--output-dir", type=click.Path(file_okay=False), default=".", show_default=True, help="Folder for --all."
)
@click.option("--no-timecodes", is_flag=True, help="TXT: no [hh:mm:ss] before each line.")
@click.option("--no-speakers", is_flag=True, help="TXT, SRT, DOCX: no speaker names.")
@click.option(
    "--marks/--no-marks",
    default=None,
    help="[máy]/[sửa]/[duyệt] after each line [default: in TXT, not in SRT and VTT].",
)
@click.option("--include-restricted", is_flag=True, help="--all: also interviews that may not be published.")
@click.option(
    "--media-url",
    help="OHMS, TEI: the absolute address of the access copy (ending in / for a folder holding CODE.mp3).",
)
@click.pass_obj
def export_command(
    obj: Context,
    interview,
    everything,
    fmt,
    output,
    output_dir,
    no_timecodes,
    no_speakers,
    marks,
    include_restricted,
    media_url,
) -> None:
    """Export one INTERVIEW (its code, e.g. LK-2026-001, or its number), or --all, as txt, srt, vtt, json, docx,
    ohms (OHMS XML) or tei (TEI P5)."""
    if bool(interview) == everything:
        raise click.UsageError(_("Give one INTERVIEW code, or --all."))
    options = exports.ExportOptions(not no_timecodes, not no_speakers, marks, media_url)
    try:
        exports.check_media_url(media_url)
        if everything:
            report = exports.export_all(obj.database(), fmt, Path(output_dir), options, include_restricted)
        else:
            result = exports.export_one(obj.database(), interview, fmt, options, Path(output) if output else None)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if everything:
        click.echo(
            _("{count} interview(s) exported as {fmt} into {folder}.").format(
                count=len(report.written), fmt=fmt, folder=Path(output_dir).resolve()
            )
        )
        if report.withheld:
            click.echo(
                _(
                    "Left out, not cleared for publication: {codes} (--include-restricted takes them in, marked)."
                ).format(codes=", ".join(report.withheld))
            )
    elif isinstance(result, Path):
        click.echo(_("Wrote {result}.").format(result=result), err=True)
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
def quotes_export(
    obj: Context,
    event,
    person,
    place,
    commune,
    interview,
    verified_only,
    include_restricted,
    fmt,
    group_by,
    output,
    clips_dir,
    clip_format,
) -> None:
    """Write the chosen quotes with their citations as DOCX, Markdown, CSV or JSON."""
    from pipeline.publishing import quotes

    chosen = quotes.QuoteFilters(event, person, place, commune, interview, verified_only, include_restricted)
    try:
        report = quotes.export_quotes(
            obj.database(),
            obj.archive,
            chosen,
            fmt,
            Path(output) if output else None,
            group_by,
            Path(clips_dir) if clips_dir else None,
            clip_format,
        )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if not output:
        click.echo(report.data.decode("utf-8"), nl=False)
    said = ngettext("{count} quote", "{count} quotes", report.count).format(count=report.count)
    said += " " + ngettext("in {count} group", "in {count} groups", report.groups).format(count=report.groups)
    said += " " + _("written to {file}").format(file=output) if output else ""
    if clips_dir:
        said += "; " + ngettext("{count} clip in {folder}", "{count} clips in {folder}", len(report.clips)).format(
            count=len(report.clips), folder=clips_dir
        )
    click.echo(said + ".", err=not output)
    if report.withheld:
        click.echo(
            _("Left out, not cleared for publication: {codes} (--include-restricted takes them in, marked).").format(
                codes=", ".join(report.withheld)
            ),
            err=not output,
        )


@cli.command("package")
@click.argument("path", type=click.Path())
@click.option("--verify", is_flag=True, help="Validate the BagIt package at PATH instead of writing one.")
@click.option("--organization", default="Lời Kể", show_default=True, help="Source-Organization in bag-info.txt.")
@click.option("--identifier", help="External-Identifier in bag-info.txt [default: loike-<date>].")
@click.option("--contact", help="Contact-Name in bag-info.txt.")
@click.option("--only-publishable", is_flag=True, help="Leave out interviews not cleared for publication.")
@click.option(
    "--voice-prints", is_flag=True, help="Also the voice prints of named people (personal data: left out unless asked)."
)
@click.pass_obj
def package_command(obj: Context, path, verify, organization, identifier, contact, only_publishable, voice_prints):
    """Write a BagIt package (RFC 8493) of the archive at PATH for deposit, or --verify one."""
    from pipeline.errors import PackageInvalid
    from pipeline.publishing import deposit

    try:
        if verify:
            deposit.verify(Path(path))
        else:
            options = deposit.PackageOptions(
                organization, identifier, contact, only_publishable=only_publishable, voice_prints=voice_prints
            )
            report = deposit.build(obj.database(), obj.archive, Path(path), options)
    except PackageInvalid as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(str(error), err=True)
        sys.exit(1)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if verify:
        click.echo(
            _("{path} is a valid BagIt package: every file is present and matches its SHA-256.").format(path=path)
        )
    else:
        click.echo(
            _(
                "Packaged {interviews} interview(s), {files} files ({bytes:,} bytes) into {path}; check it with `loike "
                "package --verify {path}`."
            ).format(interviews=len(report.interviews), files=report.files, bytes=report.bytes, path=report.path)
        )


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 shares the app on the office network (needs a password).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@click.option(
    "--password",
    envvar="LOIKE_PASSWORD",
    help="Password for other machines (with --host); one is made up and printed when not given.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    help="Another name this machine is reached by on the network (repeatable).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the browser once it is ready.")
@click.pass_obj
def serve(
    obj: Context, host: str, port: int, password: str | None, allowed_hosts: tuple[str, ...], open_browser: bool
) -> None:
    """Start the editors' review app and print its address (--open opens it in the browser; Ctrl-C stops it)."""
    from pipeline.desk import webapp as review_app  # Starlette and uvicorn load only for this command

    obj.database().close()
    options = review_app.ServeOptions(host=host, port=port, password=password, allowed_hosts=allowed_hosts)
    try:
        review_app.serve(obj.archive, options, lambda address: ready(address, open_browser))
    except LoikeError as error:
        raise click.ClickException(str(error)) from error


def ready(address: str, open_browser: bool) -> None:
    click.echo(_("Review app: {address}  (Ctrl-C to stop)").format(address=address))
    if open_browser and click.launch(address) != 0:  # 0: the system's opener started
        click.echo(_("No browser could be opened here: open {address} yourself.").format(address=address))
