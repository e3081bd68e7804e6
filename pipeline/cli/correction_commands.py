"""Commands that correct where the errors are: replace (find and replace, and its undo) and suggest."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict

import click

from pipeline import settings
from pipeline.cli.base import Context, cli, clock
from pipeline.errors import LoikeError
from pipeline.i18n import _, ngettext
from pipeline.options import TranscribeOptions


@cli.command("replace")
@click.argument("find", required=False)
@click.argument("replacement", required=False)
@click.option("--interview", metavar="CODE", help="Only in this interview (its code or number) [default: everywhere].")
@click.option("--exact", is_flag=True, help="Tones and marks must match as typed (case never counts).")
@click.option("--dry-run", is_flag=True, help="List every hit with its context; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--editor", default=lambda: getpass.getuser(), help="Whose change it is [default: your login].")
@click.option("--undo", type=int, metavar="BATCH", help="Put back every line a find-and-replace changed.")
@click.pass_obj
def replace_command(obj: Context, find, replacement, interview, exact, dry_run, as_json, editor, undo) -> None:
    """Replace FIND with REPLACEMENT, whole words, with or without tones ("bat dung" finds "bắt dùng"). Each line
    changed is a revision under --editor; `--undo BATCH` puts a whole batch back."""
    from pipeline.desk import replacing

    db = obj.database()
    if undo is not None:
        undone = replacing.undo(db, undo, editor)
        report = {"undone": undo, "lines": undone.lines, "kept": undone.kept}
        message = _("Find-and-replace {batch} undone: {lines} lines put back").format(batch=undo, lines=undone.lines)
        if undone.kept:
            message += _("; {kept} lines changed again since kept as they are").format(kept=len(undone.kept))
        _refresh(obj, db)
        click.echo(json.dumps(report) if as_json else message + ".")
        return
    if find is None or replacement is None:
        raise click.UsageError(_("Give FIND and REPLACEMENT (or --undo BATCH)."))
    preview = replacing.find(db, find, replacement, interview, exact)
    done = None if dry_run or not preview.hits else replacing.apply(db, preview, editor)
    if done:
        _refresh(obj, db, {h.interview_id for h in preview.hits})
    if as_json:
        click.echo(json.dumps(_as_dict(preview, done), ensure_ascii=False, indent=2))
        return
    for hit in preview.hits:
        click.echo(
            _("{code}  line {line:<5} {time}  …{before}[{found} → {replacement}]{after}…").format(
                code=hit.code,
                line=hit.line,
                time=clock(hit.start),
                before=hit.before,
                found=hit.found,
                replacement=preview.replacement,
                after=hit.after,
            )
        )
    click.echo(_summary(preview, done))


def _as_dict(preview, done) -> dict:
    return {
        "find": preview.find,
        "replacement": preview.replacement,
        "exact": preview.exact,
        "interview": preview.interview,
        "hits": [asdict(hit) for hit in preview.hits],
        "applied": None
        if done is None
        else {
            "batch": done.batch_id,
            "lines": done.lines,
            "hits": done.hits,
            "skipped": [asdict(hit) for hit in done.skipped],
        },
    }


def _summary(preview, done) -> str:
    if not preview.hits:
        return _("No line holds {find!r}: nothing to replace.").format(find=preview.find)
    if done is None:
        return _("{hits} hits (dry run: nothing changed).").format(hits=len(preview.hits))
    message = _(
        "Replaced {hits} hits in {lines} lines (find-and-replace {batch}); `loike replace --undo {batch}` puts them "
        "back."
    ).format(hits=done.hits, lines=done.lines, batch=done.batch_id)
    if done.skipped:
        message += " " + _(
            "{skipped} hits were in lines saved by someone else meanwhile and were left as saved."
        ).format(skipped=len(done.skipped))
    return message


def _refresh(obj: Context, db, only: set[int] | None = None) -> None:
    """Write the changed interviews' review sheets again (all of them after an undo)."""
    from pipeline.publishing import review_sheets

    review_sheets.write_sheets(db, obj.archive, only=only)


@cli.command("suggest")
@click.argument("interview")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def suggest_command(obj: Context, interview: str, as_json: bool) -> None:
    """List what the review app offers in INTERVIEW's lines: names from the metadata and recordings/glossary.txt
    that the machine misheard, and corrections editors already made elsewhere. A name is first heard again against
    the names most like it (the model is loaded for that, if a name was not heard yet)."""
    from pipeline.desk import suggestions

    db = obj.database()
    suggestions.suggestions(db, obj.archive, interview)  # an interview that does not exist is said here
    hear_names(obj, [interview], TranscribeOptions(), aside=as_json)
    found = suggestions.suggestions(db, obj.archive, interview)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in found], ensure_ascii=False, indent=2))
        return
    for s in found:
        template = (
            _("line {line:<5} {time}  «{found}» → «{suggestion}»  ({source})")
            if s.found
            else _("line {line:<5} {time}  draft for the gap: «{suggestion}»  ({source})")
        )
        click.echo(
            template.format(line=s.line, time=clock(s.start), found=s.found, suggestion=s.suggestion, source=s.source)
        )
    click.echo(
        ngettext("{count} suggestion.", "{count} suggestions.", len(found)).format(count=len(found))
        if found
        else _("No suggestion for this interview.")
    )


def hear_names(obj: Context, interviews: list[str], options: TranscribeOptions, cache=None, aside=False) -> None:
    """Weigh the names the desk would offer in these interviews against their rivals (``desk.hearing``); ``aside``:
    say how many on stderr (the output is JSON)."""
    from pipeline.desk import hearing

    if not interviews:
        return
    try:
        weighed = hearing.hear_interviews(obj.archive, interviews, options, settings.model_cache(cache))
    except LoikeError as error:
        click.echo(_("Warning: {message}").format(message=error), err=True)
        return
    if weighed:
        click.echo(
            ngettext(
                "{count} name from the metadata heard again against the names most like it.",
                "{count} names from the metadata heard again against the names most like them.",
                weighed,
            ).format(count=weighed),
            err=aside,
        )
