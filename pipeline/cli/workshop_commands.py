"""Commands for the workshop (hội thảo): dates read from speech, dossiers, questions, conclusions, the timeline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli.base import Context, cli
from pipeline.errors import LoikeError
from pipeline.i18n import _, ngettext


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--born", type=click.IntRange(1850, 2100), help="The witness's year of birth: years said without "
              "their century and can-chi years are placed in their life.")  # fmt: skip
@click.option("--said", type=click.IntRange(1850, 2100), help="The year it was said in [default: this year].")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--eval", "table", type=click.Path(exists=True, dir_okay=False), help="Score the reader on a table "
              "of phrases (tab-separated: kind, phrase, expected, born, said) instead.")  # fmt: skip
@click.pass_obj
def dates(obj: Context, text, born, said, as_json, table) -> None:
    """Read the dates in TEXT: 'năm bốn lăm', 'hồi Mậu Thân', 'sau Cách mạng tháng Tám'."""
    from pipeline.workshop import dates as reader
    from pipeline.workshop import gazetteer, phrase_set

    if not text and not table:
        raise click.UsageError(_("Give the TEXT to read, or --eval FILE."))
    try:
        periods = gazetteer.load(obj.archive.root)
        if table:
            scores = phrase_set.evaluate(phrase_set.read_phrases(Path(table)), periods)
            _print_scores(scores)
            sys.exit(0 if all(s.passes for s in scores) else 1)
        scan = reader.scan_dates(" ".join(text), born, said, periods)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        found = {"readings": [r.record() for r in scan.readings], "problems": scan.problems}
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        _print_scan(scan)


def _print_scan(scan) -> None:
    from pipeline.workshop import lifetime, readings

    for reading in scan.readings:
        click.echo(readings.describe(reading))
    for problem in scan.problems:
        click.echo(_("Warning: {problem}").format(problem=problem))
    if not scan.readings and not scan.problems:
        click.echo(_("No date found."))
    if any(r.placed and not r.placed.known for r in scan.readings):
        click.echo(
            _(
                "No birth year given: years said without their century and can-chi years were placed as for a "
                "witness born in {year} (give --born YEAR)."
            ).format(year=lifetime.ASSUMED_BIRTH)
        )


def _print_scores(scores) -> None:
    from pipeline.workshop import phrase_set

    click.echo(phrase_set.table(scores))
    for miss in [m for s in scores[:-1] for m in s.misses]:
        click.echo(miss)


RESTRICTED = click.option(
    "--include-restricted", is_flag=True, help="Take in passages of interviews not cleared for publication, marked."
)


@cli.command()
@click.argument("subject")
@click.option("--person", "kind", flag_value="person", help="SUBJECT is a person.")
@click.option("--place", "kind", flag_value="place", help="SUBJECT is a place.")
@click.option("--format", "fmt", type=click.Choice(["html", "docx"]), default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Where to write it [default: "
              "transcripts/sheets/dossiers/].")  # fmt: skip
@RESTRICTED
@click.pass_obj
def dossier(obj: Context, subject, kind, fmt, output, include_restricted) -> None:
    """The dossier of an event (by number or name; --person, --place for others): every passage about it, by
    witness, with the dates, places and people read from each and the questions where accounts differ."""
    from pipeline.workshop import papers

    try:
        made, path = papers.write_dossier(
            obj.database(), obj.archive, kind or "event", subject, fmt, Path(output) if output else None,
            include_restricted,
        )  # fmt: skip
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    passages = ngettext("{count} passage", "{count} passages", made.passage_count).format(count=made.passage_count)
    heard = ngettext("{count} interview", "{count} interviews", made.interview_count).format(count=made.interview_count)
    asked = ngettext(
        "{count} question for the workshop", "{count} questions for the workshop", len(made.questions)
    ).format(count=len(made.questions))
    click.echo(_("Dossier of “{name}”: {passages} from {interviews}, {questions}: {path}").format(
        name=made.name, passages=passages, interviews=heard, questions=asked, path=path
    ))  # fmt: skip
    if made.withheld:
        left = ", ".join(f"{code} ({count})" for code, count in sorted(made.withheld.items()))
        click.echo(
            _("Left out, not cleared for publication: {left}; --include-restricted takes them in, marked.").format(
                left=left
            )
        )


@cli.command()
@click.argument("event", required=False)
@RESTRICTED
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def questions(obj: Context, event, include_restricted, as_json) -> None:
    """The questions for the workshop: where witnesses' accounts of an event (or of EVENT) differ."""
    from pipeline.workshop import papers

    try:
        found = papers.questions(obj.database(), obj.archive, event, include_restricted)
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        rows = [
            {"event_id": e.event_id, "event": e.name, "aspect": q.aspect, "question": q.text,
             "settled": e.in_force[q.aspect].answer if q.aspect in e.in_force else None}
            for e in found for q in e.questions
        ]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for e in found:
        for q in e.questions:
            settled = e.in_force.get(q.aspect)
            click.echo(q.text + (_(" [settled: {answer}]").format(answer=settled.answer) if settled else ""))
    if not any(e.questions for e in found):
        click.echo(_("No question: the witnesses' accounts do not differ, as far as they could be read."))


@cli.command()
@click.argument("event")
@click.option("--aspect", type=click.Choice(["date", "place", "people"]), required=True, help="What was settled.")
@click.option("--answer", required=True, help="The version the workshop accepted ('1946', '19/08/1945', 'Bắc Cường').")
@click.option("--by", "decided_by", required=True, help="Who decided: the workshop, its chair.")
@click.option("--on", "decided_on", help="The day it was decided (dd/mm/yyyy) [default: today].")
@click.option("--reasons", help="Why this version.")
@click.option("--passage", "passages", multiple=True, help="A passage it rests on: CODE:LINE (the sheet's line); "
              "again for more.")  # fmt: skip
@click.option("--editor", required=True, help="Your name, as the conclusion's history records it.")
@click.pass_obj
def conclude(obj: Context, event, aspect, answer, decided_by, decided_on, reasons, passages, editor) -> None:
    """Record what the workshop settled about EVENT; the conclusion before it is kept in the history."""
    from pipeline.workshop import settling

    try:
        made = settling.conclude(
            obj.database(), event, aspect, answer, decided_by, editor, decided_on, reasons, passages
        )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    if made.replaces:
        said = _(
            "Conclusion {number} recorded: {aspect} = {answer} (replacing conclusion {before}, kept in the history)."
        )
    else:
        said = _("Conclusion {number} recorded: {aspect} = {answer}.")
    click.echo(said.format(number=made.id, aspect=aspect, answer=made.answer, before=made.replaces))


@cli.command()
@click.argument("event", required=False)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of the screen.")
@RESTRICTED
@click.pass_obj
def conclusions(obj: Context, event, fmt, output, include_restricted) -> None:
    """The workshop's conclusions (of EVENT), with their history and a citation of every passage they rest on."""
    from pipeline.workshop import papers

    try:
        text = papers.write_conclusions(
            obj.database(), obj.archive, event, fmt, Path(output) if output else None, include_restricted
        )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Conclusions written to {path}.").format(path=output) if output else text, nl=bool(output))


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Where to write it [default: "
              "transcripts/sheets/timeline.html].")  # fmt: skip
@RESTRICTED
@click.pass_obj
def timeline(obj: Context, output, include_restricted) -> None:
    """The timeline of the archive's events: the dates witnesses gave and the dates the workshops settled."""
    from pipeline.workshop import papers

    try:
        count, path = papers.write_timeline(
            obj.database(), obj.archive, Path(output) if output else None, include_restricted
        )
    except LoikeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(ngettext("Timeline of {count} event: {path}", "Timeline of {count} events: {path}", count).format(
        count=count, path=path
    ))  # fmt: skip
